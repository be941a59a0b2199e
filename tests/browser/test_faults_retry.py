"""A registration whose answer is lost on the way back: the citizen presses 注册 again and is
registered once (the page sends the same Idempotency-Key for the same values)."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.browser.citizen import expect_logged_in_as
from tests.browser.test_citizen_flows import fill_registration
from tests.support import make_phone, make_resident_id

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]


def test_a_registration_whose_answer_was_lost_is_pressed_again_and_registers_once(page: Page, hall):
    keys: list[str] = []
    lost: list[int] = []

    def lose_the_first_answer(route):
        keys.append(route.request.headers.get("idempotency-key", ""))
        if not lost:
            answer = route.fetch()  # the hall registers the citizen...
            lost.append(answer.status)
            route.abort("connectionreset")  # ...but the answer never reaches the page
            return
        route.continue_()

    page.route("**/api/registrations", lose_the_first_answer)
    page.goto("/register")
    fill_registration(page, id_number=make_resident_id(), name="吴晓", phone=make_phone(), password="Wu#Xiao2025ok")
    page.get_by_role("button", name="注册").click()
    expect(page.get_by_text("网络异常，请稍后再试").first).to_be_visible()
    # WHEN the citizen presses 注册 again, values unchanged
    page.get_by_role("button", name="注册").click()
    # THEN they are registered and logged in: the same key, the same account
    expect(page).to_have_url(f"{hall}/")
    expect_logged_in_as(page, "吴*")
    assert lost == [201]
    assert len(keys) == 2 and keys[0] and keys[0] == keys[1]
