"""用户申诉 in a real browser: each of the four types end to end, through the pages.

The face checks are passed as a citizen would: the QR actually drawn is decoded and opened in a
second browser playing the provider, where 通过 is pressed. SMS codes and captcha answers come
from the dev outbox. 陈母亲 (README's demo people) is freed by 亲情号解绑 and then registers; a
phone someone else registered is freed by 移动电话已被占用 and then registered with.
"""

from __future__ import annotations

import io
import json
import re
import time
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from chalicelib.domain.masking import mask_name
from tests.browser.axe import violations
from tests.browser.citizen import expect_logged_in_as, request_sms_code, shot
from tests.support import make_phone, make_resident_id

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

DEMO = json.loads((Path(__file__).resolve().parents[2] / "demo/citizens.json").read_text("utf-8"))
MOTHER = next(c for c in DEMO["base_library"] if c["name"] == "陈母亲")
PASSWORD = "Appeal#2025ok"


def _account(hall_env, name: str, id_number: str, phone: str) -> None:
    """An account made in the hall's own tables (no SMS code sent, so no phone's minute is spent)."""
    from chalicelib import clock, settings
    from chalicelib.citizen_data import protect_id_number, protect_name, protect_phone
    from chalicelib.domain import passwords
    from chalicelib.store import accounts

    with hall_env():
        accounts.create(
            accounts.NewAccount(
                id_type="resident_id",
                id_number=protect_id_number(id_number),
                name=protect_name(name),
                phone=protect_phone(phone),
                password_hash=passwords.hash_password("Squat#2024x"),
                level=1,
                agreement_version=settings.get().agreement_version,
                agreement_accepted_at=clock.now(),
            ),
            clock.now(),
        )


def _current_step(page: Page, text: str) -> None:
    expect(page.get_by_test_id("current-step")).to_have_text(text)
    current = page.get_by_test_id("appeal-steps").locator('[aria-current="step"]')
    expect(current).to_have_count(1)


def _decode_qr(page: Page) -> str:
    import zxingcpp
    from PIL import Image

    image = page.get_by_role("img", name="人脸识别二维码")
    expect(image).to_have_attribute("src", re.compile(r"^data:image/png;base64,"))
    results = zxingcpp.read_barcodes(Image.open(io.BytesIO(image.screenshot())))
    assert len(results) == 1, "no QR code on the page"
    return results[0].text


def _face_passes(page: Page, chromium, masked_name: str) -> None:
    """The citizen scans the QR with the phone (a second browser playing the provider): 通过."""
    url = _decode_qr(page)
    phone_context = chromium.new_context(locale="zh-CN")
    try:
        phone = phone_context.new_page()
        phone.goto(url)
        expect(phone.get_by_test_id("face-person-name")).to_have_text(masked_name)
        expect(phone.locator("main")).to_contain_text("用户申诉")
        phone.get_by_role("button", name="通过", exact=True).click()
        expect(phone.get_by_role("status")).to_have_text("人脸识别通过，请返回电脑继续办理")
    finally:
        phone_context.close()


def _identify(page: Page, kind_title: str, steps: int, first_step: str, id_number: str, name: str) -> None:
    expect(page.get_by_role("heading", name=kind_title)).to_be_visible()
    _current_step(page, f"当前步骤：第1步（共{steps}步）{first_step}")
    form = page.locator("#appeal-identify-form")
    form.get_by_label("证件类型").select_option(label="居民身份证")
    form.get_by_label("证件号码").fill(id_number)
    form.get_by_label("姓名").fill(name)
    # 人脸识别授权 first: without it the form says so next to the checkbox
    form.get_by_role("button", name="下一步").click()
    expect(form.locator(".field-error[data-for='face_consent']")).not_to_be_empty()
    form.get_by_label("我已阅读上述说明，同意进行人脸识别").check()
    form.get_by_role("button", name="下一步").click()


