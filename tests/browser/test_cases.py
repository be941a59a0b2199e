"""在线办理, 办件 and 好差评 in a real browser.

GIVEN the hall in Chromium with the demo citizens (阿依古丽·买买提, 实名用户, whose seeded cases
include one 待评价; 周杰, 注册用户),
WHEN a citizen applies for a service, the back office's local counterpart (the dev page) finishes
the case and the citizen evaluates it,
THEN the cards count each change, the case page shows what happened, and an evaluation is given once.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.axe import violations
from tests.browser.citizen import login_by_password, shot

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

# Demo accounts (README / demo/citizens.json).
AYGUL = {"phone": "15000000001", "password": "Hall2024!ok"}
ZHOU = {"phone": "18600000002", "password": "Zhou#Jie2024"}


def card_count(page: Page, which: str) -> int:
    page.goto("/user")
    return int(page.get_by_test_id(f"case-card-{which}").locator("[data-count]").inner_text())


def test_apply_see_the_case_finish_it_and_evaluate_it(page: Page, hall):
    login_by_password(page, AYGUL["phone"], AYGUL["password"])
    expect(page).not_to_have_url(re.compile("/login"))
    # GIVEN the user center's cards (the demo citizen's seeded cases counted)
    handling, due = card_count(page, "handling"), card_count(page, "due")
    expect(page.get_by_test_id("case-cards").get_by_role("link", name=re.compile("待评价"))).to_be_visible()
    shot(page, "cases-home")

    # WHEN the citizen fills in 在线办理 of 高校毕业生接收手续办理 (the form drawn from the service)
    page.goto("/services/JY0001/apply")
    expect(page.get_by_test_id("current-step")).to_have_text("当前步骤：第1步（共3步）填写申请信息")
    form = page.locator("#apply-form")
    form.get_by_role("button", name="提交申请").click()
    # THEN a required field left empty is said next to it, and focus goes there
    expect(form.get_by_label("毕业院校或工作单位")).to_be_focused()
    expect(form.get_by_label("毕业院校或工作单位")).to_have_attribute("aria-invalid", "true")
    form.get_by_label("毕业院校或工作单位").fill("南京大学")
    form.get_by_label("专业").fill("软件工程")
    form.get_by_label("联系电话").fill("15000000001")
    form.get_by_role("button", name="提交申请").click()

    # THEN the case's page says it was made, in 办理中, with its number and department
    expect(page).to_have_url(re.compile(r"/user/cases/320000[0-9]{16}\?applied=1$"))
    expect(page.get_by_test_id("case-applied")).to_contain_text("申请已提交")
    expect(page.get_by_test_id("case-service")).to_have_text("高校毕业生接收手续办理")
    expect(page.get_by_test_id("case-status")).to_have_text("办理中")
    case_id = page.get_by_test_id("case-id").inner_text().strip()
    shot(page, "cases-applied")
    assert card_count(page, "handling") == handling + 1
    page.get_by_test_id("case-card-handling").click()
    expect(page.get_by_test_id("case-list").locator(f'tr[data-case-id="{case_id}"]')).to_be_visible()

    # WHEN the back office (its local counterpart) finishes it
    page.goto(f"/user/cases/{case_id}")
    page.get_by_role("link", name="业务经办系统（本地模拟）").click()
    expect(page.get_by_label("办件编号")).to_have_value(case_id)
    page.get_by_role("button", name="办结").click()
    expect(page.get_by_test_id("back-office-status")).to_contain_text(f"办件 {case_id} 已办结")
    # THEN it waits for the citizen's evaluation
    assert card_count(page, "due") == due + 1
    page.get_by_test_id("case-card-due").click()
    expect(page.get_by_test_id("case-card-due")).to_have_attribute("aria-current", "page")
    page.get_by_role("link", name=f"去评价：高校毕业生接收手续办理 {case_id}").click()
    expect(page.get_by_test_id("case-status")).to_have_text("已办结")

    # WHEN they choose 不满意 without saying why THEN the comment is asked for
    evaluation = page.locator("#evaluation-form")
    evaluation.get_by_label("不满意", exact=True).check()
    evaluation.get_by_role("button", name="提交评价").click()
    expect(evaluation.get_by_label("评价内容")).to_be_focused()
    expect(evaluation.locator('[data-for="comment"]')).to_contain_text("请填写评价内容")
    # WHEN they say why THEN the evaluation is recorded, said and focused, and the case leaves 待评价
    evaluation.get_by_label("评价内容").fill("材料要求不够清楚")
    evaluation.get_by_role("button", name="提交评价").click()
    status = page.locator("[data-evaluation-status]")
    expect(status).to_contain_text("评价成功：不满意")
    expect(status).to_be_focused()
    shot(page, "cases-evaluated")
    page.reload()
    expect(page.get_by_test_id("case-evaluated")).to_contain_text("不满意")
    expect(page.locator("#evaluation-form")).to_have_count(0)
    assert card_count(page, "due") == due


def test_a_service_above_the_level_says_which_level_and_how(page: Page, hall):
    login_by_password(page, ZHOU["phone"], ZHOU["password"])
    expect(page).not_to_have_url(re.compile("/login"))
    page.goto("/services/JY0001/apply")
    notice = page.get_by_test_id("apply-level-missing")
    expect(notice).to_contain_text("该业务需要实名用户办理，您当前为注册用户")
    expect(notice.get_by_role("link", name="去完成实名用户认证")).to_have_attribute("href", "/user/profile#real-name")
    expect(page.locator("#apply-form")).to_have_count(0)


def test_the_cases_pages_pass_axe(axe_page: Page, hall):
    login_by_password(axe_page, AYGUL["phone"], AYGUL["password"])
    expect(axe_page).not_to_have_url(re.compile("/login"))
    found = {}
    for path in ("/user", "/user/cases?status=due", "/services/JY0001/apply", "/dev/back-office"):
        axe_page.goto(path)
        found[path] = violations(axe_page)
    axe_page.goto("/user/cases?status=due")
    link = axe_page.get_by_test_id("case-list").get_by_role("link").first
    link.click()
    expect(axe_page.locator("#evaluation-form")).to_be_visible()
    found["case"] = violations(axe_page)
    assert {path: problems for path, problems in found.items() if problems} == {}
