"""个人中心 and 账号安全 in a real browser.

GIVEN the hall in Chromium with the demo citizens (accounts this file changes are registered
here, so the demo accounts other tests log in with keep their passwords and phones),
WHEN a citizen opens the user center and its 账号安全 page,
THEN the frame, the change of password and phone, 安全记录 and 退出其他设备 work end to end.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.axe import violations
from tests.browser.citizen import (
    captcha_answer,
    expect_logged_in_as,
    expect_logged_out,
    login_by_password,
    logout,
    masked_phone,
    open_account_menu,
    request_sms_code,
    shot,
    sms_code,
)
from tests.support import make_phone, new_citizen

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

# Demo account (README / demo/citizens.json), only read here.
WANG = {"phone": "13912345678", "password": "Renshe@2024"}


def test_the_user_center_frame_from_the_top_right_menu(page: Page, hall):
    # GIVEN a visitor not logged in: /user asks them to log in, then brings them back
    page.goto("/user")
    expect(page).to_have_url(f"{hall}/login?next=/user")
    panel = page.get_by_role("tabpanel", name="账号密码")
    panel.get_by_label("证件号码/移动电话").fill(WANG["phone"])
    panel.get_by_label("密码", exact=True).fill(WANG["password"])
    panel.get_by_role("button", name="登录").click()
    expect(page).to_have_url(f"{hall}/user")
    expect_logged_in_as(page, "王*")

    # THEN the frame shows the masked name, the level and the left menu, the current entry marked
    expect(page.get_by_role("heading", level=1)).to_have_text("个人中心")
    expect(page.get_by_test_id("user-name")).to_have_text("王*")
    expect(page.get_by_test_id("user-level")).to_have_text("实名用户")
    menu = page.get_by_role("navigation", name="个人中心菜单")
    expect(menu.get_by_role("link", name="个人中心")).to_have_attribute("aria-current", "page")
    for label in ("账号安全", "我的权益单", "我的生育保险记录"):
        expect(menu.get_by_role("link", name=label)).to_be_visible()
    shot(page, "user-center-home")

    # WHEN they open an entry THEN it is marked current on its own page
    menu.get_by_role("link", name="账号安全").click()
    expect(menu.get_by_role("link", name="账号安全")).to_have_attribute("aria-current", "page")

    # AND the top-right 个人中心 menu opens from the keyboard and closes with Escape
    page.goto("/")
    button = page.get_by_test_id("account-area").get_by_role("button", name="个人中心")
    button.focus()
    page.keyboard.press("Enter")
    expect(button).to_have_attribute("aria-expanded", "true")
    page.keyboard.press("Escape")
    expect(button).to_have_attribute("aria-expanded", "false")
    expect(button).to_be_focused()
    open_account_menu(page).get_by_role("link", name="个人中心").click()
    expect(page).to_have_url(f"{hall}/user")


def test_axe_finds_nothing_serious_in_the_user_center(axe_page: Page, hall):
    login_by_password(axe_page, WANG["phone"], WANG["password"])
    expect_logged_in_as(axe_page, "王*")
    for path in ("/user", "/user/security"):
        axe_page.goto(path)
        expect(axe_page).to_have_url(f"{hall}{path}")
        assert violations(axe_page) == [], path
    open_account_menu(axe_page)
    assert violations(axe_page) == []


# -- 账号安全 ------------------------------------------------------------------------------


def register_through_the_api(page: Page):
    """A fresh citizen registered by the page's own API calls (captcha and code read from the
    dev outbox), logged in in this browser context: the demo accounts stay as they are."""
    citizen = new_citizen(name="林晓")
    page.goto("/")
    csrf = {"X-CSRF-Token": next(c["value"] for c in page.context.cookies() if c["name"] == "hall_csrf")}
    captcha_id = page.request.post("/api/captchas", data={}, headers=csrf).json()["captcha_id"]
    sent = page.request.post(
        "/api/sms-codes",
        data={
            "phone": citizen.phone,
            "purpose": "register",
            "captcha_id": captcha_id,
            "captcha_answer": captcha_answer(page, captcha_id),
        },
        headers=csrf,
    )
    assert sent.ok, sent.text()
    form = {
        "id_type": citizen.id_type,
        "id_number": citizen.id_number,
        "name": citizen.name,
        "phone": citizen.phone,
        "sms_code": sms_code(page, citizen.phone),
        "password": citizen.password,
        "password_confirm": citizen.password,
        "agreement_accepted": True,
    }
    registered = page.request.post("/api/registrations", data=form, headers=csrf)
    assert registered.status == 201, registered.text()
    page.goto("/user")  # the pages now show the session the API opened
    expect_logged_in_as(page, "林*")
    return citizen


def test_change_the_password_then_log_in_with_it(page: Page, hall):
    citizen = register_through_the_api(page)
    # GIVEN the 账号安全 page, from the user center's menu
    page.goto("/user")
    page.get_by_role("navigation", name="个人中心菜单").get_by_role("link", name="账号安全").click()
    expect(page).to_have_url(f"{hall}/user/security")
    form = page.locator("#password-form")
    # WHEN the new password is the old one THEN it is refused next to the field
    form.get_by_label("原密码").fill(citizen.password)
    form.get_by_label("新密码", exact=True).fill(citizen.password)
    form.get_by_label("确认新密码").fill(citizen.password)
    form.get_by_role("button", name="确认修改").click()
    expect(form.locator('.field-error[data-for="password"]')).to_have_text("新密码不能与原密码相同")
    expect(form.get_by_label("新密码", exact=True)).to_be_focused()
    # WHEN a new one is given THEN the page says so, and focus is on what it says
    new_password = "Xin#mima2025"
    form.get_by_label("新密码", exact=True).fill(new_password)
    form.get_by_label("确认新密码").fill(new_password)
    form.get_by_role("button", name="确认修改").click()
    expect(page).to_have_url(f"{hall}/user/security?done=password")
    status = page.get_by_test_id("security-status")
    expect(status).to_have_text("密码修改成功，其他设备已退出登录。")
    expect(status).to_be_focused()
    shot(page, "user-security-password-changed")
    # AND the new password logs in
    logout(page)
    expect_logged_out(page)
    login_by_password(page, citizen.phone, new_password)
    expect_logged_in_as(page, "林*")


def test_change_the_phone_by_an_sms_code_to_the_new_phone(page: Page, hall):
    citizen = register_through_the_api(page)
    page.goto("/user/security")
    expect(page.get_by_test_id("current-phone")).to_have_text(masked_phone(citizen.phone))
    page.get_by_role("link", name="修改移动电话").click()
    expect(page).to_have_url(f"{hall}/user/phone")
    expect(page.get_by_role("heading", level=1)).to_have_text("修改移动电话")
    form = page.locator("#phone-form")
    new_phone = make_phone()
    form.get_by_label("登录密码").fill(citizen.password)
    form.get_by_label("新移动电话").fill(new_phone)
    code = request_sms_code(page, "phone-form", new_phone, screenshot="user-phone-code-sent")
    form.get_by_label("短信验证码").fill(code)
    form.get_by_role("button", name="确认修改").click()
    expect(page).to_have_url(f"{hall}/user/security?done=phone")
    expect(page.get_by_test_id("security-status")).to_have_text("移动电话修改成功。")
    expect(page.get_by_test_id("current-phone")).to_have_text(masked_phone(new_phone))
    log = page.get_by_test_id("security-log")
    expect(log.locator('tr[data-event="PhoneChanged"]')).to_contain_text(masked_phone(new_phone))


def test_the_security_log_lists_the_login_with_its_device(page: Page, hall):
    citizen = register_through_the_api(page)
    logout(page)
    expect_logged_out(page)
    login_by_password(page, citizen.id_number, citizen.password)
    expect_logged_in_as(page, "林*")
    page.goto("/user/security")
    row = page.get_by_test_id("security-log").locator('tr[data-event="LoginSucceeded"]').first
    expect(row).to_contain_text("登录")
    expect(row).to_contain_text("账号密码")
    expect(row).to_contain_text("Chrome · Linux")
    expect(row.locator("time")).to_have_text(re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$"))
    expect(page.get_by_test_id("security-log").locator('tr[data-event="Registered"]')).to_have_count(1)


def test_leaving_other_devices_logs_out_a_second_browser(page: Page, hall, chromium):
    citizen = register_through_the_api(page)
    # GIVEN the same citizen logged in in a second browser
    second = chromium.new_context(base_url=hall, locale="zh-CN")
    try:
        other = second.new_page()
        login_by_password(other, citizen.phone, citizen.password)
        expect_logged_in_as(other, "林*")
        # WHEN the first presses 退出其他设备
        page.goto("/user/security")
        page.get_by_role("button", name="退出其他设备").click()
        status = page.get_by_test_id("security-status")
        expect(status).to_have_text("已退出其他1个设备")
        expect(status).to_be_focused()
        # THEN the second is logged out, the first is not
        other.goto("/user")
        expect(other).to_have_url(f"{hall}/login?next=/user")
        page.reload()
        expect(page.get_by_test_id("security-log").locator('tr[data-event="OtherSessionsRevoked"]')).to_have_count(1)
        expect_logged_in_as(page, "林*")
    finally:
        second.close()


def test_axe_finds_nothing_serious_on_the_security_pages(axe_page: Page, hall):
    register_through_the_api(axe_page)
    for path in ("/user/security", "/user/phone"):
        axe_page.goto(path)
        expect(axe_page).to_have_url(f"{hall}{path}")
        assert violations(axe_page) == [], path
