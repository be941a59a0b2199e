"""账号关联 and 账号绑定 in a real browser, through the local 支付宝 and 统一身份认证平台.

GIVEN a provider vouches for someone the hall cannot log in yet,
WHEN the citizen finishes the link step's page (the ID number and an SMS code to the account's
     phone; or the account's password),
THEN the hall's home page shows them logged in, the next login through the provider goes
     straight in, and 账号绑定 (/user/links) lists the link, unties it and ties it again (去绑定).
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser import axe
from tests.browser.citizen import expect_logged_in_as, logout, request_sms_code, shot
from tests.browser.test_alipay_login import _decode_qr
from tests.support import make_phone, make_resident_id

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

UNLINKED_ALIPAY = "路人甲"  # devtools/stubs/alipay_sim.py: linked to nobody


def _account_of_our_own(hall_env) -> tuple[str, str]:
    """A hall account of this test alone (ID number, phone), made in the hall's tables."""
    from chalicelib import clock, settings
    from chalicelib.citizen_data import protect_id_number, protect_name, protect_phone
    from chalicelib.domain import passwords
    from chalicelib.store import accounts

    id_number, phone = make_resident_id(), make_phone()
    with hall_env():
        accounts.create(
            accounts.NewAccount(
                id_type="resident_id",
                id_number=protect_id_number(id_number),
                name=protect_name("刘洋"),
                phone=protect_phone(phone),
                password_hash=passwords.hash_password("Liu#Yang2024"),
                level=1,
                agreement_version=settings.get().agreement_version,
                agreement_accepted_at=clock.now(),
            ),
            clock.now(),
        )
    return id_number, phone


def _alipay_login(page: Page, chromium, nick: str) -> None:
    page.goto("/login")
    page.get_by_role("link", name="支付宝").click()
    expect(page.get_by_role("heading", name="支付宝扫码登录")).to_be_visible()
    url = _decode_qr(page)
    phone = chromium.new_page()
    try:
        phone.goto(url)
        phone.get_by_label(re.compile(nick)).check()
        phone.get_by_role("button", name="授权", exact=True).click()
        expect(phone.get_by_text("授权成功")).to_be_visible()
    finally:
        phone.close()


def test_an_alipay_user_links_by_id_number_and_sms_then_logs_in_directly_then_unlinks(
    axe_page: Page, hall, chromium, hall_env
):
    page = axe_page  # (its context lets axe-core in; the pages' own script runs as everywhere)
    id_number, phone = _account_of_our_own(hall_env)
    # GIVEN an Alipay user linked to nobody logs in with 支付宝
    _alipay_login(page, chromium, UNLINKED_ALIPAY)
    # THEN the link step asks which ID number (Alipay gives none), saying the step in text
    expect(page.get_by_role("heading", name="支付宝登录：账号关联")).to_be_visible()
    expect(page).to_have_title(re.compile("支付宝登录"))
    expect(page.get_by_test_id("link-step")).to_contain_text("第1步，共2步，填写证件信息")
    assert not axe.violations(page), axe.violations(page)
    page.get_by_label("证件号码").fill(id_number)
    shot(page, "link-alipay-identify")
    page.get_by_role("button", name="下一步").click()
    # WHEN it has an account: the code goes to the account's own phone
    expect(page.get_by_test_id("link-step")).to_contain_text("验证账号")
    expect(page.get_by_text(f"{phone[:3]}****{phone[-4:]}")).to_be_visible()
    code = request_sms_code(page, "link-sms", phone)
    page.locator("#link-sms").get_by_label("短信验证码").fill(code)
    shot(page, "link-alipay-prove")
    page.locator("#link-sms").get_by_role("button", name="验证并关联").click()
    # THEN logged in, on the home page
    expect(page).to_have_url(re.compile(re.escape(hall) + r"/$"))
    expect_logged_in_as(page, "刘*")
    # AND the next Alipay login goes straight in
    logout(page)
    _alipay_login(page, chromium, UNLINKED_ALIPAY)
    expect(page).to_have_url(re.compile(re.escape(hall) + r"/$"))
    expect_logged_in_as(page, "刘*")
    # AND 账号绑定 lists the link with its date, and unties it
    page.goto("/user/links")
    menu = page.get_by_test_id("user-menu")
    expect(menu.get_by_role("link", name="账号绑定")).to_have_attribute("aria-current", "page")
    row = page.get_by_test_id("link-alipay")
    expect(row).to_contain_text("已绑定")
    expect(row).to_contain_text(re.compile(r"\d{4}-\d{2}-\d{2}"))
    assert not axe.violations(page), axe.violations(page)
    shot(page, "user-links")
    page.once("dialog", lambda dialog: dialog.accept())
    row.get_by_role("button", name=re.compile("解除绑定")).click()
    status = page.get_by_test_id("links-status")
    expect(status).to_have_text("已解除支付宝账号绑定。")
    expect(status).to_be_focused()
    expect(row).to_contain_text("未绑定")


def test_a_jszw_person_whose_name_differs_proves_the_account_by_password(axe_page: Page, hall):
    page = axe_page
    page.goto("/login")
    page.get_by_role("link", name="江苏政务").click()
    # The platform verified 阿依古丽买买提 (its spelling); the hall's account is 阿依古丽·买买提
    page.get_by_placeholder("请输入您的身份证号码/手机号码/用户名").fill("65010219920615302X")
    page.get_by_placeholder("请输入密码").fill("Jszw@2024")
    page.get_by_placeholder("请输入验证码").fill(page.get_by_test_id("idp-captcha").inner_text())
    page.get_by_role("button", name="登录").click()
    page.get_by_role("button", name="授权", exact=True).click()
    # THEN the link step: prove the account
    expect(page.get_by_role("heading", name="江苏政务登录：账号关联")).to_be_visible()
    expect(page.get_by_test_id("link-step")).to_contain_text("验证账号")
    assert not axe.violations(page), axe.violations(page)
    form = page.locator("#link-password")
    form.get_by_label("密码").fill("Hall2024!ok")
    shot(page, "link-jszw-prove")
    form.get_by_role("button", name="验证并关联").click()
    expect(page).to_have_url(re.compile(re.escape(hall) + r"/$"))
    expect_logged_in_as(page, "阿*")
    # AND 账号绑定 shows 江苏政务; untie it (the account keeps its password and phone)
    page.goto("/user/links")
    row = page.get_by_test_id("link-jszw")
    expect(row).to_contain_text("已绑定")
    page.once("dialog", lambda dialog: dialog.accept())
    row.get_by_role("button", name=re.compile("解除绑定")).click()
    expect(page.get_by_test_id("links-status")).to_have_text("已解除江苏政务账号绑定。")
    # AND tie it again from the same page: 去绑定 → the platform's login → back on 账号绑定
    row.get_by_role("button", name=re.compile("去绑定")).click()
    # (the platform still has her signed in from the first login: straight to its 授权 step)
    expect(page.get_by_role("heading", name="授权")).to_be_visible()
    page.get_by_role("button", name="授权", exact=True).click()
    expect(page).to_have_url(re.compile(re.escape(hall) + r"/user/links$"))
    expect(page.get_by_test_id("link-jszw")).to_contain_text("已绑定")
    expect_logged_in_as(page, "阿*")
