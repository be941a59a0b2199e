"""The main journeys with the keyboard alone, in a real browser.

GIVEN the hall's pages in Chromium, and a citizen who uses no mouse (Tab, Shift+Tab, Enter, Space,
typing; the locators below only check where focus is),
WHEN they register (the graphic captcha's dialog included), log out, log in with the password,
find a service by the search box and open it, and (陈小明) choose a year of the 权益单 and
download it,
THEN every step completes, focus goes where the change is (the captcha's answer, the SMS code
field once the code is sent) and the changes are announced in live regions.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.browser.citizen import captcha_answer, expect_logged_in_as, expect_logged_out, masked_phone, shot, sms_code
from tests.support import make_phone, make_resident_id

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

CHEN = {"id_number": "320102199003071239", "password": "Jshall#2024"}  # demo: has social-insurance records


def tab_to(page: Page, target: Locator, *, limit: int = 80) -> None:
    """Press Tab until ``target`` has the focus (it must be reachable by Tab within ``limit`` presses)."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if target.evaluate("(element) => element === document.activeElement"):
            return
    raise AssertionError(f"Tab never reached {target}")


def keyboard_login(page: Page, identifier: str, password: str) -> None:
    page.goto("/login")
    form = page.locator("#password-form")
    tab_to(page, form.get_by_label("证件号码/移动电话"))
    page.keyboard.type(identifier)
    page.keyboard.press("Tab")
    expect(form.get_by_label("密码", exact=True)).to_be_focused()
    page.keyboard.type(password)
    page.keyboard.press("Enter")


def keyboard_logout(page: Page) -> None:
    account = page.get_by_test_id("account-area")
    tab_to(page, account.get_by_role("button", name="个人中心"))
    page.keyboard.press("Enter")
    expect(account.get_by_role("button", name="个人中心")).to_have_attribute("aria-expanded", "true")
    tab_to(page, account.get_by_role("button", name="退出登录"), limit=3)
    page.keyboard.press("Enter")
    page.wait_for_url(lambda url: url.rstrip("/").count("/") == 2)
    expect_logged_out(page)
    page.wait_for_load_state()


def test_register_log_in_and_find_a_service_with_the_keyboard_alone(page: Page, hall):
    phone, password = make_phone(), "Jian#Pan2025"
    page.goto("/register")
    form = page.locator("#register-form")

    # WHEN the form is filled by Tab and typing (证件类型 keeps 居民身份证)
    tab_to(page, form.get_by_label("证件号码"))
    page.keyboard.type(make_resident_id(birth="19620909"))
    tab_to(page, form.get_by_label("姓名"), limit=3)
    page.keyboard.type("钱键盘")
    tab_to(page, form.get_by_label("移动电话"), limit=3)
    page.keyboard.type(phone)
    # AND 获取验证码 is pressed: the captcha's dialog opens with focus on its answer
    tab_to(page, form.get_by_role("button", name="获取验证码"), limit=3)
    page.keyboard.press("Enter")
    dialog = page.get_by_role("dialog", name="图形验证码")
    expect(dialog.get_by_label("图形验证码", exact=True)).to_be_focused()
    expect(page.locator("#captcha-id")).not_to_have_value("")
    page.keyboard.type(captcha_answer(page, page.locator("#captcha-id").input_value()))
    page.keyboard.press("Enter")
    # THEN the dialog closes, 短信验证码已发送 is announced, and focus is on the code's field
    expect(dialog).to_be_hidden()
    sent = form.locator(".code-sent")
    expect(sent).to_have_attribute("role", "status")
    expect(sent).to_contain_text(f"短信验证码已发送至{masked_phone(phone)}")
    expect(form.get_by_label("短信验证码")).to_be_focused()
    page.keyboard.type(sms_code(page, phone))
    tab_to(page, form.get_by_label("密码", exact=True), limit=3)
    page.keyboard.type(password)
    tab_to(page, form.get_by_label("确认密码"), limit=3)
    page.keyboard.type(password)
    tab_to(page, form.get_by_label("我已阅读并同意《个人用户注册协议》中的内容"), limit=3)
    page.keyboard.press(" ")
    expect(form.get_by_label("我已阅读并同意《个人用户注册协议》中的内容")).to_be_checked()
    tab_to(page, form.get_by_role("button", name="注册"), limit=5)
    shot(page, "keyboard-register")
    page.keyboard.press("Enter")
    # THEN they are registered and logged in
    expect(page).to_have_url(f"{hall}/")
    expect_logged_in_as(page, "钱*")

    # WHEN they log out and back in with the keyboard
    keyboard_logout(page)
    keyboard_login(page, phone, password)
    expect(page).to_have_url(f"{hall}/")
    expect_logged_in_as(page, "钱*")

    # AND look for a service with the search box and open it
    tab_to(page, page.get_by_role("searchbox", name="站内搜索"))
    page.keyboard.type("失业登记")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/search\?q="))
    tab_to(page, page.get_by_role("link", name="失业登记", exact=True).first)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_contain_text("失业登记")
    shot(page, "keyboard-service")


def test_download_the_statement_with_the_keyboard_alone(page: Page, hall, tmp_path):
    keyboard_login(page, CHEN["id_number"], CHEN["password"])
    expect(page).to_have_url(f"{hall}/")
    account = page.get_by_test_id("account-area")
    # 个人中心 from the top-right menu
    tab_to(page, account.get_by_role("button", name="个人中心"))
    page.keyboard.press("Enter")
    tab_to(page, account.get_by_role("link", name="个人中心"), limit=3)
    page.keyboard.press("Enter")
    expect(page).to_have_url(f"{hall}/user")
    # 我的权益单 from the user center's menu
    tab_to(page, page.get_by_role("navigation", name="个人中心菜单").get_by_role("link", name="我的权益单"))
    page.keyboard.press("Enter")
    expect(page).to_have_url(f"{hall}/user/records/rights")
    # A year chosen by typing it on the focused list, then 查询
    tab_to(page, page.get_by_label("年度"))
    page.keyboard.type("2019")
    expect(page.get_by_label("年度")).to_have_value("2019")
    tab_to(page, page.get_by_role("button", name="查询"), limit=3)
    page.keyboard.press("Enter")
    expect(page.get_by_test_id("statement-table").locator("caption")).to_contain_text("2019年度")
    # 下载 by Enter on the link
    tab_to(page, page.get_by_role("link", name="下载"))
    with page.expect_download(timeout=60_000) as info:  # the PDF is drawn on demand: slow on a busy machine
        page.keyboard.press("Enter")
    saved = tmp_path / info.value.suggested_filename
    info.value.save_as(saved)
    assert saved.read_bytes().startswith(b"%PDF-")