def test_chen_mother_is_freed_by_family_appeal_then_registers(page: Page, chromium, hall):
    # GIVEN 陈母亲 (README), whose ID 陈小明 bound as a 亲情号: registration is refused, pointing to 用户申诉
    phone = make_phone()
    page.goto("/register")
    form = page.locator("#register-form")
    form.get_by_label("证件类型").select_option(label="居民身份证")
    form.get_by_label("证件号码").fill(MOTHER["id_number"])
    form.get_by_label("姓名").fill("陈母亲")
    form.get_by_label("移动电话").fill(phone)
    form.get_by_label("短信验证码").fill(request_sms_code(page, "register-form", phone))
    sent_at = time.monotonic()
    form.get_by_label("密码", exact=True).fill(PASSWORD)
    form.get_by_label("确认密码").fill(PASSWORD)
    form.get_by_label("我已阅读并同意《个人用户注册协议》中的内容").check()
    form.get_by_role("button", name="注册").click()
    link = page.locator("#id_number-error").get_by_role("link", name="用户申诉")
    expect(link).to_have_attribute("href", "/appeal?type=family_number_bound")

    # WHEN she follows it: 亲情号解绑申诉, 填写证件信息 ● 人脸认证 ● 完成申诉
    link.click()
    expect(page.locator('[data-appeal="family_number_bound"]')).to_have_attribute("aria-current", "true")
    expect(page.get_by_test_id("appeal-instructions")).to_contain_text(
        "人脸通过后完成申请，自动解除绑定关系后，该用户可以自行注册帐号。"
    )
    _identify(page, "亲情号解绑申诉", 3, "填写证件信息", MOTHER["id_number"], "陈母亲")
    _current_step(page, "当前步骤：第2步（共3步）人脸认证")
    expect(page.get_by_test_id("face-check")).to_contain_text(
        "请使用支付宝APP人脸识别或通过江苏智慧人社APP扫一扫功能扫码进行认证"
    )
    shot(page, "appeal-family-face")
    _face_passes(page, chromium, mask_name("陈母亲"))

    # THEN the appeal is complete and the binding released
    _current_step(page, "当前步骤：第3步（共3步）完成申诉")
    done = page.locator("#appeal-done")
    expect(done).to_contain_text("已自动解除亲情号绑定关系")
    shot(page, "appeal-family-done")

    # AND she registers (a new code, after the phone's minute between codes)
    done.get_by_role("link", name="立即注册").click()
    expect(page).to_have_url(f"{hall}/register")
    time.sleep(max(0.0, 61 - (time.monotonic() - sent_at)))
    form = page.locator("#register-form")
    form.get_by_label("证件类型").select_option(label="居民身份证")
    form.get_by_label("证件号码").fill(MOTHER["id_number"])
    form.get_by_label("姓名").fill("陈母亲")
    form.get_by_label("移动电话").fill(phone)
    form.get_by_label("短信验证码").fill(request_sms_code(page, "register-form", phone))
    form.get_by_label("密码", exact=True).fill(PASSWORD)
    form.get_by_label("确认密码").fill(PASSWORD)
    form.get_by_label("我已阅读并同意《个人用户注册协议》中的内容").check()
    form.get_by_role("button", name="注册").click()
    expect_logged_in_as(page, mask_name("陈母亲"))


def test_a_taken_phone_is_freed_by_appeal_then_registered_with(page: Page, chromium, hall_env):
    # GIVEN someone else registered the citizen's phone
    phone = make_phone()
    _account(hall_env, "李四", make_resident_id(region="320106"), phone)
    citizen = {"name": "孙丽", "id_number": make_resident_id(region="320104", birth="19930418")}

    # WHEN the citizen files 移动电话已被占用 from the appeal page
    page.goto("/register")
    page.get_by_test_id("register-notes").get_by_role("link", name="用户申诉").click()
    page.get_by_role("link", name="移动电话已被占用").click()
    expect(page.get_by_test_id("appeal-steps")).to_contain_text("短信验证")
    _identify(page, "移动电话已被占用申诉", 4, "填写证件信息", citizen["id_number"], citizen["name"])
    _current_step(page, "当前步骤：第2步（共4步）人脸识别")
    _face_passes(page, chromium, mask_name(citizen["name"]))
    # 新手机号 + 短信验证
    _current_step(page, "当前步骤：第3步（共4步）短信验证")
    form = page.locator("#appeal-phone-form")
    form.get_by_label("移动电话").fill(phone)
    code = request_sms_code(page, "appeal-phone-form", phone)
    sent_at = time.monotonic()
    form.get_by_label("短信验证码").fill(code)
    shot(page, "appeal-phone-sms")
    form.get_by_role("button", name="下一步").click()

    # THEN the phone is free, and the citizen registers with it
    _current_step(page, "当前步骤：第4步（共4步）完成申诉")
    done = page.locator("#appeal-done")
    expect(done).to_contain_text("移动电话已解除占用，您可以使用该手机号注册。")
    done.get_by_role("link", name="立即注册").click()
    time.sleep(max(0.0, 61 - (time.monotonic() - sent_at)))
    form = page.locator("#register-form")
    form.get_by_label("证件类型").select_option(label="居民身份证")
    form.get_by_label("证件号码").fill(citizen["id_number"])
    form.get_by_label("姓名").fill(citizen["name"])
    form.get_by_label("移动电话").fill(phone)
    form.get_by_label("短信验证码").fill(request_sms_code(page, "register-form", phone))
    form.get_by_label("密码", exact=True).fill(PASSWORD)
    form.get_by_label("确认密码").fill(PASSWORD)
    form.get_by_label("我已阅读并同意《个人用户注册协议》中的内容").check()
    form.get_by_role("button", name="注册").click()
    expect_logged_in_as(page, mask_name(citizen["name"]))


