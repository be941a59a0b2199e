"""Sessions: opaque tokens, cookies for browsers, bearer tokens for apps, CSRF, timeouts."""

from __future__ import annotations

from datetime import timedelta

import pytest

from chalicelib import clock
from tests.support import new_citizen


@pytest.fixture
def citizen(browser):
    c = new_citizen()
    assert browser.register(c).status == 201
    return c


def _set_cookies(reply) -> list[str]:
    raw = reply.headers.get("Set-Cookie") or reply.headers.get("set-cookie") or []
    return raw if isinstance(raw, list) else [raw]


def test_the_session_cookie_is_httponly_and_samesite_lax(browser, citizen):
    browser.delete("/api/sessions/current")
    reply = browser.login_password(citizen.phone, citizen.password)
    (cookie,) = [c for c in _set_cookies(reply) if c.startswith("hall_session=")]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Path=/" in cookie
    assert "Secure" not in cookie  # local stage: plain http on 127.0.0.1


def test_outside_local_the_cookies_are_secure(monkeypatch):
    # The dev stage's config pins HALL_SECURE_COOKIES=false for the test client, so check the builder itself.
    from chalicelib.handlers import web

    monkeypatch.setenv("HALL_SECURE_COOKIES", "true")
    assert "; Secure" in web.csrf_cookie("x") and "; Secure" in web.clear_session_cookie()
    monkeypatch.setenv("HALL_SECURE_COOKIES", "false")
    assert "Secure" not in web.csrf_cookie("x")


def test_the_token_is_stored_only_as_a_hash(browser, citizen):
    from chalicelib.store import tables
    from chalicelib.store.models import SessionModel

    token = browser.cookies["hall_session"]
    tables.ready()
    stored = [s.token_hash for s in SessionModel.scan()]
    assert token not in stored
    assert all(len(h) == 64 for h in stored)


def test_current_user_shows_masked_fields_and_level(browser, citizen):
    user = browser.get("/api/me").body["user"]
    assert user["name"] == citizen.name[0] + "*"
    assert user["id_number"] == citizen.id_number[:4] + "**********" + citizen.id_number[-4:]
    assert user["phone"] == citizen.phone[:3] + "****" + citizen.phone[-4:]
    assert user["level"] in (1, 2)


def test_logout_revokes_the_session(browser, citizen):
    stolen = dict(browser.cookies)
    assert browser.delete("/api/sessions/current").status == 200
    browser.cookies = stolen  # replaying the old cookie does not help
    reply = browser.get("/api/me")
    assert reply.status == 401
    assert reply.body["code"] == "unauthenticated"


def test_idle_sessions_end_after_thirty_minutes(browser, citizen):
    clock.advance(timedelta(minutes=29))
    assert browser.get("/api/me").status == 200
    clock.advance(timedelta(minutes=29))  # activity moved the idle expiry on
    assert browser.get("/api/me").status == 200
    clock.advance(timedelta(minutes=31))
    assert browser.get("/api/me").status == 401


def test_sessions_end_after_twelve_hours_whatever_the_activity(browser, citizen):
    for _ in range(26):  # 26 x 29 minutes > 12 hours
        clock.advance(timedelta(minutes=29))
        if browser.get("/api/me").status != 200:
            break
    else:
        pytest.fail("the session outlived its absolute limit")
    assert browser.get("/api/me").status == 401


def test_state_changing_requests_need_the_csrf_header(browser, citizen):
    browser.send_csrf = False
    reply = browser.delete("/api/sessions/current")
    assert reply.status == 403
    assert reply.body["code"] == "csrf_failed"
    browser.send_csrf = True
    assert browser.get("/api/me").status == 200


def test_a_forged_csrf_token_is_refused(browser):
    browser.get("/api/csrf")
    browser.cookies["hall_csrf"] = "forged.token"
    reply = browser.post("/api/captchas")
    assert reply.status == 403


def test_apps_log_in_with_a_bearer_token_and_no_cookies(app_client, browser, citizen):
    reply = app_client.login_password(citizen.phone, citizen.password)
    assert reply.status == 200
    assert "token" in reply.body and "Set-Cookie" not in reply.headers
    app_client.token = reply.body["token"]
    assert app_client.get("/api/me").body["user"]["phone"].endswith(citizen.phone[-4:])
    assert app_client.delete("/api/sessions/current").status == 200
    assert app_client.get("/api/me").status == 401


def test_a_browser_session_token_is_not_accepted_from_a_cookie_by_app_requests(app_client, browser, citizen):
    cookie = f"hall_session={browser.cookies['hall_session']}"
    assert app_client.get("/api/me", headers={"Cookie": cookie}).status == 401


def test_an_app_token_does_not_work_as_a_browser_cookie(app_client, browser):
    from tests.support import new_citizen

    citizen = new_citizen()
    assert browser.register(citizen).status == 201
    browser.delete("/api/sessions/current")
    # GIVEN a session opened by the app
    logged_in = app_client.login_password(citizen.phone, citizen.password)
    assert logged_in.status == 200
    token = logged_in.body["token"]
    app_client.token = token
    assert app_client.get("/api/me").status == 200
    # WHEN the app's token is presented as a browser's session cookie
    reply = browser.get("/api/me", headers={"Cookie": f"hall_session={token}"})
    # THEN it opens nothing
    assert reply.status == 401
    assert reply.body["code"] == "unauthenticated"


def test_a_browser_cookie_does_not_work_as_an_app_token(app_client, browser):
    from tests.support import new_citizen

    citizen = new_citizen()
    assert browser.register(citizen).status == 201
    cookie = browser.cookies["hall_session"]
    assert browser.get("/api/me").status == 200
    app_client.token = cookie
    reply = app_client.get("/api/me")
    assert reply.status == 401
    assert reply.body["code"] == "unauthenticated"
