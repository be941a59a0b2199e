"""江苏政务登录 in a real browser, through the local 统一身份认证平台 (its own process, over HTTP).

GIVEN the login page,
WHEN the citizen chooses 其他登录方式 → 江苏政务, logs in on the platform's page as the demo
     citizen 陈小明 (ID number, password, the 验证码 the simulator shows) and presses 授权,
THEN the hall's home page shows 陈* top-right.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.citizen import expect_logged_in_as, shot

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]


def test_a_citizen_logs_in_through_jszw(page: Page, hall, chromium):
    page.goto("/login")
    page.get_by_role("link", name="江苏政务").click()
    # The platform's page, as the manual shows it
    expect(page.get_by_text("江苏政务服务 统一身份认证平台")).to_be_visible()
    expect(page.get_by_text("全国一体化在线政务服务平台")).to_be_visible()
    expect(page.get_by_text("个人登录")).to_be_visible()
    expect(page.get_by_text("法人登录")).to_be_visible()
    page.get_by_placeholder("请输入您的身份证号码/手机号码/用户名").fill("320102199003071239")
    page.get_by_placeholder("请输入密码").fill("Jszw@2024")
    page.get_by_placeholder("请输入验证码").fill(page.get_by_test_id("idp-captcha").inner_text())
    shot(page, "jszw-login")
    page.get_by_role("button", name="登录").click()
    # The 授权 step
    expect(page.get_by_role("heading", name="授权")).to_be_visible()
    page.get_by_role("button", name="授权", exact=True).click()
    # Back on the hall's home page, logged in
    expect(page).to_have_url(re.compile(re.escape(hall) + r"/$"))
    expect_logged_in_as(page, "陈*")
    shot(page, "jszw-logged-in")
