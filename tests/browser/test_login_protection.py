"""登录保护 in a real browser: binding an authenticator app, then logging in with its code.

GIVEN a citizen logged in by password,
WHEN they bind an authenticator on 个人中心 → 登录保护 (password, the QR and its secret, one code),
THEN ten recovery codes are shown once, and the next password login asks for the second step,
     which the authenticator's next code finishes; 安全记录 lists 开启登录保护.
"""

from __future__ import annotations

import re
import time
from urllib.parse import parse_qs, unquote, urlparse

import pyotp
import pytest
from playwright.sync_api import Page, expect

from tests.browser import axe
from tests.browser.citizen import expect_logged_in_as, login_by_password, logout, shot
from tests.browser.test_login_link import _account_of_our_own

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

PASSWORD = "Liu#Yang2024"  # _account_of_our_own's


def _next_time_step() -> None:
    """Wait for the authenticator's next 30-second step (each code is accepted once)."""
    time.sleep(30 - time.time() % 30 + 0.5)


def test_a_citizen_binds_an_authenticator_and_logs_in_with_its_code(axe_page: Page, hall, hall_env):
    page = axe_page
    id_number, _phone = _account_of_our_own(hall_env)
    login_by_password(page, id_number, PASSWORD)
    expect_logged_in_as(page, "刘*")

    # WHEN they open 登录保护 from the user center's menu
    page.goto("/user")
    page.get_by_test_id("user-menu").get_by_role("link", name="登录保护").click()
    expect(page.get_by_role("heading", name="登录保护", exact=True)).to_be_visible()
    expect(page.get_by_test_id("protection-status")).to_have_text("登录保护未开启")
    assert not axe.violations(page), axe.violations(page)

    # AND bind an authenticator with their password
    section = page.get_by_role("region", name="使用身份验证器")
    section.get_by_label("登录密码").fill(PASSWORD)
    section.get_by_role("button", name="绑定身份验证器").click()
    expect(page.get_by_role("heading", name="扫描二维码")).to_be_focused()
    expect(page.get_by_text("第2步，共2步：扫码并输入动态验证码")).to_be_visible()
    qr = page.get_by_test_id("totp-qr")
    expect(qr).to_have_attribute("src", re.compile(r"^data:image/png;base64,"))
    secret = page.get_by_test_id("totp-secret").inner_text()
    assert re.fullmatch(r"[A-Z2-7]{32}", secret)
    assert not axe.violations(page), axe.violations(page)
    shot(page, "login-protection-qr")
    section.get_by_label("动态验证码").fill(pyotp.TOTP(secret).now())
    section.get_by_role("button", name="确认绑定").click()

    # THEN the ten recovery codes are shown once, focused
    expect(page.get_by_role("heading", name="恢复码")).to_be_focused()
    codes = page.get_by_test_id("recovery-codes").locator("li")
    expect(codes).to_have_count(10)
    expect(page.get_by_test_id("protection-status")).to_have_text("登录保护已开启：身份验证器")
    assert not axe.violations(page), axe.violations(page)
    shot(page, "login-protection-codes")
    page.reload()
    expect(page.get_by_test_id("protection-status")).to_contain_text("登录保护已开启：身份验证器（剩余恢复码10个）")
    expect(page.get_by_test_id("recovery-codes")).to_be_hidden()

    # WHEN they log in by password again
    logout(page)
    login_by_password(page, id_number, PASSWORD)
    # THEN the password alone opens no session: the second step is asked, its heading focused
    step = page.get_by_test_id("second-step")
    expect(step.get_by_role("heading", name="登录验证")).to_be_focused()
    expect(step).to_contain_text("第2步，共2步：登录验证")
    expect(step.get_by_label("身份验证器动态码")).to_be_checked()
    expect(step.get_by_label("使用恢复码")).to_be_visible()
    expect(step.get_by_label("短信验证码")).to_be_hidden()
    assert not axe.violations(page), axe.violations(page)
    shot(page, "login-second-step")
    # A wrong code is refused next to its field
    _next_time_step()
    right = pyotp.TOTP(secret).now()
    wrong = "000000" if right != "000000" else "111111"
    step.get_by_label("动态验证码").fill(wrong)
    step.get_by_role("button", name="验证并登录").click()
    expect(step.get_by_text("验证码错误，还可尝试4次")).to_be_visible()
    # AND the authenticator's code finishes it
    step.get_by_label("动态验证码").fill(pyotp.TOTP(secret).now())
    step.get_by_role("button", name="验证并登录").click()
    expect(page).to_have_url(re.compile(re.escape(hall) + r"/$"))
    expect_logged_in_as(page, "刘*")

    # AND 安全记录 lists the change in Chinese
    page.goto("/user/security")
    expect(page.get_by_test_id("security-log")).to_contain_text("开启登录保护")


def test_the_otpauth_uri_names_the_issuer():
    """The QR's content, as an authenticator app reads it: issuer 江苏人社, a masked account name."""
    from chalicelib.methods.second_factor import totp

    uri = totp.provisioning_uri(totp.new_secret(), "3201**********1234")
    parsed = urlparse(uri)
    assert parsed.scheme == "otpauth" and parsed.netloc == "totp"
    assert unquote(parsed.path) == "/江苏人社:3201**********1234"
    assert parse_qs(parsed.query)["issuer"] == ["江苏人社"]
