"""忘记密码找回 in a real browser: by SMS, and by face through the local face provider.

GIVEN a citizen who registered through the pages and is logged out, WHEN they follow 忘记密码?
from the login page and take the manual's four steps (填写账号 with the graphic captcha; 短信验证
with the code from the dev outbox, or 人脸识别 with the QR actually drawn, decoded and opened in
a second browser playing the provider, where 通过 is pressed; 设置新密码), THEN the page says
设置密码成功，请牢记新的登录密码, and 立即登录 with the new password shows their masked name.
"""

from __future__ import annotations

import io
import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.axe import violations
from tests.browser.citizen import (
    captcha_answer,
    expect_logged_in_as,
    request_sms_code,
    shot,
)
from tests.support import make_phone, make_resident_id

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

OLD_PASSWORD = "Jshall#2024"
NEW_PASSWORD = "Nanjing#2025x"


def _register(hall_env, name: str) -> dict:
    """A new citizen with an account, made in the hall's own tables (no registration code is
    sent, so the phone's minute between codes does not hold up the recovery's code)."""
    from chalicelib import clock, settings
    from chalicelib.citizen_data import protect_id_number, protect_name, protect_phone
    from chalicelib.domain import passwords
    from chalicelib.store import accounts

    citizen = {"name": name, "id_number": make_resident_id(region="320104"), "phone": make_phone()}
    with hall_env():
        accounts.create(
            accounts.NewAccount(
                id_type="resident_id",
                id_number=protect_id_number(citizen["id_number"]),
                name=protect_name(name),
                phone=protect_phone(citizen["phone"]),
                password_hash=passwords.hash_password(OLD_PASSWORD),
                level=1,
                agreement_version=settings.get().agreement_version,
                agreement_accepted_at=clock.now(),
            ),
            clock.now(),
        )
    return citizen


def _current_step(page: Page, text: str) -> None:
    expect(page.get_by_test_id("current-step")).to_have_text(text)
    expect(page.get_by_test_id("current-step")).to_be_focused()
    current = page.get_by_test_id("recover-steps").locator('[aria-current="step"]')
    expect(current).to_have_count(1)


def _fill_account(page: Page, citizen: dict) -> None:
    page.goto("/login")
    page.get_by_role("link", name="忘记密码?").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("找回密码")
    expect(page.get_by_test_id("current-step")).to_have_text("当前步骤：第1步（共4步）填写账号")
    expect(page.get_by_test_id("recover-notes")).to_contain_text("账号持有者本人完成人脸识别后进行密码重置")
    form = page.locator("#recover-account-form")
    form.get_by_label("证件类型").select_option(label="居民身份证")
    form.get_by_label("证件号码").fill(citizen["id_number"])
    form.get_by_label("姓名").fill(citizen["name"])
    form.get_by_role("button", name="下一步").click()
    dialog = page.get_by_role("dialog", name="图形验证码")
    expect(dialog).to_be_visible()
    expect(page.locator("#captcha-id")).not_to_have_value("")
    dialog.get_by_label("图形验证码", exact=True).fill(captcha_answer(page, page.locator("#captcha-id").input_value()))
    dialog.get_by_role("button", name="确认").click()
    expect(dialog).to_be_hidden()


def _set_new_password(page: Page, citizen: dict) -> None:
    _current_step(page, "当前步骤：第3步（共4步）设置新密码")
    form = page.locator("#recover-password-form")
    form.get_by_label("密码", exact=True).fill(OLD_PASSWORD)
    form.get_by_label("确认密码").fill(OLD_PASSWORD)
    form.get_by_role("button", name="下一步").click()
    expect(form.locator(".field-error[data-for='password']")).to_have_text("新密码不能与原密码相同")
    form.get_by_label("密码", exact=True).fill(NEW_PASSWORD)
    form.get_by_label("确认密码").fill(NEW_PASSWORD)
    form.get_by_role("button", name="下一步").click()
    _current_step(page, "当前步骤：第4步（共4步）完成修改")
    expect(page.get_by_test_id("recover-done")).to_have_text("设置密码成功，请牢记新的登录密码")
    shot(page, "recover-done")
    page.get_by_role("link", name="立即登录").click()
    panel = page.get_by_role("tabpanel", name="账号密码")
    panel.get_by_label("证件号码/移动电话").fill(citizen["phone"])
    panel.get_by_label("密码", exact=True).fill(NEW_PASSWORD)
    panel.get_by_role("button", name="登录").click()
    expect_logged_in_as(page, citizen["name"][0] + "*" * (len(citizen["name"]) - 1))


