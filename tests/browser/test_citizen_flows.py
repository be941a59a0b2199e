"""A citizen registers, logs out and logs in (账号密码, 手机动态码) in a real browser.

GIVEN the hall on `chalice local` with the demo citizens (demo/citizens.json),
WHEN a citizen uses the pages as the training manual shows,
THEN the top-right of the home page shows the masked name (陈*-style).
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.citizen import (
    expect_logged_in_as,
    expect_logged_out,
    login_by_password,
    logout,
    open_account_menu,
    request_sms_code,
    request_sms_code_by_ear,
    shot,
)
from tests.support import make_phone

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

# From demo/citizens.json: 张伟 is in the base library (基础库) and has no account yet.
ZHANG_WEI = {"name": "张伟", "id_number": "320106199508010031"}
# Demo accounts (see README / demo/citizens.json).
CHEN = {"id_number": "320102199003071239", "phone": "13800138000", "password": "Jshall#2024"}
WANG = {"id_number": "320583198511204427", "phone": "13912345678", "password": "Renshe@2024"}
AYGUL = {"id_number": "65010219920615302X", "phone": "15000000001", "password": "Hall2024!ok"}
ZHOU = {"phone": "18600000002"}
UNIFORM_LOGIN_ERROR = "证件号码/移动电话或密码错误"


def fill_registration(page: Page, *, id_number: str, name: str, phone: str, password: str, screenshot=None) -> None:
    form = page.locator("#register-form")
    form.get_by_label("证件类型").select_option(label="居民身份证")
    form.get_by_label("证件号码").fill(id_number)
    form.get_by_label("姓名").fill(name)
    form.get_by_label("移动电话").fill(phone)
    code = request_sms_code(page, "register-form", phone, screenshot=screenshot)
    form.get_by_label("短信验证码").fill(code)
    form.get_by_label("密码", exact=True).fill(password)
    form.get_by_label("确认密码").fill(password)
    form.get_by_label("我已阅读并同意《个人用户注册协议》中的内容").check()


def test_a_new_citizen_registers_sees_the_masked_name_logs_out_and_back_in(page: Page, hall):
    phone = make_phone()
    password = "Zhang#Wei2025"

    # GIVEN the registration page, reached from the login page's 立即注册
    page.goto("/login")
    page.get_by_role("link", name="立即注册").click()
    expect(page).to_have_url(f"{hall}/register")
    expect(page.get_by_role("heading", name="用户注册")).to_be_visible()

    # WHEN 张伟 fills the form, solves the captcha, enters the SMS code and registers
    fill_registration(
        page,
        id_number=ZHANG_WEI["id_number"],
        name=ZHANG_WEI["name"],
        phone=phone,
        password=password,
        screenshot="register-captcha-dialog",
    )
    shot(page, "register-filled")
    page.get_by_role("button", name="注册").click()

    # THEN the hall's home page shows 张* top-right; the base library matched, so 实名用户
    expect(page).to_have_url(f"{hall}/")
    expect_logged_in_as(page, "张*")
    expect(page.get_by_test_id("current-level")).to_have_text("实名用户")
    assert ZHANG_WEI["name"] not in page.get_by_test_id("account-area").inner_text()
    shot(page, "home-after-registration")

    # WHEN they log out THEN the session is gone, on the page and on the API
    logout(page)
    expect_logged_out(page)
    assert page.request.get("/api/me").status == 401

    # AND the new account logs in by its phone and password
    login_by_password(page, phone, password)
    expect(page).to_have_url(f"{hall}/")
    expect_logged_in_as(page, "张*")


def test_a_citizen_who_cannot_see_the_captcha_registers_with_the_spoken_one(page: Page, hall):
    from tests.support import make_resident_id

    # GIVEN a new citizen typing their phone the way it is often written: +86 and hyphens
    phone = make_phone()
    typed_phone = f"+86 {phone[:3]}-{phone[3:7]}-{phone[7:]}"
    page.goto("/register")
    form = page.locator("#register-form")
    form.get_by_label("证件号码").fill(make_resident_id(birth="19850506"))
    form.get_by_label("姓名").fill("林听")
    form.get_by_label("移动电话").fill(typed_phone)

    # WHEN they pass the captcha by ear (语音验证码) and finish the registration
    code = request_sms_code_by_ear(page, "register-form", phone)
    form.get_by_label("短信验证码").fill(code)
    form.get_by_label("密码", exact=True).fill("Lin#Ting2025")
    form.get_by_label("确认密码").fill("Lin#Ting2025")
    form.get_by_label("我已阅读并同意《个人用户注册协议》中的内容").check()
    form.get_by_role("button", name="注册").click()

    # THEN they are registered and logged in
    expect(page).to_have_url(f"{hall}/")
    expect_logged_in_as(page, "林*")


def test_login_by_password_with_id_number(page: Page, hall):
    login_by_password(page, CHEN["id_number"], CHEN["password"])
    expect(page).to_have_url(f"{hall}/")
    expect_logged_in_as(page, "陈*")
    shot(page, "home-logged-in-chen")
    me = page.request.get("/api/me")
    assert me.status == 200
    assert me.json()["user"]["name"] == "陈*"
    # The top-right 个人中心 menu leads to the user center
    open_account_menu(page).get_by_role("link", name="个人中心").click()
    expect(page).to_have_url(f"{hall}/user")
    expect(page.get_by_role("heading", level=1)).to_have_text("个人中心")
    expect_logged_in_as(page, "陈*")


def test_login_by_password_with_phone(page: Page, hall):
    login_by_password(page, WANG["phone"], WANG["password"])
    expect(page).to_have_url(f"{hall}/")
    expect_logged_in_as(page, "王*")


def test_login_by_sms_code(page: Page, hall):
    # GIVEN the login page's 手机动态码 tab
    page.goto("/login")
    page.get_by_role("tab", name="手机动态码").click()
    panel = page.get_by_role("tabpanel", name="手机动态码")
    expect(panel).to_be_visible()
    expect(page.get_by_role("tabpanel", name="账号密码")).to_be_hidden()

    # WHEN the citizen enters the phone, solves the captcha and enters the code from the SMS
    panel.get_by_label("移动电话").fill(ZHOU["phone"])
    code = request_sms_code(page, "sms-form", ZHOU["phone"], screenshot="login-sms-captcha")
    panel.get_by_label("短信验证码").fill(code)
    shot(page, "login-sms-filled")
    panel.get_by_role("button", name="登录").click()

    # THEN the home page shows 周*
    expect(page).to_have_url(f"{hall}/")
    expect_logged_in_as(page, "周*")


def test_wrong_password_and_unknown_identifier_show_the_same_error(page: Page, hall):
    from tests.support import make_resident_id

    messages = []
    for identifier in (AYGUL["id_number"], make_resident_id()):
        login_by_password(page, identifier, "Wrong#Pass123")
        alert = page.locator("#password-form").get_by_role("alert")
        expect(alert).to_have_text(UNIFORM_LOGIN_ERROR)
        messages.append(alert.inner_text())
        expect(page).to_have_url(f"{hall}/login")
        expect_logged_out(page)
    shot(page, "login-wrong-password")
    assert messages[0] == messages[1]


def test_a_taken_id_number_is_shown_next_to_the_field_with_the_appeal_link(page: Page, hall):
    # GIVEN 陈小明's ID number, already registered; a new phone the caller holds
    page.goto("/register")
    fill_registration(page, id_number=CHEN["id_number"], name="陈小明", phone=make_phone(), password="Chen#Xiao2025")

    # WHEN they submit the registration
    page.get_by_role("button", name="注册").click()

    # THEN the 证件号码 field is marked invalid, its error says so and links to 用户申诉
    id_number = page.locator("#register-form").get_by_label("证件号码")
    expect(id_number).to_have_attribute("aria-invalid", "true")
    expect(id_number).to_have_accessible_description(re.compile("证件号码已被注册"))
    field_error = page.locator("#id_number-error")
    expect(field_error).to_contain_text("证件号码已被注册")
    appeal = field_error.get_by_role("link", name="用户申诉")
    expect(appeal).to_have_attribute("href", "/appeal?type=id_number_taken")
    expect(page.locator("#register-form").get_by_role("alert")).to_contain_text("证件号码被占用")
    expect(page).to_have_url(f"{hall}/register")
    shot(page, "register-id-taken")

    # AND the appeal page opens at the matching appeal type, at its first step
    appeal.click()
    chosen = page.locator('[data-appeal="id_number_taken"]')
    expect(chosen).to_have_attribute("aria-current", "true")
    expect(chosen).to_contain_text("证件号码被占用")
    expect(page.get_by_test_id("current-step")).to_have_text("当前步骤：第1步（共4步）填写证件信息")


def test_after_two_wrong_passwords_the_login_asks_for_the_graphic_captcha(page: Page, hall):
    from tests.browser.citizen import captcha_answer
    from tests.support import make_resident_id

    # GIVEN two wrong passwords for one identifier
    identifier = make_resident_id()
    page.goto("/login")
    panel = page.get_by_role("tabpanel", name="账号密码")
    panel.get_by_label("证件号码/移动电话").fill(identifier)
    panel.get_by_label("密码", exact=True).fill("Wrong#Pass123")
    alert = page.locator("#password-form").get_by_role("alert")
    for _ in range(2):
        panel.get_by_role("button", name="登录").click()
        expect(alert).to_have_text(UNIFORM_LOGIN_ERROR)
        page.evaluate("document.querySelector('#password-form-error').textContent = ''")

    # WHEN the citizen tries again
    panel.get_by_role("button", name="登录").click()

    # THEN the graphic captcha dialog opens first, and its answer goes with the login
    dialog = page.get_by_role("dialog", name="图形验证码")
    expect(dialog).to_be_visible()
    expect(page.locator("#captcha-id")).not_to_have_value("")
    expect(dialog.get_by_label("图形验证码", exact=True)).to_be_focused()
    shot(page, "login-password-captcha")
    answer = captcha_answer(page, page.locator("#captcha-id").input_value())
    dialog.get_by_label("图形验证码", exact=True).fill(answer)
    dialog.get_by_role("button", name="确认").click()
    expect(dialog).to_be_hidden()
    expect(alert).to_have_text(UNIFORM_LOGIN_ERROR)
    expect_logged_out(page)
