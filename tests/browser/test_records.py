"""The record menus and the 社会保险个人权益记录单 in a real browser.

GIVEN the hall on `chalice local` with the demo citizens and the social-insurance systems' local
counterpart (demo/si_records.json): 陈小明 (实名用户),
WHEN he opens every record menu of 个人中心, picks a year, binds a relative and views their records, and
downloads his 权益单,
THEN each list shows its year's months, the mother's name is masked, and the PDF checks out as
真实有效 on the public 核验 page (by its code and by its file).
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.axe import violations
from tests.browser.citizen import login_by_password, shot

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

CHEN = {"id_number": "320102199003071239", "password": "Jshall#2024"}
FATHER = {"name": "周父亲", "id_number": "320102195803220038"}  # in the base library and the records' demo data
MENUS = (
    ("我的缴费记录", "payments"),
    ("我的社保记录", "social-insurance"),
    ("我的公积金记录", "housing-fund"),
    ("我的医保记录", "medical"),
    ("我的失业保险记录", "unemployment"),
    ("我的工伤保险记录", "injury"),
    ("我的生育保险记录", "maternity"),
)


def _login(page: Page, hall: str) -> None:
    login_by_password(page, CHEN["id_number"], CHEN["password"])
    expect(page).to_have_url(f"{hall}/")


def test_every_record_menu_lists_a_years_records(axe_page: Page, hall):
    page = axe_page
    _login(page, hall)
    page.goto("/user")
    menu = page.get_by_role("navigation", name="个人中心菜单")
    for label, slug in MENUS:
        menu.get_by_role("link", name=label).click()
        expect(page).to_have_url(f"{hall}/user/records/{slug}")
        expect(menu.get_by_role("link", name=label)).to_have_attribute("aria-current", "page")
        expect(page.get_by_role("heading", level=1)).to_have_text(label)
        table = page.get_by_test_id("records-table")
        expect(table).to_be_visible()
        expect(table.locator("caption")).to_contain_text("陈小明")
        expect(table.get_by_role("columnheader", name="费款所属期")).to_be_visible()
        # WHEN another year is chosen THEN that year's months are listed
        page.get_by_label("年度").select_option("2018")
        page.get_by_role("button", name="查询").click()
        expect(page).to_have_url(re.compile(rf"/user/records/{slug}\?(relative=&)?year=2018$"))
        expect(table.locator("caption")).to_contain_text("2018年")
        expect(table.get_by_role("rowheader", name="2018年12月").first).to_be_visible()
        expect(table.get_by_role("rowheader", name="2018年01月").first).to_be_visible()
        assert violations(page) == [], slug
    shot(page, "records-maternity-2018")

    # AND a 亲情号's records are shown read-only, the name masked. The relative is bound here and
    # unbound at the end (the demo's 陈母亲 may have been freed by an appeal test on this stack).
    page.goto("/user/family")
    form = page.locator("#family-form")
    form.get_by_label("姓名").fill(FATHER["name"])
    form.get_by_label("证件类型").select_option(label="居民身份证")
    form.get_by_label("证件号码").fill(FATHER["id_number"])
    form.get_by_label("关系").select_option(label="父母")
    form.get_by_role("button", name="添加").click()
    expect(page.get_by_test_id("family-status")).to_have_text("已绑定亲情号 周*（父母）")
    try:
        page.goto("/user/records/social-insurance")
        page.get_by_label("查看").select_option(label="亲情号：周*（父母）")
        page.get_by_role("button", name="查询").click()
        expect(page.get_by_test_id("records-read-only")).to_be_visible()
        page.get_by_label("年度").select_option("2010")
        page.get_by_role("button", name="查询").click()
        expect(page.get_by_test_id("records-read-only")).to_contain_text("仅可查看")
        expect(page.get_by_test_id("records-table").locator("caption")).to_contain_text("周*")
        expect(page.get_by_test_id("records-table")).to_contain_text("南京化工机械厂")
        assert FATHER["name"] not in page.content()
    finally:
        page.goto("/user/family")
        page.get_by_role("button", name="解绑 周*（父母）").click()
        page.get_by_role("button", name="确认解绑 周*").click()
        expect(page.get_by_test_id("family-status")).to_be_visible()
        expect(page.get_by_role("button", name="解绑 周*（父母）")).to_have_count(0)


def test_a_statement_downloads_and_checks_out_as_genuine(axe_page: Page, hall, tmp_path):
    page = axe_page
    _login(page, hall)
    page.goto("/user")
    page.get_by_role("navigation", name="个人中心菜单").get_by_role("link", name="我的权益单").click()
    expect(page).to_have_url(f"{hall}/user/records/rights")
    page.get_by_label("年度").select_option("2019")
    page.get_by_role("button", name="查询").click()
    table = page.get_by_test_id("statement-table")
    expect(table.locator("caption")).to_contain_text("2019年度社会保险个人权益记录单（城镇职工）")
    expect(table.locator("caption")).to_contain_text("2019年7月至2020年6月")
    expect(page.get_by_test_id("statement-notice")).to_have_text(
        "请及时对记录单内容进行审核，如有异议请到参保地经办机构进行核实、处理。"
    )
    expect(page.get_by_test_id("statement-name")).to_have_text("陈小明")
    assert violations(page) == []
    shot(page, "records-statement-2019")

    # WHEN 下载 is clicked THEN a PDF arrives
    with page.expect_download() as info:
        page.get_by_role("link", name="下载").click()
    download = info.value
    assert download.failure() is None
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    pdf = saved.read_bytes()
    assert pdf.startswith(b"%PDF-") and saved.name.endswith(".pdf")
    code = pdf.rsplit(b"%HALL-STATEMENT ", 1)[1].split(b" ")[0].decode()

    # AND the QR's page says 真实有效, and so does the file itself on the 核验 page
    page.goto(f"/verify/{code}")
    expect(page.get_by_test_id("verify-code-result")).to_contain_text("真实有效")
    expect(page.get_by_test_id("verify-code-result")).to_contain_text("2019年度社会保险个人权益记录单")
    page.get_by_label("选择记录单PDF文件核验").set_input_files(str(saved))
    page.get_by_role("button", name="核验文件").click()
    result = page.get_by_test_id("verify-file-result")
    expect(result).to_contain_text("真实有效")
    expect(result).to_be_focused()
    assert violations(page) == []
    shot(page, "records-verify")

    # AND a file with one byte changed cannot be verified
    changed = bytearray(pdf)
    changed[len(pdf) // 2] ^= 0x01
    (tmp_path / "changed.pdf").write_bytes(bytes(changed))
    page.get_by_label("选择记录单PDF文件核验").set_input_files(str(tmp_path / "changed.pdf"))
    page.get_by_role("button", name="核验文件").click()
    expect(result).to_contain_text("无法验证")
