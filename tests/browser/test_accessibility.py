"""Accessibility in a real browser: axe-core on every page, errors tied to fields, keyboard, focus.

GIVEN the hall's pages in Chromium,
THEN axe-core finds nothing serious or critical on any of them (names, contrast,
ARIA, structure), with the captcha dialog open too, and in error and logged-in
states; errors are tied to their fields and announced, the login tabs follow the
WAI-ARIA tabs pattern from the keyboard, and focus is visible.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.axe import violations
from tests.browser.citizen import expect_logged_in_as, html_pages, shot

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]


def focused(page: Page) -> str:
    """A short description of the focused element: tag, id or role, and text or label."""
    return page.evaluate(
        """() => { const el = document.activeElement;
          const label = el.id && document.querySelector('label[for="' + el.id + '"]');
          return [el.tagName.toLowerCase(), el.getAttribute('role') || el.type || '',
                  (label ? label.textContent : el.textContent).trim()].join(':'); }"""
    )


@pytest.mark.parametrize("mode", ["standard", "elder"])
def test_axe_finds_nothing_serious_on_any_page(axe_page: Page, hall, mode):
    # GIVEN every page the app renders (a route answering something else is not a page), in each mode
    if mode == "elder":
        axe_page.context.add_cookies([{"name": "hall_mode", "value": "elder", "url": hall}])
    found, checked = {}, []
    for path in html_pages(axe_page):
        checked.append(path)
        # THEN axe-core finds nothing serious or critical on it
        found[path] = violations(axe_page)
    expected = {"/", "/login", "/register", "/faq", "/appeal", "/recover", "/sitemap", "/agreement", "/dev/outbox"}
    assert expected <= set(checked), checked
    assert {path: problems for path, problems in found.items() if problems} == {}


def test_registration_fields_are_found_by_their_labels(page: Page):
    page.goto("/register")
    form = page.locator("#register-form")
    for label in ("证件类型", "证件号码", "姓名", "移动电话", "短信验证码", "密码", "确认密码"):
        expect(form.get_by_label(label, exact=True)).to_have_count(1)
    expect(form.get_by_label("我已阅读并同意《个人用户注册协议》中的内容")).to_have_attribute("type", "checkbox")
    # The password rule (注册说明 3.) describes the password field.
    expect(form.get_by_label("密码", exact=True)).to_have_accessible_description(
        re.compile("8-20位字符,由数字、大小写字母、特殊字符中的三种或以上组成")
    )


def test_the_captcha_dialog_is_labelled_and_its_image_has_alt_text(page: Page):
    page.goto("/register")
    page.get_by_label("移动电话").fill("13700001111")
    page.get_by_role("button", name="获取验证码").click()
    dialog = page.get_by_role("dialog", name="图形验证码")
    expect(dialog).to_be_visible()
    expect(dialog).to_have_accessible_description("输入图形验证码，点击【确认】。")
    expect(dialog.get_by_role("img")).to_have_accessible_name(re.compile("图形验证码"))
    expect(dialog.get_by_label("图形验证码", exact=True)).to_be_focused()
    # It offers the spoken captcha to whoever cannot see the picture.
    expect(dialog.get_by_role("button", name="播放语音验证码")).to_have_accessible_description(
        "语音验证码为6位数字，以英语播报。"
    )
    # Escape closes it and gives focus back to 获取验证码.
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(page.get_by_role("button", name="获取验证码")).to_be_focused()


def test_registration_errors_are_tied_to_their_fields_and_announced(page: Page):
    # GIVEN a registration with a malformed ID number, mismatched passwords and no agreement
    page.goto("/register")
    form = page.locator("#register-form")
    form.get_by_label("证件号码").fill("320102199003071230")
    form.get_by_label("姓名").fill("陈小明")
    form.get_by_label("移动电话").fill("13700002222")
    form.get_by_label("短信验证码").fill("123456")
    form.get_by_label("密码", exact=True).fill("Jshall#2024x")
    form.get_by_label("确认密码").fill("Jshall#2024y")

    # WHEN it is submitted
    form.get_by_role("button", name="注册").click()

    # THEN each field says what is wrong, through aria-invalid and its description
    id_number = form.get_by_label("证件号码")
    expect(id_number).to_have_attribute("aria-invalid", "true")
    expect(id_number).to_have_accessible_description(re.compile(r"\S"))
    expect(id_number).to_be_focused()  # focus goes to the first field in error
    confirm = form.get_by_label("确认密码")
    expect(confirm).to_have_attribute("aria-invalid", "true")
    expect(confirm).to_have_accessible_description(re.compile("两次输入的密码不一致"))
    agreement = form.get_by_label("我已阅读并同意《个人用户注册协议》中的内容")
    expect(agreement).to_have_attribute("aria-invalid", "true")
    expect(agreement).to_have_accessible_description(re.compile("请阅读并同意《个人用户注册协议》"))
    expect(form.get_by_label("姓名")).not_to_have_attribute("aria-invalid", "true")
    # AND the form's summary is in a live alert region
    expect(form.get_by_role("alert")).to_have_text("请检查填写的信息")
    shot(page, "register-field-errors")

    # WHEN the citizen corrects a field THEN its error goes away
    confirm.fill("Jshall#2024x")
    expect(confirm).not_to_have_attribute("aria-invalid", "true")
    expect(page.locator("#password_confirm-error")).to_have_text("")


def test_keyboard_only_login_with_tabs_switched_by_arrow_keys(page: Page, hall):
    page.goto("/login")

    # The first Tab reaches the skip link, which jumps to the main content.
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="跳到主要内容")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()

    # Tab goes through the selected tabs only (roving tabindex), then the password form.
    order = []
    for _ in range(6):
        page.keyboard.press("Tab")
        order.append(focused(page))
    assert order == [
        "button:tab:个人登录",
        "button:tab:账号密码",
        "input:text:证件号码/移动电话",
        "input:password:密码",
        "a::忘记密码?",
        "button:submit:登录",
    ], order
    # Focus is visible on the keyboard-focused control.
    assert page.evaluate("() => getComputedStyle(document.activeElement).outlineStyle") != "none"

    # Back to the 账号密码 tab; arrow keys move between the tabs and show their panels.
    for _ in range(4):
        page.keyboard.press("Shift+Tab")
    password_tab = page.get_by_role("tab", name="账号密码")
    expect(password_tab).to_be_focused()
    assert page.evaluate("() => getComputedStyle(document.activeElement).outlineStyle") != "none"
    page.keyboard.press("ArrowRight")
    sms_tab = page.get_by_role("tab", name="手机动态码")
    expect(sms_tab).to_be_focused()
    expect(sms_tab).to_have_attribute("aria-selected", "true")
    expect(password_tab).to_have_attribute("aria-selected", "false")
    expect(page.get_by_role("tabpanel", name="手机动态码")).to_be_visible()
    expect(page.locator("#panel-password")).to_be_hidden()
    page.keyboard.press("ArrowRight")  # wraps around to the first tab
    expect(page.get_by_role("tab", name="扫码登录")).to_be_focused()
    expect(page.get_by_role("tabpanel", name="扫码登录")).to_contain_text("扫一扫功能扫码登录")
    page.keyboard.press("End")
    expect(sms_tab).to_be_focused()
    page.keyboard.press("Home")
    expect(page.get_by_role("tab", name="扫码登录")).to_be_focused()
    page.keyboard.press("ArrowLeft")  # wraps around to the last tab
    expect(sms_tab).to_be_focused()
    page.keyboard.press("ArrowLeft")
    expect(password_tab).to_be_focused()
    expect(page.get_by_role("tabpanel", name="账号密码")).to_be_visible()
    shot(page, "login-keyboard")

    # Typing and Enter log in, without the mouse.
    page.keyboard.press("Tab")
    expect(page.get_by_label("证件号码/移动电话")).to_be_focused()
    page.keyboard.type("13800138000")
    page.keyboard.press("Tab")
    page.keyboard.type("Jshall#2024")
    page.keyboard.press("Enter")
    expect(page).to_have_url(f"{hall}/")
    expect_logged_in_as(page, "陈*")


def test_wrong_login_is_announced_in_an_alert(page: Page):
    page.goto("/login")
    form = page.locator("#password-form")
    form.get_by_role("button", name="登录").click()
    # Empty fields: each field is marked and described, focus on the first.
    identifier = form.get_by_label("证件号码/移动电话")
    expect(identifier).to_have_attribute("aria-invalid", "true")
    expect(identifier).to_have_accessible_description("请输入证件号码/移动电话")
    expect(identifier).to_be_focused()
    expect(form.get_by_label("密码", exact=True)).to_have_accessible_description("请输入密码")
    expect(form.get_by_role("alert")).to_have_text("请检查填写的信息")


def test_axe_finds_nothing_serious_in_the_captcha_dialog_picture_or_spoken(axe_page: Page):
    page = axe_page
    page.goto("/register")
    page.get_by_label("移动电话").fill("13700001111")
    page.get_by_role("button", name="获取验证码").click()
    dialog = page.get_by_role("dialog", name="图形验证码")
    expect(page.locator("#captcha-image")).to_have_attribute("src", re.compile("^data:image/png"))
    assert violations(page) == []
    dialog.get_by_role("button", name="播放语音验证码").click()
    expect(dialog.get_by_role("button", name="听不清，换一个")).to_be_visible()
    expect(dialog.get_by_label("语音验证码", exact=True)).to_be_visible()
    assert violations(page) == []
    # A wrong answer is announced in the dialog.
    dialog.get_by_label("语音验证码", exact=True).fill("000000")
    dialog.get_by_role("button", name="确认").click()
    expect(dialog.get_by_role("alert")).to_contain_text("语音验证码错误")
    assert violations(page) == []


def test_axe_finds_nothing_serious_in_errors_status_messages_and_the_logged_in_header(axe_page: Page):
    page = axe_page
    page.goto("/login")
    page.locator("#password-form").get_by_role("button", name="登录").click()
    expect(page.locator("#identifier-error")).not_to_be_empty()
    page.get_by_role("tab", name="扫码登录").click()
    expect(page.get_by_role("tabpanel", name="扫码登录").locator(".qr-countdown")).not_to_be_empty()
    assert violations(page) == []
    page.get_by_role("tab", name="账号密码").click()
    form = page.locator("#password-form")
    form.get_by_label("证件号码/移动电话").fill("13912345678")
    form.get_by_label("密码", exact=True).fill("Renshe@2024")
    form.get_by_role("button", name="登录").click()
    expect_logged_in_as(page, "王*")
    assert violations(page) == []


@pytest.mark.parametrize("mode", ["standard", "elder"])
def test_axe_finds_nothing_serious_on_the_logged_in_pages_on_a_phone(axe_page: Page, hall, mode):
    # GIVEN 陈小明 logged in on a phone-sized screen, in each mode, the 菜单 open
    page = axe_page
    page.set_viewport_size({"width": 390, "height": 844})
    if mode == "elder":
        page.context.add_cookies([{"name": "hall_mode", "value": "elder", "url": hall}])
    form = page.locator("#password-form")
    page.goto("/login")
    form.get_by_label("证件号码/移动电话").fill("320102199003071239")
    form.get_by_label("密码", exact=True).fill("Jshall#2024")
    form.get_by_role("button", name="登录").click()
    expect_logged_in_as(page, "陈*")
    found = {}
    for path in ("/", "/user", "/user/profile", "/user/security", "/user/records/rights?year=2019", "/user/cases"):
        page.goto(path)
        page.get_by_role("navigation", name="主导航").get_by_role("button", name="菜单").click()
        # THEN axe-core finds nothing serious or critical on it
        found[path] = violations(page)
    assert {path: problems for path, problems in found.items() if problems} == {}


def test_axe_itself_catches_low_contrast_unnamed_controls_and_images_without_text(axe_page: Page):
    # The checks above must be able to fail: what the hand-written checks caught, axe catches.
    page = axe_page
    page.goto("/faq")
    assert violations(page) == []
    page.evaluate(
        """() => {
             document.querySelector('.faq p').style.color = '#bbbbbb';
             document.querySelector('.faq').append(document.createElement('button'), document.createElement('img'));
           }"""
    )
    found = " ".join(violations(page))
    for rule in ("color-contrast", "button-name", "image-alt"):
        assert f" {rule}: " in found, found
