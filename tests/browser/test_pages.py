"""The pages mirror the training manual, and nothing leads nowhere.

GIVEN the hall in Chromium,
THEN the header, navigation and home page carry the manual's words, the FAQ and
注册说明 are word for word, the catalogue's sections list services, flows not built yet
say 即将开放, and every link on the hall's pages answers.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page, expect

from tests.browser.citizen import shot

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

NAV = ["大厅首页", "个人办事", "单位办事", "查询服务", "服务清单", "主题服务", "公示公告"]

# Word for word from the manual (个人常见问题 and 注册说明).
FAQ_ANSWERS = [
    "1、个人认证等级类型：江苏人社网办大厅个人用户分为注册用户、实名用户、实人用户三种类型。"
    "实名用户为姓名和身份证号与基础库比对通过，实人用户在实名的基础上为人脸认证比对通过。",
    "2、个人身份认证等级的作用：认证等级越高可操作业务范围越大，线上办理业务，建议完成实名认证或实人认证。",
    "请通过“注册页面→用户申诉”功能解除占用关系后重新注册。",
    "1、确认是否已注册为江苏人社网上办事大厅的用户，如果没有注册，请先注册或使用快捷登录方式进行登录。",
    "2、确认账密是否正确。",
    "3、确认账户是否已锁定，如锁定，请等待系统4小时自动解锁后进行登录。",
]
FAQ_QUESTIONS = [
    "个人身份认证等级的类型及作用？",
    "个人注册出现证件号码已被注册的情形？",
    "个人注册出现手机号已被注册的情形？",
    "个人无法登录江苏人社网上办事大厅的情形？",
]
REGISTRATION_NOTES = [
    "1.为提升账号安全和信任级别,请根据注册页面引导准确填写本人的证件信息,证件信息绑定后不可修改。",
    "2.如您的证件信息或移动电话被其他用户占用,请使用 用户申诉 功能解决此问题。",
    "3.密码设置规则: 8-20位字符,由数字、大小写字母、特殊字符中的三种或以上组成",
]


def test_the_header_navigation_and_home_page_carry_the_manuals_words(page: Page):
    page.goto("/")
    header = page.get_by_role("banner")
    expect(header).to_contain_text("江苏省人力资源和社会保障厅")
    expect(header).to_contain_text("网上办事服务大厅")
    expect(header.get_by_role("link", name="地市频道：省本级，切换地区")).to_have_text("省本级 ▾")
    expect(header.get_by_role("link", name="省人社门户网站")).to_be_visible()
    search = header.get_by_role("searchbox")
    expect(search).to_have_attribute("placeholder", "请输入您要搜索的内容")
    expect(header.get_by_role("button", name="搜索")).to_be_visible()
    nav = page.get_by_role("navigation", name="主导航")
    expect(nav.get_by_role("link")).to_have_text(NAV)
    expect(nav.get_by_role("link", name="大厅首页")).to_have_attribute("aria-current", "page")

    personas = page.get_by_role("region", name="我是")
    expect(personas.get_by_role("link")).to_have_text(
        ["高校毕业生", "就业人员", "失业人员", "创业人员", "工伤人员", "退休人员", "其他人员"]
    )
    hot = page.get_by_role("region", name="热门服务")
    expect(hot.get_by_role("tab")).to_have_text(["就业创业", "社会保险", "人才人事", "劳动关系", "社会保障卡"])
    hot.get_by_role("tab", name="社会保险").click()
    expect(hot.get_by_role("tabpanel", name="社会保险")).to_contain_text("工伤认定")
    hot.get_by_role("tab", name="社会保障卡").click()
    expect(hot.get_by_role("tabpanel", name="社会保障卡")).to_contain_text("社会保障卡正式挂失")
    expect(hot.get_by_role("tabpanel", name="社会保险")).to_be_hidden()
    themes = page.get_by_role("region", name="主题服务")
    expect(themes.get_by_role("link")).to_have_count(5)
    for theme in ("就业补贴", "就业培训", "高校毕业生就业", "就失业", "企业养老保险"):
        expect(themes.get_by_role("link", name=theme, exact=True)).to_be_visible()
    shot(page, "home")


def test_the_faq_answers_are_word_for_word(page: Page):
    page.goto("/")
    page.get_by_role("link", name="个人常见问题").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("个人常见问题")
    for question in FAQ_QUESTIONS:
        expect(page.get_by_role("heading", name=question)).to_be_visible()
    paragraphs = [text.strip() for text in page.locator(".faq-item p").all_inner_texts()]
    for answer in FAQ_ANSWERS:
        assert answer in paragraphs, answer
    assert paragraphs.count("请通过“注册页面→用户申诉”功能解除占用关系后重新注册。") == 2
    shot(page, "faq")


def test_the_registration_page_carries_the_manuals_notes(page: Page):
    page.goto("/register")
    main = page.get_by_role("main")
    expect(main.get_by_role("heading", name="用户注册")).to_be_visible()
    expect(main).to_contain_text("已有帐号, 去登录")
    expect(main.get_by_role("link", name="去登录")).to_have_attribute("href", "/login")
    expect(main.get_by_role("link", name="快捷方式登录")).to_be_visible()
    notes = page.get_by_role("complementary", name="注册说明")
    expect(notes.get_by_role("listitem").first).to_be_visible()
    items = [
        " ".join(text.split())
        for text in page.get_by_test_id("register-notes").get_by_role("listitem").all_inner_texts()
    ]
    assert items == REGISTRATION_NOTES
    expect(notes.get_by_role("link", name="用户申诉")).to_have_attribute("href", "/appeal")
    expect(notes).to_contain_text("个人认证等级")
    expect(notes).to_contain_text("认证等级作用，实名可办理人社业务，实人可办理的更多的业务。")
    expect(page.get_by_label("证件类型").locator("option").first).to_have_text("居民身份证")
    expect(page.get_by_label("证件类型").locator("option")).to_have_text(
        ["居民身份证", "港澳居民来往内地通行证", "台湾居民来往大陆通行证", "外国人永久居留身份证", "护照"]
    )


def test_the_login_page_mirrors_the_manual_and_unbuilt_methods_say_coming_soon(page: Page):
    page.goto("/login")
    expect(page.get_by_role("tablist", name="登录类型").get_by_role("tab")).to_have_text(["个人登录", "单位登录"])
    expect(page.get_by_role("tablist", name="登录方式").get_by_role("tab")).to_have_text(
        ["扫码登录", "账号密码", "手机动态码"]
    )
    expect(page.get_by_role("link", name="忘记密码?")).to_be_visible()
    expect(page.get_by_role("main")).to_contain_text("没有账号? 立即注册")
    expect(page.get_by_role("link", name="用户申诉")).to_be_visible()
    other = page.get_by_role("region", name="其他登录方式")
    shot(page, "login")

    # 江苏政务 (苏) is built: a link that begins the login (tests/browser/test_jszw_login.py).
    expect(other.get_by_role("link", name="江苏政务")).to_have_attribute("href", "/login/start/jszw_oidc")
    expect(other.get_by_role("link", name="江苏政务")).not_to_contain_text("即将开放")
    # 支付宝 (支) is built: a link that begins the login (tests/browser/test_alipay_login.py).
    expect(other.get_by_role("link", name="支付宝")).to_have_attribute("href", "/login/start/alipay")
    expect(other.get_by_role("link", name="支付宝")).not_to_contain_text("即将开放")
    # 电子社保卡 (卡) is built: a link to 电子社保卡扫码登录 (tests/browser/test_essc_login.py).
    expect(other.get_by_role("link", name="电子社保卡")).to_have_attribute("href", "/login/essc")
    expect(other.get_by_role("link", name="电子社保卡")).not_to_contain_text("即将开放")
    expect(other.locator(".method-icon")).to_have_text(["卡", "苏", "支"])

    # 扫码登录: the QR with the manual's text; 下载江苏智慧人社APP says where to get it; 如何扫码？ shows the steps.
    page.get_by_role("tab", name="扫码登录").click()
    qr = page.get_by_role("tabpanel", name="扫码登录")
    expect(qr).to_contain_text("使用江苏智慧人社APP扫一扫功能扫码登录")
    expect(qr.get_by_role("img", name="扫码登录二维码")).to_be_visible()
    expect(qr.get_by_role("link", name="下载江苏智慧人社APP")).to_have_attribute("href", "/app")
    how = qr.get_by_role("button", name="如何扫码？")
    expect(how).to_have_attribute("aria-expanded", "false")
    how.click()
    expect(how).to_have_attribute("aria-expanded", "true")
    expect(qr).to_contain_text("点击首页右上角的扫一扫功能")
    shot(page, "login-qr")

    # 单位登录 is not built yet either.
    page.get_by_role("tab", name="单位登录").click()
    expect(page.get_by_test_id("unit-coming-soon")).to_contain_text("单位登录即将开放")
    expect(page.get_by_role("tabpanel", name="个人登录")).to_be_hidden()
    page.get_by_role("button", name="个人登录").click()  # the panel's way back
    expect(page.get_by_role("tab", name="个人登录")).to_have_attribute("aria-selected", "true")


@pytest.mark.parametrize(("link", "title"), [("用户申诉", "用户申诉"), ("忘记密码?", "找回密码")])
def test_ways_back_linked_from_login_open_their_flows_not_coming_soon(page: Page, link, title):
    page.goto("/login")
    page.get_by_role("link", name=link).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(title)
    expect(page.get_by_test_id("coming-soon")).to_have_count(0)


# The catalogue's sections (tests/browser/test_catalogue.py has their content); then 公示公告.
CATALOGUE_SECTIONS = ["个人办事", "单位办事", "查询服务", "服务清单", "主题服务"]


def test_home_services_and_every_section_lead_to_real_pages(page: Page):
    page.goto("/")
    page.get_by_role("region", name="热门服务").get_by_role("link", name="失业待遇续发").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("失业待遇续发")
    expect(page.get_by_role("region", name="办事指南")).to_be_visible()
    page.goto("/")
    page.get_by_role("link", name="地市频道：省本级，切换地区").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("地市频道")
    search = page.get_by_role("searchbox")
    search.fill("社保卡")
    search.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("站内搜索")
    expect(page.get_by_role("main")).to_contain_text("“社保卡”")
    results = page.get_by_role("region", name="搜索结果")
    expect(results.get_by_role("link", name="社会保障卡正式挂失", exact=True)).to_be_visible()
    for label in NAV[1:]:
        page.get_by_role("navigation", name="主导航").get_by_role("link", name=label).click()
        expect(page.get_by_role("heading", level=1)).to_have_text(label)
        expect(page.get_by_role("navigation").get_by_role("link", name=label)).to_have_attribute("aria-current", "page")
        expect(page.get_by_test_id("coming-soon")).to_have_count(0)
        if label in CATALOGUE_SECTIONS:
            expect(page.locator(".service-card").first).to_be_visible()
        else:  # 公示公告 (the demo's notices)
            expect(page.get_by_role("region", name="公告列表").get_by_role("link").first).to_be_visible()


def test_every_link_on_the_halls_pages_answers(page: Page, hall):
    host = urlsplit(hall).netloc
    checked: dict[str, int] = {}
    pages = ["/", "/login", "/register", "/faq", "/appeal", "/sitemap", "/agreement", "/user"]
    for path in [*pages, "/hall/catalog", "/hall/region", "/hall/notices"]:
        page.goto(path)
        hrefs = page.eval_on_selector_all("a", "links => links.map((a) => [a.getAttribute('href'), a.href])")
        for raw, absolute in hrefs:
            assert raw and raw != "#" and not raw.startswith("javascript:"), f"empty link on {path}: {raw!r}"
            parts = urlsplit(absolute)
            if parts.netloc != host or absolute in checked:
                continue
            target = parts.path + (f"?{parts.query}" if parts.query else "")
            checked[absolute] = page.request.get(target).status
    broken = {url: status for url, status in checked.items() if status != 200}
    assert not broken, broken
    assert len(checked) >= 20  # the crawl really followed the hall's links
