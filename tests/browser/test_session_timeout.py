"""The idle session's warning (WCAG 2.2.1, timing adjustable), in a real browser.

GIVEN a logged-in page (the session ends after 30 minutes without use), the browser's clock
moved by Playwright (no real waiting),
THEN a minute before the end a dialog says so, with focus on 继续使用; the seconds left are
announced at 30 and 10, not every second; 继续使用 (or Escape) extends the session, closes the
dialog, says so and gives focus back; and left alone the dialog says 登录已超时 and offers 重新登录,
back to the same page.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.citizen import login_by_password, shot

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

CHEN = {"id_number": "320102199003071239", "password": "Jshall#2024"}


def test_a_minute_before_the_session_ends_the_page_offers_to_continue(page: Page, hall):
    page.clock.install()
    login_by_password(page, CHEN["id_number"], CHEN["password"])
    expect(page).to_have_url(f"{hall}/")
    page.goto("/user/profile")
    dialog = page.get_by_role("dialog", name="登录即将超时")
    status = page.locator(".session-status")
    search = page.get_by_role("searchbox", name="站内搜索")
    search.focus()

    # WHEN 28 and a half minutes pass THEN nothing is said yet
    page.clock.fast_forward("28:30")
    expect(dialog).to_be_hidden()
    # WHEN the last minute begins THEN the dialog opens, focus on 继续使用
    page.clock.fast_forward(45_000)
    expect(dialog).to_be_visible()
    expect(dialog).to_have_accessible_description(re.compile("登录将在\\d+秒后超时"))
    expect(dialog.get_by_role("button", name="继续使用")).to_be_focused()
    shot(page, "session-timeout-warning")
    # AND the seconds left are announced at 30, not every second
    page.clock.run_for(5_000)
    expect(status).to_have_text("")
    page.clock.run_for(15_000)
    expect(status).to_have_text(re.compile("^登录将在30秒后超时$"))

    # WHEN 继续使用 is pressed (Enter) THEN the session is extended, said, and focus goes back
    page.keyboard.press("Enter")
    expect(dialog).to_be_hidden()
    expect(status).to_have_text("已延长登录时间，您可以继续办理")
    expect(search).to_be_focused()
    assert page.request.get("/api/me").status == 200

    # AND the next warning comes a full idle period later; Escape is 继续使用 too
    page.clock.fast_forward("28:30")
    expect(dialog).to_be_hidden()
    page.clock.fast_forward(45_000)
    expect(dialog).to_be_visible()
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(status).to_have_text("已延长登录时间，您可以继续办理")

    # WHEN the citizen is away past the end THEN the dialog says so and offers 重新登录, back here
    page.clock.fast_forward("29:15")
    expect(dialog).to_be_visible()
    page.clock.fast_forward(61_000)
    ended = page.get_by_role("dialog", name="登录已超时")
    expect(ended).to_be_visible()
    relogin = ended.get_by_role("link", name="重新登录")
    expect(relogin).to_be_focused()
    expect(relogin).to_have_attribute("href", "/login?next=%2Fuser%2Fprofile")
    expect(ended.get_by_role("button", name="继续使用")).to_be_hidden()
    expect(status).to_have_text("登录已超时，请重新登录")
    shot(page, "session-timeout-ended")


def test_a_page_without_a_session_has_no_countdown(page: Page):
    page.goto("/faq")
    expect(page.locator("[data-module~='session-timeout']")).to_have_count(0)
