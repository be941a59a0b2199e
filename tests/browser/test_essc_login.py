"""电子社保卡扫码登录 in a real browser, through the local e-SSC platform simulator.

GIVEN the login page, WHEN 其他登录方式 → 电子社保卡 is chosen, the QR actually drawn is decoded
(zxing-cpp) and its URL opened in a second browser playing the platform, where 陈小明 presses
授权登录, THEN the first browser lands on the home page with the masked name.
"""

from __future__ import annotations

import io
import re

from playwright.sync_api import Page, expect


def _decode_qr(page: Page) -> str:
    import zxingcpp
    from PIL import Image

    image = page.get_by_role("img", name="电子社保卡扫码登录二维码")
    expect(image).to_have_attribute("src", re.compile(r"^data:image/png;base64,"))
    results = zxingcpp.read_barcodes(Image.open(io.BytesIO(image.screenshot())))
    assert len(results) == 1, "no QR code on the page"
    return results[0].text


def test_a_citizen_logs_in_with_the_electronic_social_security_card(page: Page, hall, chromium):
    page.goto("/login")
    page.get_by_role("link", name="电子社保卡").click()
    expect(page.get_by_role("heading", name="电子社保卡扫码登录")).to_be_visible()
    expect(page.locator("main")).to_contain_text("请使用电子社保卡扫一扫功能扫码")
    expect(page.locator("main")).to_contain_text("每分钟自动更新，请勿将此码分享给他人")
    url = _decode_qr(page)
    assert re.fullmatch(rf"{re.escape(hall)}/essc/[A-Za-z0-9_-]{{32}}\?c=\d{{6}}", url), url

    phone_context = chromium.new_context(locale="zh-CN")
    try:
        phone = phone_context.new_page()
        phone.goto(url)
        expect(phone.get_by_role("heading", name="电子社保卡 · 授权登录")).to_be_visible()
        phone.get_by_label(re.compile("陈小明")).check()
        phone.get_by_role("button", name="授权登录").click()
        expect(phone.get_by_role("status")).to_have_text("授权成功，请返回电脑查看")
    finally:
        phone_context.close()

    page.wait_for_url(f"{hall}/")
    expect(page.locator("header")).to_contain_text("陈*")
