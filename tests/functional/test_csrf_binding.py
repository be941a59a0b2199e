"""The CSRF token is bound to the browser's session, not only signed.

Before login a browser holds a token of no session (signed). Every way of opening a session
answers, in the same response, a fresh token bound to that session (a MAC over the session
token's hash and a nonce); logout answers a fresh token of no session. A token minted before
login, for another session, or forged is refused (``csrf_failed``) even when cookie and header
agree, so a token planted in the browser before login (cookie tossing) or lifted from another
session opens nothing.
"""

from __future__ import annotations

import pytest

from chalicelib.handlers import web
from tests.functional.test_jszw_login import idp, jszw_idp, login  # noqa: F401 - fixtures
from tests.support import AppClient, Browser, new_citizen

PROBE = "/api/captchas"  # a state-changing route any browser may call: it needs the CSRF header


def _set_cookie(reply, name: str) -> str | None:
    raw = reply.headers.get("Set-Cookie") or []
    for value in raw if isinstance(raw, list) else [raw]:
        if value.startswith(f"{name}="):
            return value.split(";", 1)[0].split("=", 1)[1]
    return None


def _bound_to_session(browser: Browser) -> bool:
    """Whether the browser's CSRF cookie is a token of its session cookie (and of no other)."""
    token, session = browser.cookies["hall_csrf"], browser.cookies.get("hall_session")
    return web.valid_csrf_token(token, session) and not web.valid_csrf_token(token, None)


@pytest.fixture
def citizen(app):
    person = new_citizen()
    with Browser(app) as registering:
        assert registering.register(person).status == 201
    return person


def test_given_a_token_from_before_login_when_the_session_sends_it_then_it_is_refused(browser, citizen):
    # GIVEN a browser's token from before login (or one an attacker planted in it)
    assert browser.get("/api/csrf").status == 200
    before = browser.cookies["hall_csrf"]
    assert browser.post(PROBE).status == 200
    # WHEN the citizen logs in
    reply = browser.login_password(citizen.phone, citizen.password)
    assert reply.status == 200, reply.body
    # THEN the login answered a new token, bound to the new session, in the same response
    issued = _set_cookie(reply, "hall_csrf")
    assert issued and issued != before and issued == reply.body["csrf_token"]
    assert _bound_to_session(browser)
    assert browser.post(PROBE).status == 200
    # AND the token from before login is refused with the session, though cookie and header agree
    browser.cookies["hall_csrf"] = before
    refused = browser.delete("/api/sessions/current")
    assert refused.status == 403 and refused.body["code"] == "csrf_failed"
    assert browser.get("/api/me").status == 200  # the session was not ended


def test_given_two_sessions_when_one_sends_the_others_token_then_it_is_refused(app, citizen):
    with Browser(app) as mine, Browser(app) as theirs:
        assert mine.login_password(citizen.phone, citizen.password).status == 200
        assert theirs.login_password(citizen.id_number, citizen.password).status == 200
        # GIVEN the token of another session (of the same citizen, even)
        stolen = theirs.cookies["hall_csrf"]
        assert web.valid_csrf_token(stolen, theirs.cookies["hall_session"])
        # WHEN it is sent with this session's cookie (as cookie and header)
        mine.cookies["hall_csrf"] = stolen
        refused = mine.delete("/api/sessions/others")
        # THEN it is refused, and the other session lives on
        assert refused.status == 403 and refused.body["code"] == "csrf_failed"
        assert theirs.get("/api/me").status == 200
        # AND each session's own token works
        assert theirs.post(PROBE).status == 200


def test_given_a_forged_or_unsigned_token_with_a_session_then_it_is_refused(browser, citizen):
    assert browser.login_password(citizen.phone, citizen.password).status == 200
    nonce = browser.cookies["hall_csrf"].split(".")[0]
    for forged in (f"{nonce}.{'0' * 32}", nonce, "", "." * 3, "x" * 5000):
        browser.cookies["hall_csrf"] = forged
        reply = browser.post(PROBE)
        assert reply.status == 403 and reply.body["code"] == "csrf_failed", forged[:40]


