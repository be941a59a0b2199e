"""人脸识别 in a real browser: the consent and QR partial, the page's poll, the local provider.

No host flow is built on it yet, so the host here exists only in this test: the check is started
in-process exactly as a host flow's handler starts it (the service, then the binding cookie), and
a page of the hall's origin holding nothing but the partial (templates/_face_check.html) and the
hall's own script is given its `face` view by the `face-check:start` event a host page dispatches.
GIVEN that page, WHEN the QR actually drawn is decoded (zxing-cpp) and its URL opened in a second
browser playing the provider, where 通过 (or 不通过) is pressed, THEN the first page announces the
outcome its poll read and dispatches face-check:passed (or face-check:failed).
"""

from __future__ import annotations

import io
import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.axe import violations

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

HOST_PATH = "/test-host/face-check"


def _host_html() -> str:
    from chalicelib.handlers import pages

    partial = pages._environment().get_template("_face_check.html").render()
    return (
        '<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>人脸识别（测试宿主页）</title>'
        '<link rel="stylesheet" href="/static/hall.css"><script type="module" src="/static/hall.js"></script>'
        f"</head><body><main><h1>找回密码</h1><form novalidate>{partial}</form></main></body></html>"
    )


@pytest.fixture
def started(hall_env):
    """A check for 王芳 (a fictional citizen, no account), started as a host flow would."""
    from tests.face_support import start_face_check
    from tests.support import new_citizen

    with hall_env():
        return start_face_check(None, new_citizen(name="王芳"), purpose="recovery", owner="recovery#browser-test")


def _open_host(page: Page, hall: str, check) -> None:
    page.goto("/")  # the hall's CSRF cookie, as any page of the hall sets it
    page.context.add_cookies([{"name": "hall_face", "value": check.browser_secret, "url": hall, "httpOnly": True}])
    page.route(f"{hall}{HOST_PATH}", lambda route: route.fulfill(body=_host_html(), content_type="text/html"))
    page.goto(HOST_PATH)
    box = page.get_by_test_id("face-check")
    expect(box).to_contain_text("不接收、不保存您的人脸图像或人脸特征信息")
    page.get_by_label("我已阅读上述说明，同意进行人脸识别").check()
    page.evaluate(
        """(view) => {
             const box = document.querySelector('[data-module="face-check"]');
             box.addEventListener("face-check:passed", (e) => { window.faceOutcome = ["passed", e.detail.face_id]; });
             box.addEventListener("face-check:failed", (e) => { window.faceOutcome = ["failed", e.detail.reason]; });
             box.dispatchEvent(new CustomEvent("face-check:start", { detail: view }));
           }""",
        check.view,
    )


def _decode_qr(page: Page) -> str:
    import zxingcpp
    from PIL import Image

    image = page.get_by_role("img", name="人脸识别二维码")
    expect(image).to_have_attribute("src", re.compile(r"^data:image/png;base64,"))
    results = zxingcpp.read_barcodes(Image.open(io.BytesIO(image.screenshot())))
    assert len(results) == 1, "no QR code on the page"
    return results[0].text


def _provider_presses(chromium, url: str, button: str, answer: str) -> None:
    phone_context = chromium.new_context(locale="zh-CN")
    try:
        phone = phone_context.new_page()
        phone.goto(url)
        expect(phone.get_by_role("heading", name="人脸识别 · 本地模拟")).to_be_visible()
        expect(phone.get_by_test_id("face-person-name")).to_have_text("王*")
        expect(phone.locator("main")).to_contain_text("忘记密码找回")
        phone.get_by_role("button", name=button, exact=True).click()
        expect(phone.get_by_role("status")).to_have_text(answer)
    finally:
        phone_context.close()


def test_a_passed_face_check_reaches_the_page_that_started_it(page: Page, hall, chromium, started):
    _open_host(page, hall, started)
    expect(page.get_by_role("heading", name="人脸识别")).to_be_focused()
    expect(page.get_by_test_id("face-check")).to_contain_text(
        "请使用支付宝APP人脸识别或通过江苏智慧人社APP扫一扫功能扫码进行认证"
    )
    status = page.get_by_test_id("face-check").get_by_role("status")
    expect(status).to_have_text("二维码已显示，请使用支付宝APP或江苏智慧人社APP扫码，完成人脸识别")
    url = _decode_qr(page)
    assert url == f"{hall}/face/{started.face_id}", url

    _provider_presses(chromium, url, "通过", "人脸识别通过，请返回电脑继续办理")

    expect(status).to_have_text("人脸识别通过")
    expect(status).to_be_focused()
    page.wait_for_function("() => window.faceOutcome !== undefined")
    assert page.evaluate("() => window.faceOutcome") == ["passed", started.face_id]
    # The poll's own answer, from this browser (its binding cookie): passed, and still unused.
    answer = page.evaluate(
        """async (id) => {
             const csrf = document.cookie.match(/(?:^|; )hall_csrf=([^;]+)/)[1];
             const r = await fetch(`/api/face-checks/${id}`, {method: "POST", body: "{}",
               headers: {"Content-Type": "application/json", "X-CSRF-Token": decodeURIComponent(csrf)}});
             return [r.status, await r.json()];
           }""",
        started.face_id,
    )
    assert answer == [200, {"status": "passed", "face_id": started.face_id}]


def test_a_failed_face_check_is_announced_and_the_consent_offered_again(page: Page, hall, chromium, started):
    _open_host(page, hall, started)
    _provider_presses(chromium, _decode_qr(page), "不通过", "人脸识别未通过，请返回电脑查看")
    status = page.get_by_test_id("face-check").get_by_role("status")
    expect(status).to_have_text("人脸识别未通过，请重新进行人脸识别")
    expect(status).to_be_focused()
    expect(page.get_by_label("我已阅读上述说明，同意进行人脸识别")).to_be_visible()
    page.wait_for_function("() => window.faceOutcome !== undefined")
    assert page.evaluate("() => window.faceOutcome") == ["failed", "denied"]


def test_the_face_check_partial_and_the_provider_page_are_accessible(axe_page: Page, hall, started):
    _open_host(axe_page, hall, started)
    expect(axe_page.get_by_role("img", name="人脸识别二维码")).to_be_visible()
    assert violations(axe_page) == []
    axe_page.goto(f"/face/{started.face_id}")
    expect(axe_page.get_by_role("button", name="不通过")).to_be_visible()
    assert violations(axe_page) == []
