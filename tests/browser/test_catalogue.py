"""The catalogue in a real browser: search, 服务清单 filters and paging, a service's page, 收藏.

GIVEN the hall in Chromium with its catalogue of services and the demo citizens,
WHEN a visitor searches from the header, filters 服务清单 and opens a service, and a
logged-in citizen favourites a service from its card,
THEN each answers with real services in the manual's words, and axe-core finds nothing serious.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.axe import violations
from tests.browser.citizen import expect_logged_in_as, login_by_password, shot

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

# Demo account (README / demo/citizens.json), only read here: favourites added are removed again.
ZHOU = {"phone": "18600000002", "password": "Zhou#Jie2024", "masked": "周*"}
GUIDE = ["受理条件", "申请材料", "办理流程", "办理时限", "收费标准", "设定依据", "受理部门"]


def _search(page: Page, text: str) -> None:
    search = page.get_by_role("banner").get_by_role("searchbox")
    search.fill(text)
    search.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("站内搜索")


def test_header_search_finds_names_aliases_and_pinyin_initials(page: Page):
    page.goto("/")
    # WHEN a visitor types the pinyin initials of 社保卡挂失
    _search(page, "sbkgs")
    results = page.get_by_role("region", name="搜索结果")
    # THEN 社会保障卡正式挂失 is found first
    expect(page.get_by_test_id("search-summary")).to_contain_text("“sbkgs”的搜索结果")
    expect(results.get_by_role("link").first).to_have_text("社会保障卡正式挂失")
    shot(page, "search-initials")
    # WHEN they search a name exactly THEN it ranks first, before the hot services that contain it
    _search(page, "工伤认定")
    expect(page.get_by_role("region", name="搜索结果").get_by_role("link").first).to_have_text("工伤认定")
    # WHEN they search an alias THEN the service it names is found
    _search(page, "劳动仲裁")
    first = page.get_by_role("region", name="搜索结果").get_by_role("link").first
    expect(first).to_have_text("劳动人事争议仲裁申请")
    # AND a result opens the service's page
    first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("劳动人事争议仲裁申请")
    # WHEN nothing matches THEN the page says so and points to 服务清单
    _search(page, "不存在的事项")
    expect(page.get_by_test_id("search-summary")).to_have_text(
        "未找到与“不存在的事项”相关的事项。您可以换个关键词，或按拼音首字母搜索"
    )
    expect(page.get_by_role("main").get_by_role("link", name="服务清单")).to_have_attribute("href", "/hall/catalog")


def test_the_catalogue_filters_by_theme_persona_and_kind_and_pages(page: Page):
    # GIVEN 服务清单 from the navigation
    page.goto("/")
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="服务清单").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("服务清单")
    summary = page.get_by_test_id("catalog-summary")
    expect(summary).to_have_text(re.compile(r"^全部事项：共 \d+ 项，第 1 / \d+ 页$"))
    cards = page.locator("ol.service-cards > li")
    expect(cards).to_have_count(20)
    # WHEN they go to the next page THEN the pager marks it and the list goes on
    pager = page.get_by_role("navigation", name="分页")
    pager.get_by_role("link", name="下一页").click()
    expect(summary).to_contain_text("第 2 / ")
    expect(page.get_by_role("navigation", name="分页").get_by_role("link", name="2", exact=True)).to_have_attribute(
        "aria-current", "page"
    )
    # WHEN they filter by 社会保障卡 and 查询
    page.get_by_label("业务主题").select_option("社会保障卡")
    page.get_by_label("事项类型").select_option("查询")
    page.get_by_role("button", name="筛选").click()
    # THEN only card queries are listed, and the filters stay chosen
    expect(summary).to_have_text(re.compile(r"^筛选结果：共 \d+ 项，第 1 / 1 页$"))
    expect(page.get_by_label("业务主题")).to_have_value("社会保障卡")
    expect(cards.first).to_be_visible()
    for badge in cards.locator(".kind-badge").all_inner_texts():
        assert badge == "查询"
    expect(cards.get_by_role("link", name="社会保障卡应用状态查询")).to_be_visible()
    shot(page, "catalog-filtered")
    # WHEN a visitor picks 我是 工伤人员 on the home page THEN 服务清单 lists that persona's services
    page.goto("/")
    page.get_by_role("region", name="我是").get_by_role("link", name="工伤人员").click()
    expect(page.get_by_label("适用人群")).to_have_value("工伤人员")
    expect(cards.get_by_role("link", name="工伤认定", exact=True)).to_be_visible()


def test_home_hot_services_and_themes_lead_to_real_services(page: Page):
    page.goto("/")
    hot = page.get_by_role("region", name="热门服务")
    hot.get_by_role("tab", name="社会保险").click()
    hot.get_by_role("tabpanel", name="社会保险").get_by_role("link", name="工伤认定").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("工伤认定")
    page.goto("/")
    page.get_by_role("region", name="主题服务").get_by_role("link", name="就业补贴").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("主题服务")
    expect(page.get_by_role("region", name="就业补贴")).to_contain_text("创业担保贷款申请")


def test_a_services_page_has_its_guide_and_online_application(page: Page):
    page.goto("/hall/personal")
    page.get_by_role("link", name="社会保障卡正式挂失", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("社会保障卡正式挂失")
    expect(page.get_by_role("navigation", name="当前位置")).to_contain_text("个人办事")
    expect(page.get_by_test_id("service-level")).to_have_text("实人用户及以上")
    guide = page.get_by_role("region", name="办事指南")
    expect(guide.locator("dt")).to_have_text(GUIDE)
    expect(guide).to_contain_text("本人有效身份证件")
    expect(page.get_by_role("link", name="在线办理")).to_have_attribute("href", "/services/KA0001/apply")
    shot(page, "service-page")
    # A unit's service shows its guide and says the unit hall is where it is done
    page.goto("/hall/business")
    expect(page.get_by_test_id("unit-notice")).to_contain_text("单位登录")
    page.get_by_role("link", name="单位社会保险登记").click()
    expect(page.get_by_test_id("unit-notice")).to_contain_text("单位网上办事大厅")
    expect(page.get_by_role("link", name="在线办理")).to_have_count(0)


def test_a_citizen_favourites_a_service_from_its_card_and_its_page(page: Page):
    # GIVEN a logged-in citizen on 个人办事
    login_by_password(page, ZHOU["phone"], ZHOU["password"])
    expect_logged_in_as(page, ZHOU["masked"])
    page.goto("/hall/personal")
    star = page.get_by_role("button", name="收藏“工伤康复确认申请”")
    status = page.locator("[data-favourite-status]")
    expect(star).to_have_attribute("aria-pressed", "false")
    # WHEN they press 收藏 from the keyboard
    star.focus()
    page.keyboard.press("Enter")
    # THEN it is pressed, the page says so, and focus stays on it
    expect(star).to_have_attribute("aria-pressed", "true")
    expect(status).to_have_text("已收藏“工伤康复确认申请”")
    expect(star).to_be_focused()
    shot(page, "favourite-pressed")
    # AND it stays a favourite on other pages, and in the API's list
    page.goto("/search?q=工伤康复")
    expect(page.get_by_role("button", name="收藏“工伤康复确认申请”")).to_have_attribute("aria-pressed", "true")
    listed = page.request.get("/api/favourites").json()["favourites"]
    assert [f["name"] for f in listed] == ["工伤康复确认申请"]
    # AND 个人中心's 收藏 tab lists it
    page.goto("/user")
    page.get_by_role("tab", name="收藏（1）").click()
    expect(page.get_by_role("tabpanel", name="收藏（1）").get_by_role("link", name="工伤康复确认申请")).to_be_visible()
    page.goto("/search?q=工伤康复")
    # WHEN they press it again on the service's page THEN it is no favourite any more
    page.get_by_role("link", name="工伤康复确认申请").click()
    star = page.get_by_role("button", name="收藏“工伤康复确认申请”")
    star.click()
    expect(star).to_have_attribute("aria-pressed", "false")
    expect(page.locator("[data-favourite-status]")).to_have_text("已取消收藏“工伤康复确认申请”")
    assert page.request.get("/api/favourites").json()["favourites"] == []


def test_a_city_channel_adds_that_citys_own_services(page: Page):
    # GIVEN the province's pages (省本级): a city's own service is not listed
    page.goto("/hall/personal")
    expect(page.get_by_role("link", name="南京市高校毕业生租房补贴申领")).to_have_count(0)
    # WHEN the visitor switches 地市频道 to 南京市 from the header
    page.get_by_role("link", name="地市频道：省本级，切换地区").click()
    expect(page.get_by_test_id("current-region")).to_have_text("省本级")
    page.get_by_role("navigation", name="选择地区").get_by_role("link", name="南京市").click()
    # THEN the page says so, the header shows 南京市, and 南京市's own services join the province's
    expect(page.get_by_test_id("region-done")).to_have_text("已切换到南京市。")
    expect(page.get_by_role("link", name="地市频道：南京市，切换地区")).to_be_visible()
    page.goto("/hall/personal")
    expect(page.get_by_role("link", name="南京市高校毕业生租房补贴申领")).to_be_visible()
    expect(page.get_by_role("link", name="苏州市创业场地租金补贴申领")).to_have_count(0)
    expect(page.get_by_role("link", name="工伤认定", exact=True)).to_be_visible()
    _search(page, "租房补贴")
    expect(page.get_by_role("region", name="搜索结果")).to_contain_text("南京市高校毕业生租房补贴申领")


def test_an_unknown_service_or_section_answers_the_html_404_page(page: Page):
    for path in ("/services/ZZ9999", "/hall/nowhere", "/no/such/page", "/wp-login.php"):
        reply = page.goto(path)
        assert reply is not None and reply.status == 404
        expect(page.get_by_role("heading", level=1)).to_have_text("页面不存在")
        expect(page.get_by_role("main").get_by_role("link", name="返回大厅首页")).to_have_attribute("href", "/")


def test_every_link_of_the_header_footer_home_and_sitemap_leads_somewhere_real(page: Page):
    # GIVEN every same-site link a visitor can reach from the home page and the 网站地图
    links: set[str] = set()
    for start in ("/", "/sitemap"):
        page.goto(start)
        hrefs = page.eval_on_selector_all("a[href^='/']", "as => as.map(a => a.getAttribute('href'))")
        links.update(href.split("#")[0] for href in hrefs if href.split("#")[0])
    assert {"/hall/personal", "/hall/business", "/hall/notices", "/hall/region", "/user", "/verify"} <= links
    for href in sorted(links):
        # WHEN each is opened THEN it is a page (the user center's ask for login first), never an
        # error and never 即将开放 (unit login, out of this hall, is the one exception)
        reply = page.request.get(href, max_redirects=0)
        assert reply.status in (200, 302, 303), (href, reply.status)
        if reply.status == 200 and "text/html" in reply.headers.get("content-type", ""):
            text = reply.text()
            assert "即将开放" not in text or "单位登录" in text, href


def test_notices_are_listed_and_open_on_their_own_page(page: Page):
    # GIVEN the demo's notices (published by seed-demo, as `python -m chalicelib.ops notices publish` does)
    page.goto("/")
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="公示公告").click()
    listed = page.get_by_role("region", name="公告列表")
    expect(listed.get_by_role("link").first).to_have_text("网上办事服务大厅系统维护公告")  # the newest first
    listed.get_by_role("link", name="关于开展2026年度社会保险待遇领取资格认证工作的通知").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("关于开展2026年度社会保险待遇领取资格认证工作的通知")
    expect(page.get_by_role("article")).to_contain_text("发布单位：江苏省人力资源和社会保障厅")
    expect(page.get_by_role("navigation", name="主导航").get_by_role("link", name="公示公告")).to_have_attribute(
        "aria-current", "page"
    )


def test_about_and_contact_pages_are_real(page: Page):
    page.goto("/")
    page.get_by_role("contentinfo").get_by_role("link", name="关于本站").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("关于本站")
    expect(page.get_by_test_id("coming-soon")).to_have_count(0)
    page.get_by_role("contentinfo").get_by_role("link", name="联系我们").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("联系我们")
    expect(page.get_by_role("main")).to_contain_text("12333")


def test_axe_finds_nothing_serious_on_the_catalogues_pages(axe_page: Page):
    paths = [
        "/hall/personal",
        "/hall/business",
        "/hall/query",
        "/hall/catalog?theme=社会保险&page=2",
        "/hall/themes",
        "/search?q=sbk",
        "/search?q=不存在",
        "/services/SB0001",
        "/services/SB0032",
        "/services/ZZ9999",
        "/hall/region",
        "/hall/about",
        "/hall/contact",
        "/hall/notices",
        "/hall/notices/20261125150000-0003",
    ]
    found = {}
    for path in paths:
        axe_page.goto(path)
        found[path] = violations(axe_page)
    # and with the 收藏 toggles a logged-in citizen sees
    login_by_password(axe_page, ZHOU["phone"], ZHOU["password"])
    expect_logged_in_as(axe_page, ZHOU["masked"])
    for path in ("/hall/catalog", "/services/KA0001"):
        axe_page.goto(path)
        found[f"{path} (logged in)"] = violations(axe_page)
    assert {path: problems for path, problems in found.items() if problems} == {}
