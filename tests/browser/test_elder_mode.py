"""长者模式 (the elder mode) in a real browser, measured as the citizen sees it.

GIVEN the hall's pages in Chromium,
WHEN a citizen chooses 长者模式 in the top bar of any page,
THEN the same page comes back in that mode (no script needed, no flash: the server renders it from
the hall_mode cookie), every page stays in it, and on every page the text is at least 18 px with
headings larger, paragraphs have a line height of at least 1.6, every text has a contrast of at
least 7:1 (WCAG AAA), controls are at least 44 x 44 px, and the layout is one column with the
most-used services (热门服务) first; and a citizen registers, logs in, finds a service and downloads
the 权益单 in it on a phone-sized screen.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.citizen import (
    expect_logged_in_as,
    login_by_password,
    logout,
    open_account_menu,
    request_sms_code,
    shot,
)
from tests.browser.display import PHONE, every_page, small_controls, text_metrics, use_elder_mode
from tests.support import make_phone, make_resident_id

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

CHEN = {"id_number": "320102199003071239", "password": "Jshall#2024"}  # demo: has social-insurance records


def _problems(page: Page) -> list[str]:
    """What the elder mode promises, broken on this page: one line per offending element."""
    problems = []
    for m in text_metrics(page):
        where = f"<{m['tag']} class={m['cls']!r}> {m['text']!r}"
        if m["size"] < 18:
            problems.append(f"{where}: text {m['size']}px < 18px")
        if m["ratio"] < 7:
            problems.append(f"{where}: contrast {m['ratio']}:1 < 7:1")
        if m["tag"] in ("p", "li", "dd", "label") and m["line"] < 1.6:
            problems.append(f"{where}: line height {m['line']:.2f} < 1.6")
    for control in small_controls(page):
        problems.append(f"{control['what']}: {control['width']}x{control['height']}px < 44x44")
    headings = page.evaluate(
        "() => [...document.querySelectorAll('h1:not(.visually-hidden), h2')].filter((h) => h.offsetWidth)"
        ".map((h) => parseFloat(getComputedStyle(h).fontSize))"
    )
    problems += [f"heading {size}px not larger than the text" for size in headings if size <= 20]
    return problems


def test_the_switch_in_the_top_bar_comes_back_to_the_same_page_in_elder_mode_and_stays(page: Page, hall):
    # GIVEN a service's page in the standard mode
    page.goto("/services/SB0001")
    expect(page.locator("html")).to_have_class(re.compile(r"\bstandard-mode\b"))
    body_size = page.evaluate("() => parseFloat(getComputedStyle(document.body).fontSize)")
    assert body_size < 18

    # WHEN 长者模式 is chosen in the top bar (a plain link: it works without the page's script)
    switch = page.get_by_test_id("mode-switch")
    expect(switch).to_have_accessible_name(re.compile(r"^长者模式\s*（当前为标准模式"))
    switch.click()

    # THEN the same page comes back in the elder mode, rendered so by the server
    expect(page).to_have_url(f"{hall}/services/SB0001")
    expect(page.locator("html")).to_have_class(re.compile(r"\belder-mode\b"))
    assert page.evaluate("() => parseFloat(getComputedStyle(document.body).fontSize)") >= 18
    cookie = next(c for c in page.context.cookies() if c["name"] == "hall_mode")
    assert cookie["value"] == "elder" and cookie["httpOnly"] and cookie["expires"] > 0
    reply = page.request.get("/faq")
    assert 'class="elder-mode"' in reply.text()  # no flash: the first byte already says so
    shot(page, "elder-service")

    # AND every other page stays in it, until 标准模式 is chosen on one of them
    page.goto("/hall/personal?page=1")
    expect(page.locator("html")).to_have_class(re.compile(r"\belder-mode\b"))
    page.get_by_test_id("mode-switch").click()
    expect(page).to_have_url(re.compile(r"/hall/personal\?page=1$"))
    expect(page.locator("html")).to_have_class(re.compile(r"\bstandard-mode\b"))


def test_the_switch_goes_back_only_to_a_page_of_the_hall(page: Page, hall):
    # A link someone else wrote cannot send the citizen away from the hall.
    for target in ("https://example.com/", "//example.com/", "/\\example.com", "javascript:alert(1)"):
        reply = page.request.get("/display-mode", params={"mode": "elder", "next": target}, max_redirects=0)
        assert reply.status == 302
        assert reply.headers["location"] == "/", target
    # An unknown mode changes nothing.
    reply = page.request.get("/display-mode", params={"mode": "tiny", "next": "/faq"}, max_redirects=0)
    assert reply.headers["location"] == "/faq" and "set-cookie" not in reply.headers


def test_every_page_keeps_the_elder_modes_promises(page: Page, hall):
    # GIVEN a browser in the elder mode, at a desktop size
    use_elder_mode(page, hall)
    found, checked = {}, []
    for path in every_page(page):
        checked.append(path)
        # THEN every page has large, high-contrast, well-spaced text and large controls
        found[path] = _problems(page)
    assert {"/", "/login", "/register", "/recover", "/appeal", "/search", "/services/SB0001"} <= set(checked)
    assert {path: problems for path, problems in found.items() if problems} == {}


@pytest.fixture
def phone(page: Page) -> Page:
    """A fresh browser context at a phone's size (390 x 844)."""
    page.set_viewport_size(PHONE)
    return page


