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


# Values for path parameters that reach a page; any other parameter gets "x".
PATH_VALUES = {
    "key": "personal",
    "code": "SB0001",
    "notice_id": "20261125150000-0003",
    "kind": "payments",
    "proxy": "no/such/page",
}
# The greedy route's path: the HTML 404 page, a page like any other.
NOT_FOUND_PATH = "/no/such/page"
# Queries that show another state of the same page.
PAGE_STATES = ["/appeal?type=phone_taken", "/login?tab=sms", "/login?tab=qr"]


def page_paths() -> list[str]:
    """Every GET route outside /api/ and /static/, read from the app, with its path parameters
    filled in, and a few states of them. A route that answers something else is not a page:
    callers look at what each answers."""
    from app import app

    routes = (route for route, methods in app.routes.items() if "GET" in methods)
    paths = sorted(route for route in routes if not route.startswith(("/api/", "/static/")))
    return [re.sub(r"\{(\w+)\+?\}", lambda m: PATH_VALUES.get(m.group(1), "x"), path) for path in paths] + PAGE_STATES


def html_pages(page: Page):
    """Open each of the app's pages in turn (page_paths), yielding the path of each that is HTML."""
    for path in page_paths():
        reply = page.goto(path)
        if reply is not None and reply.headers.get("content-type", "").startswith("text/html"):
            assert reply.status == (404 if path == NOT_FOUND_PATH else 200), path
            yield path


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


def request_sms_code_by_ear(page: Page, form_id: str, phone: str) -> str:
    """Click 获取验证码 and pass the captcha as a citizen who cannot see the picture: reach
    播放语音验证码 from the keyboard, listen, ask for another (听不清，换一个), type the digits
    heard (read from the dev outbox), and return the SMS code that was sent."""
    form = page.locator(f"#{form_id}")
    form.get_by_role("button", name="获取验证码").click()
    dialog = page.get_by_role("dialog", name="图形验证码")
    answer_box = dialog.get_by_label("图形验证码", exact=True)
    expect(answer_box).to_be_focused()
    picture_id = page.locator("#captcha-id")
    expect(picture_id).not_to_have_value("")
    picture = picture_id.input_value()
    # Shift+Tab from the answer reaches 播放语音验证码; Enter plays a spoken captcha.
    page.keyboard.press("Shift+Tab")
    expect(dialog.get_by_role("button", name="播放语音验证码")).to_be_focused()
    page.keyboard.press("Enter")
    audio = page.locator("#captcha-audio")
    expect(audio).to_have_attribute("src", re.compile(r"^data:audio/wav;base64,"))
    expect(picture_id).not_to_have_value(re.compile(f"^$|^{re.escape(picture)}$"))
    page.wait_for_function("() => document.querySelector('#captcha-audio').currentTime > 0")
    # 听不清，换一个: the next Tab, and a new spoken captcha whose id is the one answered.
    first = picture_id.input_value()
    page.keyboard.press("Tab")
    expect(dialog.get_by_role("button", name="听不清，换一个")).to_be_focused()
    page.keyboard.press("Enter")
    expect(picture_id).not_to_have_value(re.compile(f"^$|^{re.escape(first)}$"))
    spoken = picture_id.input_value()
    answer = captcha_answer(page, spoken)
    assert re.fullmatch(r"[0-9]{6}", answer), answer
    dialog.get_by_label("语音验证码", exact=True).fill(answer)
    shot(page, "captcha-dialog-spoken")
    dialog.get_by_role("button", name="确认").click()
    expect(dialog).to_be_hidden()
    expect(form.locator(".code-sent")).to_contain_text(f"短信验证码已发送至{masked_phone(phone)}")
    return sms_code(page, phone)


def expect_logged_in_as(page: Page, masked_name: str) -> None:
    account = page.get_by_test_id("account-area")
    expect(account.get_by_test_id("current-user")).to_have_text(masked_name)
    expect(account.get_by_role("button", name="个人中心")).to_be_visible()


def open_account_menu(page: Page):
    """Open the top-right 个人中心 menu (个人中心, 退出登录) and answer its area."""
    account = page.get_by_test_id("account-area")
    account.get_by_role("button", name="个人中心").click()
    expect(account.get_by_role("button", name="个人中心")).to_have_attribute("aria-expanded", "true")
    return account


def logout(page: Page) -> None:
    """退出登录, waiting for the home page it leads to (a navigation begun before that one ends
    would be aborted by it)."""
    open_account_menu(page).get_by_role("button", name="退出登录").click()
    page.wait_for_url(lambda url: url.rstrip("/").count("/") == 2)  # the home page: scheme://host/
    expect_logged_out(page)
    page.wait_for_load_state()


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