def test_given_a_logout_then_a_fresh_token_of_no_session_replaces_the_sessions(browser, citizen):
    assert browser.login_password(citizen.phone, citizen.password).status == 200
    session_token = browser.cookies["hall_csrf"]
    # WHEN the citizen logs out
    reply = browser.delete("/api/sessions/current")
    assert reply.status == 200
    # THEN the same response drops the session cookie and sets a token of no session
    issued = _set_cookie(reply, "hall_csrf")
    assert issued and issued != session_token
    assert "hall_session" not in browser.cookies
    assert web.valid_csrf_token(issued, None)
    assert browser.post(PROBE).status == 200
    # AND the ended session's token is no token without that session
    browser.cookies["hall_csrf"] = session_token
    assert browser.post(PROBE).body["code"] == "csrf_failed"


def test_given_a_session_with_a_token_of_no_session_when_a_page_opens_then_it_gets_a_bound_one(browser, citizen):
    # GIVEN a session whose browser still holds a token of no session
    anonymous = web.new_csrf_token()
    assert browser.login_password(citizen.phone, citizen.password).status == 200
    browser.cookies["hall_csrf"] = anonymous
    assert browser.post(PROBE).body["code"] == "csrf_failed"
    # WHEN a page opens (or the page's script asks /api/csrf)
    page = browser.get("/")
    # THEN it sets a token bound to the session, which works
    assert _set_cookie(page, "hall_csrf") and _bound_to_session(browser)
    assert browser.post(PROBE).status == 200
    browser.cookies["hall_csrf"] = anonymous
    asked = browser.get("/api/csrf")
    assert asked.body["csrf_token"] == browser.cookies["hall_csrf"] and _bound_to_session(browser)
    assert browser.post(PROBE).status == 200
    # AND a page whose token is already right sets none
    assert _set_cookie(browser.get("/"), "hall_csrf") is None


def test_every_way_of_opening_a_session_answers_a_token_bound_to_it(app, citizen):
    # registration
    with Browser(app) as registering:
        assert registering.register(new_citizen()).status == 201
        assert _bound_to_session(registering)
    # password and SMS code
    with Browser(app) as by_password:
        assert by_password.login_password(citizen.phone, citizen.password).status == 200
        assert _bound_to_session(by_password)
    with Browser(app) as by_sms:
        assert by_sms.login_sms(citizen.phone).status == 200
        assert _bound_to_session(by_sms)
    # a QR the app confirms (the session is collected by the page's poll)
    with Browser(app) as by_qr, AppClient(app) as phone:
        phone.token = phone.login_password(citizen.phone, citizen.password).body["token"]
        qr_id = by_qr.post("/api/sessions", {"method": "app_qr"}).body["flow_id"]
        assert phone.post(f"/api/qr-logins/{qr_id}/scan").status == 200
        assert phone.post(f"/api/qr-logins/{qr_id}/confirm").status == 200
        collected = by_qr.post(f"/api/login-flows/{qr_id}", {"method": "app_qr"})
        assert collected.status == 200, collected.body
        assert _bound_to_session(by_qr) and by_qr.post(PROBE).status == 200


def test_a_provider_redirect_login_answers_a_token_bound_to_its_session(browser, idp):  # noqa: F811
    # GIVEN a token from before the provider's login
    browser.get("/api/csrf")
    before = browser.cookies["hall_csrf"]
    # WHEN 江苏政务 sends the browser back logged in (a 302 with the cookies)
    back = login(browser, idp, "sunli")
    assert back.status == 302, back.body
    # THEN the redirect set a token bound to the new session, and the old one is refused
    assert _set_cookie(back, "hall_csrf") and _bound_to_session(browser)
    assert browser.post(PROBE).status == 200
    browser.cookies["hall_csrf"] = before
    assert browser.post(PROBE).body["code"] == "csrf_failed"


def test_apps_need_no_csrf_token(app_client, citizen):
    # An app's requests carry X-Hall-Client (no cross-site form can set it) and a bearer token, no cookie.
    reply = app_client.login_password(citizen.phone, citizen.password)
    assert reply.status == 200 and "csrf_token" not in reply.body
    app_client.token = reply.body["token"]
    assert app_client.delete("/api/sessions/current").status == 200
