"""The CPU figures' harness: a browser through the Lambda handler, botocore's share per request.

Counts and answers only: no timing here (speed goals live in `make bench`).
"""

from __future__ import annotations

import pytest

from bench.counting import RoundTripCounter
from bench.figures import BotocoreShare, Timed
from bench.flows import Harness


@pytest.fixture(autouse=True)
def _trace_header_restored(monkeypatch):
    """A Lambda browser sets the runtime's trace header per request: put it back afterwards."""
    monkeypatch.setenv("_X_AMZN_TRACE_ID", "")


def test_a_lambda_browser_logs_in_with_cookies_and_csrf(app):
    # GIVEN a registered citizen and a browser that has fetched its CSRF cookie
    harness = Harness(app)
    _, citizen = harness.registered()
    browser = harness.lambda_browser()
    assert "hall_csrf" in browser.cookies
    form = {"method": "password", "identifier": citizen.id_number, "password": citizen.password}

    # WHEN it logs in through the Lambda handler, the request sends the cookie and its header
    event = browser.event("POST", "/api/sessions", form)
    assert event["headers"]["X-CSRF-Token"] == browser.cookies["hall_csrf"]
    assert "hall_csrf=" in event["headers"]["Cookie"]
    answer = browser.receive(browser.handle(event))

    # THEN the hall answers 200 and the browser keeps the session and the rotated CSRF cookie
    assert answer["statusCode"] == 200
    assert "hall_session" in browser.cookies
    assert browser.request("GET", "/api/me")["statusCode"] == 200


def test_without_the_csrf_header_the_login_is_refused(app):
    harness = Harness(app)
    _, citizen = harness.registered()
    browser = harness.lambda_browser()
    event = browser.event("POST", "/api/sessions", {"method": "password", "identifier": citizen.id_number})
    del event["headers"]["X-CSRF-Token"]
    del event["multiValueHeaders"]["X-CSRF-Token"]
    assert browser.handle(event)["statusCode"] == 403


def test_botocores_share_sees_every_call_of_a_password_login(app):
    from chalicelib.store import tables

    # GIVEN a citizen, a browser, and botocore's share watched on the app's shared client
    harness = Harness(app)
    _, citizen = harness.registered()
    browser = harness.lambda_browser()
    form = {"method": "password", "identifier": citizen.id_number, "password": citizen.password}
    share = BotocoreShare(tables.client())
    answers = []
    login = Timed(browser.handle, lambda: browser.event("POST", "/api/sessions", form), answers.append)

    # WHEN one login is timed (and its calls counted by the round-trip counter)
    with share, RoundTripCounter().counting() as counted:
        share.take()
        spent = login.cpu()
        seconds, calls = share.take()

    # THEN every DynamoDB call it made was timed, within the login's own CPU time
    assert answers[0]["statusCode"] == 200
    assert calls == len(counted.items) >= 3
    assert 0 < seconds <= spent
    # and the hooks are gone afterwards
    browser.request("GET", "/api/me")
    assert share.take() == (0.0, 0)


def test_a_lambda_browser_polls_its_scanned_qr_through_the_routed_event(app):
    from bench.flows import _qr_scanned

    # GIVEN a QR asked for by one browser and scanned by the app
    harness = Harness(app)
    shown, _, qr_id = _qr_scanned(harness)
    browser = harness.lambda_browser()
    browser.cookies.update(shown.cookies)
    route = ("/api/login-flows/{flow_id}", {"flow_id": qr_id})

    # WHEN it polls through the Lambda handler, its calls counted
    with RoundTripCounter().counting() as counted:
        answer = browser.receive(
            browser.handle(browser.event("POST", f"/api/login-flows/{qr_id}", {"method": "app_qr"}, route=route))
        )

    # THEN the poll sees the scan, with exactly one GetItem
    assert answer["statusCode"] == 202
    assert counted.operations() == ["GetItem"]
