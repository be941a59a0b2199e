"""What a citizen does in the hall, as browser steps, and where a tester reads codes.

The graphic captcha's answer and the SMS code are read from the dev-only page
/dev/outbox in a second tab, the way a tester at `make run` would.
"""

from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import Page, expect

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "browser"

CODE_IN_SMS = re.compile(r"验证码为(\d{6})")


def shot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def masked_phone(phone: str) -> str:
    return f"{phone[:3]}****{phone[-4:]}"


def _outbox(page: Page) -> Page:
    tab = page.context.new_page()
    tab.goto("/dev/outbox")
    return tab


def captcha_answer(page: Page, captcha_id: str) -> str:
    tab = _outbox(page)
    try:
        return tab.locator(f'tr[data-captcha-id="{captcha_id}"] .outbox-text').inner_text().strip()
    finally:
        tab.close()


def sms_code(page: Page, phone: str) -> str:
    """The newest code sent to this phone, as the outbox lists it (phone masked)."""
    tab = _outbox(page)
    try:
        row = tab.locator(f'tr[data-kind="sms"][data-to="{masked_phone(phone)}"]').first
        match = CODE_IN_SMS.search(row.locator(".outbox-text").inner_text())
        assert match, "the SMS carries no 6-digit code"
        return match.group(1)
    finally:
        tab.close()


def request_sms_code(page: Page, form_id: str, phone: str, screenshot: str | None = None) -> str:
    """Click 获取验证码, solve the graphic captcha dialog, and return the code that was sent."""
    form = page.locator(f"#{form_id}")
    form.get_by_role("button", name="获取验证码").click()
    send = form.locator("button.send-code")
    dialog = page.get_by_role("dialog", name="图形验证码")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("输入图形验证码，点击【确认】")
    image = dialog.get_by_role("img")
    expect(image).to_have_attribute("src", re.compile(r"^data:image/png;base64,"))
    expect(page.locator("#captcha-id")).not_to_have_value("")
    answer = captcha_answer(page, page.locator("#captcha-id").input_value())
    dialog.get_by_label("图形验证码", exact=True).fill(answer)
    if screenshot:
        shot(page, screenshot)
    dialog.get_by_role("button", name="确认").click()
    expect(dialog).to_be_hidden()
    # The button counts down before a resend is possible, and the page says where the code went.
    expect(send).to_be_disabled()
    expect(send).to_have_text(re.compile(r"^\d+秒后重新获取$"))
    expect(form.locator(".code-sent")).to_contain_text(f"短信验证码已发送至{masked_phone(phone)}")
    return sms_code(page, phone)


def expect_logged_in_as(page: Page, masked_name: str) -> None:
    account = page.get_by_test_id("account-area")
    expect(account.get_by_test_id("current-user")).to_have_text(masked_name)
    expect(account.get_by_role("link", name="用户中心")).to_be_visible()
    expect(account.get_by_role("button", name="退出登录")).to_be_visible()


def expect_logged_out(page: Page) -> None:
    account = page.get_by_test_id("account-area")
    expect(account.get_by_test_id("current-user")).to_have_count(0)
    expect(account.get_by_role("link", name="登录")).to_be_visible()


def login_by_password(page: Page, identifier: str, password: str) -> None:
    page.goto("/login")
    expect(page.get_by_role("tab", name="账号密码")).to_have_attribute("aria-selected", "true")
    panel = page.get_by_role("tabpanel", name="账号密码")
    panel.get_by_label("证件号码/移动电话").fill(identifier)
    panel.get_by_label("密码", exact=True).fill(password)
    panel.get_by_role("button", name="登录").click()