def test_the_logged_in_pages_keep_the_elder_modes_promises_on_a_phone(phone: Page, hall):
    page = phone
    if True:
        use_elder_mode(page, hall)
        login_by_password(page, CHEN["id_number"], CHEN["password"])
        expect(page).to_have_url(f"{hall}/")
        found = {}
        for path in (
            "/",
            "/user",
            "/user/security",
            "/user/records/payments",
            "/user/records/rights?year=2019",
            "/user/cases",
            "/user/profile",
            "/user/family",
            "/services/SB0001/apply",
        ):
            page.goto(path)
            found[path] = _problems(page)
        assert {path: problems for path, problems in found.items() if problems} == {}


def test_the_measures_can_fail(page: Page, hall):
    # The checks above must be able to fail: small, pale text and a small button are caught.
    use_elder_mode(page, hall)
    page.goto("/faq")
    assert _problems(page) == []
    page.evaluate(
        """() => { const p = document.querySelector('.faq p');
                   p.style.color = '#767676'; p.style.fontSize = '14px'; p.style.lineHeight = '1.2';
                   const b = document.createElement('button'); b.textContent = '小';
                   b.style.cssText = 'min-height:0;min-width:0;padding:0';
                   p.after(b); }"""
    )
    found = " ".join(_problems(page))
    for sign in ("text 14px", "contrast 4.54:1", "line height 1.20", "button.:小"):
        assert sign in found, found


def test_the_home_page_puts_the_most_used_services_first(page: Page, hall):
    page.goto("/")
    order = page.locator("main h2").all_inner_texts()
    assert order.index("我是") < order.index("热门服务")
    use_elder_mode(page, hall)
    page.goto("/")
    # In the page's order, not only on screen: a screen reader and the keyboard meet them first too.
    order = page.locator("main h2").all_inner_texts()
    assert order[0] == "热门服务", order
    columns = page.evaluate("() => getComputedStyle(document.querySelector('.home-grid')).gridTemplateColumns")
    assert len(columns.split()) == 1, columns  # one column


def test_a_citizen_registers_logs_in_finds_a_service_and_downloads_the_statement_on_a_phone_in_elder_mode(
    phone: Page, hall, tmp_path
):
    page = phone
    if True:
        phone, password = make_phone(), "Lao#Ren2025"
        # GIVEN the home page on a phone, switched to 长者模式 from its top bar
        page.goto("/")
        page.get_by_test_id("mode-switch").click()
        expect(page.locator("html")).to_have_class(re.compile(r"\belder-mode\b"))

        # WHEN a retired citizen registers
        page.get_by_test_id("account-area").get_by_role("link", name="注册").click()
        expect(page.get_by_role("heading", name="用户注册")).to_be_visible()
        form = page.locator("#register-form")
        form.get_by_label("证件类型").select_option(label="居民身份证")
        form.get_by_label("证件号码").fill(make_resident_id(birth="19560318"))
        form.get_by_label("姓名").fill("顾长青")
        form.get_by_label("移动电话").fill(phone)
        form.get_by_label("短信验证码").fill(request_sms_code(page, "register-form", phone))
        form.get_by_label("密码", exact=True).fill(password)
        form.get_by_label("确认密码").fill(password)
        form.get_by_label("我已阅读并同意《个人用户注册协议》中的内容").check()
        shot(page, "elder-phone-register")
        form.get_by_role("button", name="注册").click()
        expect(page).to_have_url(f"{hall}/")
        expect_logged_in_as(page, "顾*")

        # AND logs out and back in with the password, the login box on the first screen
        logout(page)
        page.goto("/login")
        box = page.locator("#password-form").get_by_label("证件号码/移动电话").bounding_box()
        assert box and box["y"] + box["height"] <= PHONE["height"], box
        login_by_password(page, phone, password)
        expect(page).to_have_url(f"{hall}/")
        expect_logged_in_as(page, "顾*")
        expect(page.locator("html")).to_have_class(re.compile(r"\belder-mode\b"))

        # AND finds a service: by the search box, then its 办事指南
        page.get_by_role("searchbox", name="站内搜索").fill("失业")
        page.get_by_role("search").get_by_role("button", name="搜索").click()
        expect(page).to_have_url(re.compile(r"/search\?q="))
        page.get_by_role("link", name="失业登记", exact=True).first.click()
        expect(page.get_by_role("heading", level=1)).to_contain_text("失业登记")
        shot(page, "elder-phone-service")
        logout(page)

        # AND (陈小明, who has records) downloads his 权益单 from 个人中心
        login_by_password(page, CHEN["id_number"], CHEN["password"])
        expect(page).to_have_url(f"{hall}/")
        open_account_menu(page).get_by_role("link", name="个人中心").click()
        page.get_by_role("navigation", name="个人中心菜单").get_by_role("link", name="我的权益单").click()
        page.get_by_label("年度").select_option("2019")
        page.get_by_role("button", name="查询").click()
        expect(page.get_by_test_id("statement-table").locator("caption")).to_contain_text("2019年度")
        # The wide table scrolls inside its own box, not the page.
        assert page.evaluate("() => document.documentElement.scrollWidth <= document.documentElement.clientWidth")
        shot(page, "elder-phone-statement")
        with page.expect_download(timeout=60_000) as info:  # the PDF is drawn on demand: slow on a busy machine
            page.get_by_role("link", name="下载").click(timeout=60_000)
        saved = tmp_path / info.value.suggested_filename
        info.value.save_as(saved)
        assert saved.read_bytes().startswith(b"%PDF-")