def test_forgot_password_by_sms_then_log_in_with_the_new_one(page: Page, hall_env):
    citizen = _register(hall_env, "赵敏")
    _fill_account(page, citizen)

    # 人脸识别 is offered first; 切换 to 短信验证
    _current_step(page, "当前步骤：第2步（共4步）人脸识别")
    expect(page.get_by_text("请使用支付宝APP/江苏智慧人社APP 人脸识别或通过短信验证码进行认证")).to_be_visible()
    page.get_by_role("button", name="切换 短信验证进行认证").click()
    _current_step(page, "当前步骤：第2步（共4步）短信验证")
    expect(page.get_by_test_id("recover-steps")).to_contain_text("短信验证")
    form = page.locator("#recover-sms-form")
    form.get_by_label("移动电话").fill(citizen["phone"])
    code = request_sms_code(page, "recover-sms-form", citizen["phone"])
    wrong = "000000" if code != "000000" else "111111"
    form.get_by_label("短信验证码").fill(wrong)
    form.get_by_role("button", name="下一步").click()
    expect(form.locator(".field-error[data-for='sms_code']")).to_have_text("短信验证码错误")
    form.get_by_label("短信验证码").fill(code)
    shot(page, "recover-sms")
    form.get_by_role("button", name="下一步").click()

    _set_new_password(page, citizen)


def _decode_qr(page: Page) -> str:
    import zxingcpp
    from PIL import Image

    image = page.get_by_role("img", name="人脸识别二维码")
    expect(image).to_have_attribute("src", re.compile(r"^data:image/png;base64,"))
    results = zxingcpp.read_barcodes(Image.open(io.BytesIO(image.screenshot())))
    assert len(results) == 1, "no QR code on the page"
    return results[0].text


def test_forgot_password_by_face_then_log_in_with_the_new_one(page: Page, chromium, hall_env):
    citizen = _register(hall_env, "钱进")
    _fill_account(page, citizen)
    _current_step(page, "当前步骤：第2步（共4步）人脸识别")

    # 人脸识别: without the consent the QR is not shown; with it, the QR to scan
    face_form = page.locator("#recover-face-form")
    face_form.get_by_role("button", name="开始人脸识别").click()
    expect(face_form.locator(".field-error[data-for='face_consent']")).to_have_text("请勾选同意人脸识别授权")
    face_form.get_by_label("我已阅读上述说明，同意进行人脸识别").check()
    face_form.get_by_role("button", name="开始人脸识别").click()
    url = _decode_qr(page)
    shot(page, "recover-face-qr")

    # The provider (a second browser, the citizen's phone) compares the face: 通过
    phone_context = chromium.new_context(locale="zh-CN")
    try:
        phone = phone_context.new_page()
        phone.goto(url)
        expect(phone.get_by_test_id("face-person-name")).to_have_text("钱*")
        expect(phone.locator("main")).to_contain_text("忘记密码找回")
        phone.get_by_role("button", name="通过", exact=True).click()
        expect(phone.get_by_role("status")).to_have_text("人脸识别通过，请返回电脑继续办理")
    finally:
        phone_context.close()

    _set_new_password(page, citizen)


def test_each_step_of_the_recovery_page_is_accessible(axe_page: Page):
    page = axe_page
    page.goto("/recover")
    assert violations(page) == []
    # The steps after the first, as they are shown (no recovery needed to look at them).
    for panel in ("#recover-sms", "#recover-password-form", "#recover-done"):
        page.evaluate(
            """(shown) => { for (const el of document.querySelectorAll('.recover-step')) el.hidden = true;
                            document.querySelector(shown).hidden = false; }""",
            panel,
        )
        assert violations(page) == [], panel
