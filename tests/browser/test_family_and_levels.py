"""亲情号 and 认证等级 in a real browser, through the pages and the local counterparts.

GIVEN the hall on `chalice local` with the demo citizens (the people here are in the demo base
library for these tests only: 周文华 binds 周父亲; 吴晓燕 registers with a typing slip in her name),
WHEN a citizen binds and unbinds a 亲情号 on 个人中心 → 亲情号, and goes 注册用户 → 实名用户 by
correcting the name on 基本信息, then → 实人用户 by 人脸认证 (the dev page /face/<id>, 通过),
THEN each page says what changed, where focus is, and the level shown everywhere follows.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.browser.axe import violations
from tests.browser.citizen import shot
from tests.browser.test_citizen_flows import fill_registration
from tests.browser.test_face_check import _decode_qr
from tests.support import make_phone

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

# In demo/citizens.json's base library, with no account (README: used by these tests).
ZHOU = {"name": "周文华", "id_number": "320102198506150014"}
ZHOU_FATHER = {"name": "周父亲", "id_number": "320102195803220038"}
WU = {"name": "吴晓燕", "id_number": "320104199107230049", "typed": "吴小燕"}


def register(page: Page, hall: str, *, id_number: str, name: str) -> None:
    page.goto("/register")
    fill_registration(page, id_number=id_number, name=name, phone=make_phone(), password="Family#2025")
    page.get_by_role("button", name="注册").click()
    expect(page).to_have_url(f"{hall}/")


def test_a_real_name_citizen_binds_and_unbinds_a_family_number(page: Page, hall):
    # GIVEN 周文华, 实名用户 (name and ID match the base library), on 个人中心 → 亲情号
    register(page, hall, id_number=ZHOU["id_number"], name=ZHOU["name"])
    page.goto("/user")
    menu = page.get_by_role("navigation", name="个人中心菜单")
    menu.get_by_role("link", name="亲情号").click()
    expect(page).to_have_url(f"{hall}/user/family")
    expect(menu.get_by_role("link", name="亲情号")).to_have_attribute("aria-current", "page")
    expect(page.get_by_role("heading", level=1)).to_have_text("亲情号")
    expect(page.get_by_text("您尚未绑定亲情号。")).to_be_visible()

    # WHEN a name the base library does not match is entered THEN it is refused next to 姓名
    form = page.locator("#family-form")
    form.get_by_label("姓名").fill("周某某")
    form.get_by_label("证件类型").select_option(label="居民身份证")
    form.get_by_label("证件号码").fill(ZHOU_FATHER["id_number"])
    form.get_by_label("关系").select_option(label="父母")
    form.get_by_role("button", name="添加").click()
    expect(form.get_by_label("姓名")).to_be_focused()
    expect(form.get_by_label("姓名")).to_have_attribute("aria-invalid", "true")
    expect(form.get_by_role("alert")).to_contain_text("比对不通过")

    # WHEN the right name is entered THEN the relative joins the list, masked, and it is said
    form.get_by_label("姓名").fill(ZHOU_FATHER["name"])
    form.get_by_role("button", name="添加").click()
    status = page.get_by_test_id("family-status")
    expect(status).to_have_text("已绑定亲情号 周*（父母）")
    expect(page.get_by_role("heading", name="已绑定的亲情号（1/5）")).to_be_focused()
    rows = page.get_by_test_id("family-list").locator("tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("周*")
    expect(rows.first).to_contain_text("3201**********0038")
    assert ZHOU_FATHER["id_number"] not in page.content()
    expect(form.get_by_label("证件号码")).to_have_value("")
    shot(page, "family-number-bound")

    # AND the page shows it again after a reload (it is stored)
    page.reload()
    expect(page.get_by_test_id("family-list").locator("tbody tr")).to_have_count(1)

    # WHEN they press 解绑 THEN the row asks first; 取消 gives the button back
    unbind = page.get_by_role("button", name="解绑 周*（父母）")
    unbind.click()
    confirm = page.get_by_role("button", name="确认解绑 周*")
    expect(confirm).to_be_focused()
    page.get_by_role("button", name="取消").click()
    expect(unbind).to_be_focused()
    # AND 确认解绑 removes it, says so, and moves focus to the list's heading
    unbind.click()
    page.get_by_role("button", name="确认解绑 周*").click()
    expect(status).to_have_text("已解绑亲情号 周*")
    expect(page.get_by_role("heading", name="已绑定的亲情号（0/5）")).to_be_focused()
    expect(page.get_by_text("您尚未绑定亲情号。")).to_be_visible()
    page.reload()
    expect(page.get_by_test_id("family-list")).to_be_hidden()
    shot(page, "family-number-unbound")


def test_a_registered_user_becomes_real_name_then_real_person(page: Page, hall, chromium):
    # GIVEN 吴晓燕, who registered with a typing slip in her name: 注册用户
    register(page, hall, id_number=WU["id_number"], name=WU["typed"])
    expect(page.get_by_test_id("current-level")).to_have_text("注册用户")
    # AND 亲情号 tells her which level is missing and how to reach it
    page.goto("/user/family")
    missing = page.get_by_test_id("family-level-missing")
    expect(missing).to_contain_text("该业务需要实名用户办理，您当前为注册用户")
    missing.get_by_role("link", name="去完成实名用户认证").click()
    expect(page).to_have_url(f"{hall}/user/profile#real-name")

    # WHEN she corrects the name on 基本信息 (基本信息修改)
    expect(page.get_by_role("heading", name="基本信息修改")).to_be_visible()
    expect(page.get_by_test_id("profile-level")).to_have_text("注册用户")
    form = page.locator("#name-form")
    form.get_by_label("姓名").fill("吴大燕")
    form.get_by_role("button", name="修改姓名").click()
    expect(form.get_by_role("alert")).to_contain_text("今日还可比对4次")
    form.get_by_label("姓名").fill(WU["name"])
    shot(page, "profile-name-correction")
    form.get_by_role("button", name="修改姓名").click()

    # THEN she is 实名用户, said on the page (focused) and top-right
    done = page.get_by_test_id("profile-done")
    expect(done).to_have_text("姓名与证件号码比对通过，您已成为实名用户。")
    expect(done).to_be_focused()
    expect(page.get_by_test_id("profile-level")).to_have_text("实名用户")
    expect(page.get_by_test_id("current-level")).to_have_text("实名用户")
    expect(page.locator("[aria-current='step']")).to_contain_text("实名用户")

    # WHEN she consents to 人脸认证 and starts it
    face_form = page.locator("#face-form")
    face_form.get_by_role("button", name="开始人脸认证").click()
    expect(face_form.get_by_role("alert")).not_to_be_empty()  # consent first
    face_form.get_by_label("我已阅读上述说明，同意进行人脸识别").check()
    face_form.get_by_role("button", name="开始人脸认证").click()
    expect(page.get_by_role("heading", name="人脸识别", exact=True)).to_be_focused()
    shot(page, "profile-face-qr")

    # AND the QR's page (the local provider) is opened on "her phone" and 通过 is pressed
    url = _decode_qr(page)
    phone_context = chromium.new_context(locale="zh-CN")
    try:
        phone = phone_context.new_page()
        phone.goto(url)
        expect(phone.get_by_test_id("face-person-name")).to_have_text("吴*")
        expect(phone.locator("main")).to_contain_text("实人认证")
        phone.get_by_role("button", name="通过", exact=True).click()
        expect(phone.get_by_role("status")).not_to_be_empty()
    finally:
        phone_context.close()

    # THEN the page goes on by itself: 实人用户, everywhere
    expect(page).to_have_url(f"{hall}/user/profile?upgraded=real_person")
    expect(page.get_by_test_id("profile-done")).to_have_text("人脸认证通过，您已成为实人用户。")
    expect(page.get_by_test_id("profile-level")).to_have_text("实人用户")
    expect(page.get_by_test_id("current-level")).to_have_text("实人用户")
    shot(page, "profile-real-person")


def test_the_profile_and_family_pages_pass_axe(axe_page: Page, hall):
    page = axe_page
    page.goto("/login")
    panel = page.get_by_role("tabpanel", name="账号密码")
    panel.get_by_label("证件号码/移动电话").fill("13912345678")
    panel.get_by_label("密码", exact=True).fill("Renshe@2024")
    panel.get_by_role("button", name="登录").click()
    expect(page).to_have_url(f"{hall}/")
    for path in ("/user/profile", "/user/family"):
        page.goto(path)
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        assert violations(page) == [], path
