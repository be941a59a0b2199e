"""The hall on a phone (360-414 px wide), in a real browser.

GIVEN the hall's pages in Chromium at 360 x 740 and 390 x 844 (and 1280 x 900 for comparison),
THEN no page scrolls sideways, in either mode, logged out or in; the seven-item menu folds behind
a 菜单 button (a disclosure: aria-expanded, keyboard, Escape); the login box is on the first
screen; wide tables (the 权益单, the records) scroll inside their own, focusable box; and touch
targets are at least 44 x 44 px.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.browser.axe import violations
from tests.browser.citizen import login_by_password, shot
from tests.browser.display import NARROW_PHONE, PHONE, every_page, overflows_sideways, small_controls, use_elder_mode

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

CHEN = {"id_number": "320102199003071239", "password": "Jshall#2024"}  # demo: has social-insurance records
LOGGED_IN_PAGES = (
    "/",
    "/user",
    "/user/profile",
    "/user/security",
    "/user/family",
    "/user/links",
    "/user/cases",
    "/user/records/payments",
    "/user/records/rights?year=2019",
    "/services/SB0001/apply",
)
NAV_LABELS = ("大厅首页", "个人办事", "单位办事", "查询服务", "服务清单", "主题服务", "公示公告")


def _wide_or_small(page: Page) -> list[str]:
    problems = []
    if overflows_sideways(page):
        width = page.evaluate("() => document.documentElement.scrollWidth")
        problems.append(f"scrolls sideways: {width}px wide")
    problems += [f"{c['what']}: {c['width']}x{c['height']}px" for c in small_controls(page)]
    return problems


@pytest.mark.parametrize("mode", ["standard", "elder"])
def test_no_page_scrolls_sideways_at_360_px_and_touch_targets_are_44_px(page: Page, hall, mode):
    page.set_viewport_size(NARROW_PHONE)
    if mode == "elder":
        use_elder_mode(page, hall)
    found, checked = {}, []
    for path in every_page(page):
        checked.append(path)
        found[path] = _wide_or_small(page)
    assert {"/", "/login", "/register", "/recover", "/appeal", "/search", "/services/SB0001"} <= set(checked)
    # AND logged in: the user center, the records, the 权益单
    login_by_password(page, CHEN["id_number"], CHEN["password"])
    expect(page).to_have_url(f"{hall}/")
    for path in LOGGED_IN_PAGES:
        page.goto(path)
        found[f"{path} (logged in)"] = _wide_or_small(page)
    assert {path: problems for path, problems in found.items() if problems} == {}


def test_the_menu_folds_behind_a_menu_button_used_by_keyboard(page: Page, hall):
    # GIVEN the home page on a phone
    page.set_viewport_size(PHONE)
    page.goto("/")
    nav = page.get_by_role("navigation", name="主导航")
    button = nav.get_by_role("button", name="菜单")
    # THEN the menu is folded: only 菜单 shows, saying it is collapsed
    expect(button).to_be_visible()
    expect(button).to_have_attribute("aria-expanded", "false")
    for label in NAV_LABELS:
        expect(nav.get_by_role("link", name=label, exact=True)).to_be_hidden()
    shot(page, "phone-menu-folded")

    # WHEN it is reached with Tab and opened with Enter
    for _ in range(30):
        page.keyboard.press("Tab")
        if page.evaluate("() => document.activeElement.classList.contains('menu-toggle')"):
            break
    expect(button).to_be_focused()
    page.keyboard.press("Enter")
    # THEN the seven items show, the next Tab reaching the first one
    expect(button).to_have_attribute("aria-expanded", "true")
    for label in NAV_LABELS:
        expect(nav.get_by_role("link", name=label, exact=True)).to_be_visible()
    page.keyboard.press("Tab")
    expect(nav.get_by_role("link", name="大厅首页", exact=True)).to_be_focused()
    shot(page, "phone-menu-open")
    # AND Escape folds it again, focus back on 菜单
    page.keyboard.press("Escape")
    expect(button).to_have_attribute("aria-expanded", "false")
    expect(button).to_be_focused()
    expect(nav.get_by_role("link", name="个人办事", exact=True)).to_be_hidden()
    # AND Space works too, and a chosen item leads to its page
    page.keyboard.press(" ")
    expect(button).to_have_attribute("aria-expanded", "true")
    nav.get_by_role("link", name="服务清单", exact=True).click()
    expect(page).to_have_url(f"{hall}/hall/catalog")

    # GIVEN a desktop-sized window THEN there is no 菜单 button: the menu is simply there
    page.set_viewport_size({"width": 1280, "height": 900})
    expect(button).to_be_hidden()
    for label in NAV_LABELS:
        expect(nav.get_by_role("link", name=label, exact=True)).to_be_visible()


@pytest.mark.parametrize("mode", ["standard", "elder"])
def test_the_login_box_is_on_the_first_screen_of_a_phone(page: Page, hall, mode):
    page.set_viewport_size(PHONE)
    if mode == "elder":
        use_elder_mode(page, hall)
    page.goto("/login")
    form = page.locator("#password-form")
    # The login box's first field is on the first screen; in the standard mode, the whole form.
    wanted = [form.get_by_label("证件号码/移动电话")]
    if mode == "standard":
        wanted += [form.get_by_label("密码", exact=True), form.get_by_role("button", name="登录")]
    for element in wanted:
        box = element.bounding_box()
        assert box is not None and box["y"] >= 0 and box["y"] + box["height"] <= PHONE["height"], box
    assert not overflows_sideways(page)
    shot(page, f"phone-login-{mode}")


def test_wide_tables_scroll_inside_their_own_box(axe_page: Page, hall):
    page = axe_page
    page.set_viewport_size(NARROW_PHONE)
    login_by_password(page, CHEN["id_number"], CHEN["password"])
    expect(page).to_have_url(f"{hall}/")
    page.goto("/user/records/rights?year=2019")
    table = page.get_by_test_id("statement-table")
    expect(table).to_be_visible()
    box = page.get_by_role("region", name="社会保险个人权益单（表格较宽时可左右滚动）")
    # THEN the table is wider than its box, which scrolls, not the page
    assert box.evaluate("(e) => e.scrollWidth > e.clientWidth")
    assert not overflows_sideways(page)
    # AND the box is reached by Tab and scrolled with the arrow keys
    box.focus()
    expect(box).to_be_focused()
    page.keyboard.press("ArrowRight")
    page.wait_for_function("() => document.activeElement.scrollLeft > 0")
    assert violations(page) == []
    shot(page, "phone-statement")
