"""扫码登录 in a real browser: the QR drawn on the login page is read as a phone would read it.

GIVEN the login page's 扫码登录 tab,
WHEN the QR's image is decoded (zxing-cpp) and its URL opened in a second browser playing
     江苏智慧人社APP (the dev stage's counterpart), which logs in as 王芳 and confirms,
THEN the first page goes to the home page with 王* top-right.
"""

from __future__ import annotations

import io
import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.citizen import expect_logged_in_as, shot

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

WANG = {"phone": "13912345678", "password": "Renshe@2024"}


def _decode_qr(page: Page) -> str:
    import zxingcpp
    from PIL import Image

    image = page.get_by_role("img", name="扫码登录二维码")
    expect(image).to_have_attribute("src", re.compile(r"^data:image/png;base64,"))
    # What is drawn on the screen, not the DOM's text: a screenshot of the image, decoded.
    png = image.screenshot()
    results = zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))
    assert len(results) == 1, "no QR code on the page"
    return results[0].text


def test_a_citizen_logs_in_by_scanning_the_qr_with_the_app(page: Page, hall, chromium):
    # GIVEN the login page, switched to 扫码登录 from the keyboard
    page.goto("/login")
    page.get_by_role("tab", name="账号密码").focus()
    page.keyboard.press("ArrowLeft")
    qr_tab = page.get_by_role("tab", name="扫码登录")
    expect(qr_tab).to_have_attribute("aria-selected", "true")
    panel = page.get_by_role("tabpanel", name="扫码登录")
    expect(panel).to_contain_text("使用江苏智慧人社APP扫一扫功能扫码登录")
    expect(panel.locator(".qr-countdown")).to_have_text(re.compile(r"^二维码有效期剩余 \d+ 秒$"))
    expect(panel.get_by_role("status").first).to_contain_text("请使用江苏智慧人社APP扫一扫功能扫码登录")
    url = _decode_qr(page)
    assert re.fullmatch(rf"{re.escape(hall)}/qr/[A-Za-z0-9_-]{{32}}", url), url
    shot(page, "qr-login-shown")

    # WHEN the QR's URL is opened on the "phone" (another browser, no cookies of the first)
    phone_context = chromium.new_context(locale="zh-CN", viewport={"width": 400, "height": 800})
    try:
        phone = phone_context.new_page()
        phone.goto(url)
        expect(phone.get_by_role("heading", name="江苏智慧人社APP · 扫码登录")).to_be_visible()
        phone.get_by_label("证件号码/移动电话").fill(WANG["phone"])
        phone.get_by_label("密码", exact=True).fill(WANG["password"])
        phone.get_by_role("button", name="登录").click()
        # THEN the app sees who asks: time, address and browser
        expect(phone.get_by_test_id("app-user")).to_have_text("王*")
        expect(phone.locator(".dev-app-request")).to_contain_text("127.0.0.1")
        expect(phone.locator(".dev-app-request")).to_contain_text("Chrom")
        # AND the page says 请在手机上确认
        expect(panel.get_by_role("status").first).to_contain_text("请在手机上确认", timeout=20_000)
        expect(panel).to_contain_text("扫码成功，请在手机上确认")
        shot(page, "qr-login-scanned")
        confirm = phone.get_by_role("button", name="确认登录")
        expect(confirm).to_be_enabled()
        confirm.click()
        expect(phone.get_by_role("status")).to_contain_text("已确认登录")
    finally:
        phone_context.close()

    # THEN the first browser lands on the home page, logged in as 王*
    expect(page).to_have_url(f"{hall}/", timeout=20_000)
    expect_logged_in_as(page, "王*")
    shot(page, "qr-login-home")


def test_a_qr_cancelled_on_the_phone_offers_a_new_one(page: Page, hall, chromium):
    # GIVEN a QR shown; WHEN 取消 is pressed on the phone THEN the page offers 刷新二维码
    page.goto("/login?tab=qr")
    url = _decode_qr(page)
    phone_context = chromium.new_context(locale="zh-CN")
    try:
        phone = phone_context.new_page()
        phone.goto(url)
        phone.get_by_label("证件号码/移动电话").fill(WANG["phone"])
        phone.get_by_label("密码", exact=True).fill(WANG["password"])
        phone.get_by_role("button", name="登录").click()
        cancel = phone.get_by_role("button", name="取消")
        expect(cancel).to_be_enabled()
        cancel.click()
        expect(phone.get_by_role("status")).to_contain_text("已取消登录")
    finally:
        phone_context.close()
    panel = page.get_by_role("tabpanel", name="扫码登录")
    expect(panel).to_contain_text("已在手机上取消登录", timeout=20_000)
    refresh = panel.get_by_role("button", name="刷新二维码")
    expect(refresh).to_be_visible()
    refresh.press("Enter")
    expect(refresh).to_be_hidden()
    assert _decode_qr(page) != url