def test_a_taken_id_number_is_taken_back_by_appeal(page: Page, chromium, hall_env):
    # GIVEN someone registered the citizen's ID under another name
    citizen = {"name": "刘洋", "id_number": make_resident_id(region="320205", birth="19980312")}
    _account(hall_env, "李四", citizen["id_number"], make_phone())

    # WHEN the citizen files 证件号码被占用: 填写证件信息 ● 人脸识别 ● 设置新密码 ● 完成申诉
    page.goto("/appeal?type=id_number_taken")
    expect(page.get_by_test_id("appeal-instructions")).to_contain_text("4.人脸识别通过后设置新密码。")
    _identify(page, "证件号码被占用申诉", 4, "填写证件信息", citizen["id_number"], citizen["name"])
    _current_step(page, "当前步骤：第2步（共4步）人脸识别")
    _face_passes(page, chromium, mask_name(citizen["name"]))
    _current_step(page, "当前步骤：第3步（共4步）设置新密码")
    form = page.locator("#appeal-password-form")
    form.get_by_label("密码", exact=True).fill("abc")
    form.get_by_label("确认密码").fill("abc")
    form.get_by_role("button", name="下一步").click()
    expect(form.locator(".field-error[data-for='password']")).not_to_be_empty()
    form.get_by_label("密码", exact=True).fill(PASSWORD)
    form.get_by_label("确认密码").fill(PASSWORD)
    shot(page, "appeal-id-password")
    form.get_by_role("button", name="下一步").click()

    # THEN the account is theirs: 立即登录 with the ID number and the new password
    _current_step(page, "当前步骤：第4步（共4步）完成申诉")
    expect(page.locator("#appeal-done")).to_contain_text("设置密码成功，请牢记新的登录密码")
    page.locator("#appeal-done").get_by_role("link", name="立即登录").click()
    panel = page.get_by_role("tabpanel", name="账号密码")
    panel.get_by_label("证件号码/移动电话").fill(citizen["id_number"])
    panel.get_by_label("密码", exact=True).fill(PASSWORD)
    panel.get_by_role("button", name="登录").click()
    expect_logged_in_as(page, mask_name(citizen["name"]))


def test_an_other_ticket_is_answered_by_staff_and_looked_up(page: Page, hall, hall_env):
    phone = make_phone()
    text = "我的账户信息有误，姓名显示不正确，请帮忙更正。"
    # GIVEN the 其他 appeal: 填写申诉信息 ● 完成申诉
    page.goto("/appeal?type=other")
    _current_step(page, "当前步骤：第1步（共2步）填写申诉信息")
    form = page.locator("#appeal-ticket-form")
    form.get_by_label("问题类别").select_option(label="账户信息有误")
    form.get_by_label("申诉内容").fill(text)
    form.get_by_label("联系电话").fill(phone)
    form.get_by_label("短信验证码").fill(request_sms_code(page, "appeal-ticket-form", phone))
    form.get_by_role("button", name="提交申诉").click()
    # THEN it has a 申诉编号
    _current_step(page, "当前步骤：第2步（共2步）完成申诉")
    number = page.get_by_test_id("appeal-number").inner_text().strip()
    assert re.fullmatch(r"[0-9]{18}", number), number
    shot(page, "appeal-other-done")

    # WHEN staff resolve it through the staff API (the dev stage's operator credential)
    from chalicelib.flows import appeals

    with hall_env():
        credential = appeals.operator_credential()
    answer = page.request.post(
        f"{hall}/api/admin/appeals/{number}/decision",
        headers={"X-Hall-Operator": credential, "Content-Type": "application/json"},
        data=json.dumps({"decision": "resolve", "note": "已为您更正姓名。"}),
    )
    assert answer.status == 200, answer.text()

    # THEN the citizen looks it up with the number and the phone
    page.get_by_role("link", name="查询处理进展").click()
    lookup = page.locator("#appeal-lookup-form")
    lookup.get_by_label("申诉编号").fill(number)
    lookup.get_by_label("联系电话").fill(phone)
    lookup.get_by_role("button", name="查询").click()
    expect(page.get_by_test_id("appeal-status")).to_have_text("已办结")
    expect(page.get_by_test_id("appeal-history")).to_contain_text("已为您更正姓名。")
    expect(page.get_by_role("heading", name="申诉处理进展")).to_be_focused()
    # AND another phone finds nothing
    lookup.get_by_label("联系电话").fill(make_phone())
    lookup.get_by_role("button", name="查询").click()
    expect(lookup.get_by_role("alert")).to_have_text("未找到该申诉，请核对申诉编号和联系电话")


def test_each_appeal_page_and_step_is_accessible(axe_page: Page, chromium):
    for kind in ("id_number_taken", "phone_taken", "family_number_bound", "other"):
        axe_page.goto(f"/appeal?type={kind}")
        expect(axe_page.get_by_test_id("appeal-steps")).to_be_visible()
        assert violations(axe_page) == [], kind
    axe_page.goto("/appeal/lookup")
    assert violations(axe_page) == []
    # The 人脸识别 step, with its QR, and the 设置新密码 step
    axe_page.goto("/appeal?type=id_number_taken")
    _identify(axe_page, "证件号码被占用申诉", 4, "填写证件信息", make_resident_id(region="320583"), "王小芳")
    expect(axe_page.get_by_role("img", name="人脸识别二维码")).to_be_visible()
    assert violations(axe_page) == []
