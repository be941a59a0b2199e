"""CORS: none by default; with origins listed (HALL_CORS_ORIGINS), only those, and credentials only then."""

from __future__ import annotations

import pytest

from chalicelib.handlers import cors
from tests.support import Browser, new_citizen

PORTAL = "https://portal.example.gov.cn"
EVIL = "https://evil.example.com"


def _cors_headers(reply) -> dict:
    return {k: v for k, v in reply.headers.items() if k.lower().startswith("access-control-")}


@pytest.fixture
def listed(app, monkeypatch):
    """The deployment lists the portal's origin; the preflight routes exist as when loaded so."""
    monkeypatch.setenv("HALL_CORS_ORIGINS", f"{PORTAL}, https://other.example.gov.cn")
    added = cors.install(app)
    assert "/api/sessions" in added and "/api/me" in added
    assert not [path for path in added if not path.startswith("/api/")]  # pages are same-origin only
    yield
    for path in added:
        del app.routes[path]["OPTIONS"]


def test_given_no_origin_listed_then_no_answer_carries_cors_headers_and_no_preflight_exists(app, browser):
    # GIVEN the default deployment (the hall's pages are same-origin) and the app as loaded
    assert cors.install(app) == []
    assert not [path for path, entries in app.routes.items() if "OPTIONS" in entries]
    for origin in (EVIL, PORTAL, "null"):
        # WHEN another origin calls the API or asks a preflight
        reply = browser.get("/api/me", headers={"Origin": origin})
        preflight = browser.request(
            "OPTIONS", "/api/sessions", headers={"Origin": origin, "Access-Control-Request-Method": "POST"}
        )
        # THEN no CORS header is given: the browser keeps the answer from that page
        assert _cors_headers(reply) == {} and "Origin" not in reply.headers.get("Vary", "")
        assert preflight.status == 404 and _cors_headers(preflight) == {}


def test_given_a_listed_origin_then_its_answers_echo_it_with_credentials(app, listed, browser):
    citizen = new_citizen()
    assert browser.register(citizen).status == 201
    # WHEN the listed origin's page calls the API with the citizen's cookies
    reply = browser.get("/api/me", headers={"Origin": PORTAL})
    # THEN the answer names exactly that origin, allows credentials, and varies by origin
    assert reply.status == 200
    assert reply.headers["Access-Control-Allow-Origin"] == PORTAL
    assert reply.headers["Access-Control-Allow-Credentials"] == "true"
    assert "Origin" in reply.headers["Vary"]
    assert "Retry-After" in reply.headers["Access-Control-Expose-Headers"]
    # AND errors carry it too (the page can read the one error shape)
    error = browser.post("/api/sessions", {"method": "nope"}, headers={"Origin": PORTAL})
    assert error.status == 400 and error.headers["Access-Control-Allow-Origin"] == PORTAL


@pytest.mark.parametrize(
    "origin",
    [EVIL, "null", "*", PORTAL + ".evil.com", "http://portal.example.gov.cn", PORTAL + ":444", PORTAL.upper()],
)
def test_given_an_origin_not_listed_then_no_cors_header_and_no_credentials(app, listed, browser, origin):
    reply = browser.get("/api/me", headers={"Origin": origin})
    assert _cors_headers(reply) == {}, origin
    assert "Origin" in reply.headers["Vary"]  # a cache must not hand the listed origin's answer to it
    # AND its preflight is refused as if no route had one
    preflight = browser.request(
        "OPTIONS", "/api/sessions", headers={"Origin": origin, "Access-Control-Request-Method": "POST"}
    )
    assert preflight.status == 404 and preflight.body["code"] == "not_found"
    assert _cors_headers(preflight) == {}


def test_given_a_listed_origin_when_it_asks_a_preflight_then_only_the_routes_methods_are_allowed(app, listed, browser):
    # WHEN the listed origin asks to POST to the login route
    reply = browser.request(
        "OPTIONS",
        "/api/sessions",
        headers={
            "Origin": PORTAL,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type",
        },
    )
    # THEN 204 with that origin, credentials, the route's methods and the headers the API reads
    assert reply.status == 204
    assert reply.headers["Access-Control-Allow-Origin"] == PORTAL
    assert reply.headers["Access-Control-Allow-Credentials"] == "true"
    assert reply.headers["Access-Control-Allow-Methods"] == "POST"
    assert "X-CSRF-Token" in reply.headers["Access-Control-Allow-Headers"]
    assert int(reply.headers["Access-Control-Max-Age"]) <= 600
    assert reply.headers["X-Frame-Options"] == "DENY"  # and the security headers, as on every answer
    # AND a method the route lacks is refused
    refused = browser.request(
        "OPTIONS", "/api/sessions", headers={"Origin": PORTAL, "Access-Control-Request-Method": "PUT"}
    )
    assert refused.status == 404 and _cors_headers(refused) == {}


def test_given_a_listed_origin_then_csrf_still_holds_for_cookie_requests(app, listed):
    with Browser(app) as browser:
        assert browser.register(new_citizen()).status == 201
        # A listed origin's page cannot read the hall's cookie: without the token it is refused
        browser.send_csrf = False
        reply = browser.delete("/api/sessions/current", headers={"Origin": PORTAL})
        assert reply.status == 403 and reply.body["code"] == "csrf_failed"
        assert reply.headers["Access-Control-Allow-Origin"] == PORTAL
        # it reads the session's token from GET /api/csrf (allowed for it) and sends it
        token = browser.get("/api/csrf", headers={"Origin": PORTAL}).body["csrf_token"]
        reply = browser.delete("/api/sessions/current", headers={"Origin": PORTAL, "X-CSRF-Token": token})
        assert reply.status == 200


def test_the_setting_never_takes_a_wildcard(monkeypatch):
    from chalicelib import settings

    monkeypatch.setenv("HALL_CORS_ORIGINS", "*, null")
    assert cors.allowed_origin({"origin": "*"}) is None and cors.allowed_origin({"origin": "null"}) is None
    assert settings.get().cors_origins == ("*", "null")  # listed, yet never matched
