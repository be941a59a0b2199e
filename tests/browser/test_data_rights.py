"""个人信息导出 and 注销账号 in a real browser.

GIVEN a fresh citizen registered through the page's own API calls (the demo accounts stay as they are),
WHEN they export their data, request 注销, withdraw it, request it again and log in again,
THEN the download, the cooling-off date, 撤销注销 and the login's withdrawal work end to end,
and the pages pass axe-core.
"""

from __future__ import annotations

import json

import pytest
from playwright.sync_api import Page, expect

from tests.browser.axe import violations
from tests.browser.citizen import expect_logged_in_as, login_by_password, logout, shot
from tests.browser.test_user_center import register_through_the_api

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]


def test_export_the_personal_data_after_the_password(page: Page, hall):
    citizen = register_through_the_api(page)
    # GIVEN the 个人信息导出 page, from the user center's menu
    page.get_by_role("navigation", name="个人中心菜单").get_by_role("link", name="个人信息导出").click()
    expect(page).to_have_url(f"{hall}/user/data-export")
    expect(page.get_by_role("heading", level=1)).to_have_text("个人信息导出")
    form = page.locator("#export-form")
    # WHEN the password is wrong THEN it says so next to the field, and nothing downloads
    form.get_by_label("登录密码").fill("Wrong#pass1")
    form.get_by_role("button", name="验证并导出").click()
    expect(form.locator('.field-error[data-for="password"]')).to_have_text("原密码错误")
    # WHEN it is right THEN the file downloads, holding their own unmasked data
    form.get_by_label("登录密码").fill(citizen.password)
    with page.expect_download() as download_info:
        form.get_by_role("button", name="验证并导出").click()
    download = download_info.value
    assert download.suggested_filename.startswith("personal-data-") and download.suggested_filename.endswith(".json")
    data = json.loads(open(download.path(), encoding="utf-8").read())
    assert (data["profile"]["name"], data["profile"]["id_number"], data["profile"]["phone"]) == (
        citizen.name,
        citizen.id_number,
        citizen.phone,
    )
    # AND the page says so, with focus on what it says
    status = page.get_by_test_id("rights-status")
    expect(status).to_contain_text("个人信息已导出")
    expect(status).to_be_focused()
    shot(page, "data-export-done")


def test_request_then_withdraw_the_cancellation_and_a_login_withdraws_it_too(page: Page, hall):
    citizen = register_through_the_api(page)
    page.goto("/user/cancellation")
    expect(page.get_by_role("heading", level=1)).to_have_text("注销账号")
    expect(page.get_by_text("15天冷静期")).to_be_visible()
    form = page.locator("#cancel-form")
    # WHEN they do not confirm the consequences THEN it is refused next to the checkbox
    form.get_by_label("登录密码").fill(citizen.password)
    form.get_by_role("button", name="验证并申请注销").click()
    expect(form.locator('.field-error[data-for="confirm"]')).to_have_text("请阅读并确认注销账号的后果")
    # WHEN they confirm and prove themselves THEN it is pending, with the date it falls due
    form.get_by_label("我已阅读并知晓注销账号的后果").check()
    form.get_by_role("button", name="验证并申请注销").click()
    expect(page).to_have_url(f"{hall}/user/cancellation?done=requested")
    status = page.get_by_test_id("rights-status")
    expect(status).to_contain_text("注销申请已提交")
    expect(status).to_be_focused()
    expect(page.get_by_test_id("cancel-on")).to_contain_text("年")
    shot(page, "cancellation-pending")
    # WHEN they press 撤销注销 THEN it is withdrawn
    page.get_by_role("button", name="撤销注销").click()
    expect(page).to_have_url(f"{hall}/user/cancellation?done=withdrawn")
    expect(page.get_by_test_id("rights-status")).to_contain_text("注销申请已撤销")
    expect(page.get_by_role("button", name="撤销注销")).to_have_count(0)
    # WHEN they request it again, log out and log in again
    form = page.locator("#cancel-form")
    form.get_by_label("我已阅读并知晓注销账号的后果").check()
    form.get_by_label("登录密码").fill(citizen.password)
    form.get_by_role("button", name="验证并申请注销").click()
    expect(page).to_have_url(f"{hall}/user/cancellation?done=requested")
    logout(page)
    login_by_password(page, citizen.phone, citizen.password)
    # THEN the login says the pending cancellation was withdrawn
    expect(page).to_have_url(f"{hall}/user/cancellation?withdrawn=1")
    expect(page.get_by_test_id("rights-status")).to_have_text(
        "您已重新登录，账号注销申请已撤销，您的账号可以继续正常使用。"
    )
    expect_logged_in_as(page, citizen.name[0] + "*")
    expect(page.get_by_role("button", name="撤销注销")).to_have_count(0)
    shot(page, "cancellation-withdrawn-by-login")


def test_the_pages_pass_axe_before_and_while_pending(axe_page: Page, hall):
    citizen = register_through_the_api(axe_page)
    for path in ("/user/data-export", "/user/cancellation"):
        axe_page.goto(path)
        assert violations(axe_page) == [], path
    form = axe_page.locator("#cancel-form")
    form.get_by_label("我已阅读并知晓注销账号的后果").check()
    form.get_by_label("登录密码").fill(citizen.password)
    form.get_by_role("button", name="验证并申请注销").click()
    expect(axe_page).to_have_url(f"{hall}/user/cancellation?done=requested")
    assert violations(axe_page) == []
