"""支付宝登录 in a real browser, through the local 支付宝 (its own process, over HTTP).

GIVEN the login page,
WHEN the citizen chooses 其他登录方式 → 支付宝, the QR drawn on Alipay's page is decoded and
     opened on the "phone" (a second browser), where 小明 (preset-linked to the demo citizen
     陈小明) presses 授权,
THEN the PC's page goes on by itself to the hall's home page, showing 陈* top-right.
"""

from __future__ import annotations

import io
import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.citizen import expect_logged_in_as, shot

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]


def _decode_qr(page: Page) -> str:
    import zxingcpp
    from PIL import Image

    png = page.get_by_role("img", name="支付宝登录二维码").screenshot()
    results = zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))
    assert len(results) == 1, "no QR code on the page"
    return results[0].text


def test_a_citizen_logs_in_through_alipay(page: Page, hall, chromium):
    page.goto("/login")
    page.get_by_role("link", name="支付宝").click()
    # Alipay's authorize page, as the manual shows it: a 支付宝 QR
    expect(page.get_by_role("heading", name="支付宝扫码登录")).to_be_visible()
    url = _decode_qr(page)
    assert "/phone/" in url, url
    shot(page, "alipay-qr")
    # The "phone": Alipay's app, logged in as 小明, asks to 授权
    phone = chromium.new_page()
    try:
        phone.goto(url)
        expect(phone.get_by_role("heading", name="授权")).to_be_visible()
        phone.get_by_label(re.compile("小明")).check()
        phone.get_by_role("button", name="授权", exact=True).click()
        expect(phone.get_by_text("授权成功")).to_be_visible()
    finally:
        phone.close()
    # The PC goes on to the hall's home page, logged in
    expect(page).to_have_url(re.compile(re.escape(hall) + r"/$"), timeout=15000)
    expect_logged_in_as(page, "陈*")
    shot(page, "alipay-logged-in")
