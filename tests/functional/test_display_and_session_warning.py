"""长者模式 (the hall_mode cookie) and what a page needs to warn before the session ends.

GIVEN the hall in-process (its clock movable),
THEN GET /display-mode remembers the mode and goes back only to a path of the hall, every page is
rendered in the mode the cookie says (a class on <html>, so no flash), a logged-in page says in how
many seconds its session would end if left idle, and GET /api/me (继续使用) slides that end and
says so (never beyond the 12 hours' limit).
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from chalicelib import clock
from tests.support import new_citizen


def _html(reply) -> str:
    return reply.body["_text"]


def _set_cookies(reply) -> list[str]:
    raw = reply.headers.get("Set-Cookie") or reply.headers.get("set-cookie") or []
    return raw if isinstance(raw, list) else [raw]


def _expires_in(html: str) -> int | None:
    match = re.search(r'data-module="session-timeout" data-expires-in="(\d+)"', html)
    return int(match.group(1)) if match else None


@pytest.fixture
def citizen(browser):
    c = new_citizen()
    assert browser.register(c).status == 201
    return c


def test_the_switch_remembers_the_mode_and_goes_back(browser):
    reply = browser.get("/display-mode?mode=elder&next=%2Fservices%2FSB0001%3Ftab%3Dguide")
    assert reply.status == 302
    assert reply.headers["Location"] == "/services/SB0001?tab=guide"
    (cookie,) = [c for c in _set_cookies(reply) if c.startswith("hall_mode=")]
    assert cookie.startswith("hall_mode=elder;") and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Max-Age=31536000" in cookie

    browser.cookies["hall_mode"] = "elder"
    page = _html(browser.get("/faq"))
    assert '<html lang="zh-CN" class="elder-mode">' in page
    # The top bar offers the way back, to this very page.
    assert 'href="/display-mode?mode=standard&amp;next=%2Ffaq"' in page
    assert "标准模式" in page

    browser.cookies["hall_mode"] = "something-else"
    page = _html(browser.get("/faq"))
    assert '<html lang="zh-CN" class="standard-mode">' in page
    assert 'href="/display-mode?mode=elder&amp;next=%2Ffaq"' in page


@pytest.mark.parametrize(
    "target",
    ["https://example.com/", "//example.com/x", "/\\example.com", "http:/example.com", "", "/display-mode?mode=elder"],
)
def test_the_switch_never_sends_the_browser_elsewhere(browser, target):
    from urllib.parse import quote

    reply = browser.get(f"/display-mode?mode=standard&next={quote(target, safe='')}")
    assert reply.status == 302
    assert reply.headers["Location"] == "/"


def test_an_unknown_mode_sets_nothing(browser):
    reply = browser.get("/display-mode?mode=huge&next=%2Ffaq")
    assert reply.status == 302 and reply.headers["Location"] == "/faq"
    assert not [c for c in _set_cookies(reply) if c.startswith("hall_mode=")]


def test_a_page_of_the_catalogue_links_back_to_itself_with_its_query(browser):
    page = _html(browser.get("/hall/personal?page=2"))
    assert 'href="/display-mode?mode=elder&amp;next=%2Fhall%2Fpersonal%3Fpage%3D2"' in page


def test_a_logged_in_page_says_when_the_idle_session_ends_and_continuing_slides_it(browser, citizen):
    # GIVEN a citizen just logged in THEN the page says 30 minutes (less the seconds since)
    clock.set_now(clock.now())
    assert 29 * 60 < _expires_in(_html(browser.get("/user"))) <= 30 * 60
    # WHEN 29 minutes pass THEN a page load is a use: it slides the session, and says so
    clock.advance(timedelta(minutes=29))
    assert _expires_in(_html(browser.get("/user"))) == 30 * 60
    # WHEN 29 more minutes pass without use and 继续使用 is chosen (GET /api/me)
    clock.advance(timedelta(minutes=29))
    reply = browser.get("/api/me")
    # THEN the session has 30 minutes again
    assert reply.status == 200 and reply.body["session_expires_in"] == 30 * 60
    clock.advance(timedelta(minutes=29))
    assert browser.get("/api/me").status == 200
    # AND left alone it ends
    clock.advance(timedelta(minutes=31))
    assert browser.get("/api/me").status == 401
    page = _html(browser.get("/faq"))
    assert _expires_in(page) is None and "继续使用" not in page


def test_continuing_never_goes_beyond_the_absolute_limit(browser, citizen):
    clock.set_now(clock.now())
    for _ in range(24):  # 11 h 36 min of steady use
        clock.advance(timedelta(minutes=29))
        assert browser.get("/api/me").status == 200
    reply = browser.get("/api/me")
    # 12 h after login (a few seconds before this test froze the clock), not 30 minutes from now
    assert 23 * 60 < reply.body["session_expires_in"] <= 24 * 60
