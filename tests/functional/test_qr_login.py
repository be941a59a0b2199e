"""扫码登录 (江苏智慧人社APP): the browser's QR and poll, the app's scan, confirm and cancel.

GIVEN a browser that asked for a QR and an app logged in by password,
WHEN the app scans and confirms (or not),
THEN only that browser, once, collects the session; every refusal has its error id.
"""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest

from chalicelib import clock
from tests.support import AppClient, Browser, new_citizen


@pytest.fixture
def citizen(browser):
    person = new_citizen()
    assert browser.register(person).status == 201
    browser.delete("/api/sessions/current")
    return person


def _app(app, citizen) -> AppClient:
    client = AppClient(app)
    reply = client.login_password(citizen.phone, citizen.password)
    assert reply.status == 200, reply.body
    client.token = reply.body["token"]
    return client


@pytest.fixture
def phone(app, citizen):
    with _app(app, citizen) as client:
        yield client


def _begin(browser) -> str:
    begun = browser.post("/api/sessions", {"method": "app_qr"})
    assert begun.status == 202, begun.body
    return begun.body["flow_id"]


def _poll(browser, qr_id):
    return browser.post(f"/api/login-flows/{qr_id}", {"method": "app_qr"})


def test_a_qr_is_shown_scanned_confirmed_and_collected_once(browser, phone, citizen):
    from chalicelib import settings

    # GIVEN the login page asked for a QR
    begun = browser.post("/api/sessions", {"method": "app_qr"}, headers={"User-Agent": "Chromium/140 测试"})
    assert begun.status == 202
    body = begun.body
    qr_id = body["flow_id"]
    assert body["status"] == "authorization_pending"
    assert body["expires_in"] == 120 and body["poll_after"] == 2
    assert body["qr_url"] == f"{settings.get().public_base_url}/qr/{qr_id}"
    assert body["qr_image"].startswith("data:image/png;base64,")
    assert len(qr_id) == 32
    # the browser holds the secret in an HttpOnly cookie, and the record only its hash
    cookie = next(c for c in begun.headers["Set-Cookie"] if c.startswith("hall_qr="))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Max-Age=180" in cookie
    from chalicelib.store.models import QrLoginRecordModel

    stored = QrLoginRecordModel.get(f"qr#{qr_id}")
    assert browser.cookies["hall_qr"] not in str(stored.attribute_values)
    assert stored.state == "pending"

    # WHEN the page polls before a scan THEN it is told to wait
    waiting = _poll(browser, qr_id)
    assert waiting.status == 202
    assert waiting.body["status"] == "authorization_pending" and waiting.body["scanned"] is False

    # WHEN the app scans THEN it sees the requesting browser, and the page says 请在手机上确认
    scanned = phone.post(f"/api/qr-logins/{qr_id}/scan")
    assert scanned.status == 200, scanned.body
    assert scanned.body["qr_login"]["user_agent"] == "Chromium/140 测试"
    assert scanned.body["qr_login"]["ip"]
    assert scanned.body["qr_login"]["requested_at"].endswith("+08:00")
    polled = _poll(browser, qr_id)
    assert polled.status == 202 and polled.body["scanned"] is True
    assert browser.get("/api/me").status == 401

    # WHEN the app confirms THEN the next poll opens the session, once
    assert phone.post(f"/api/qr-logins/{qr_id}/confirm").status == 200
    done = _poll(browser, qr_id)
    assert done.status == 200, done.body
    assert done.body["user"]["login_method"] == "app_qr"
    me = browser.get("/api/me")
    assert me.status == 200 and me.body["user"]["name"] == "陈*"
    again = _poll(browser, qr_id)
    assert again.status == 400 and again.body["code"] == "login_flow_expired"


def test_another_browser_never_collects_the_session(app, browser, phone):
    qr_id = _begin(browser)
    assert phone.post(f"/api/qr-logins/{qr_id}/scan").status == 200
    assert phone.post(f"/api/qr-logins/{qr_id}/confirm").status == 200
    with Browser(app) as thief:
        # WHEN a browser without the QR's cookie polls THEN it gets nothing
        stolen = _poll(thief, qr_id)
        assert stolen.status == 403 and stolen.body["code"] == "qr_login_other_browser"
        # nor with a cookie of its own QR
        _begin(thief)
        stolen = _poll(thief, qr_id)
        assert stolen.body["code"] == "qr_login_other_browser"
        assert thief.get("/api/me").status == 401
    # the right browser still does
    assert _poll(browser, qr_id).status == 200


def test_an_expired_qr_answers_expired_token_and_refuses_the_app(browser, phone):
    qr_id = _begin(browser)
    clock.advance(timedelta(seconds=121))
    expired = _poll(browser, qr_id)
    assert expired.status == 400 and expired.body["code"] == "expired_token"
    refused = phone.post(f"/api/qr-logins/{qr_id}/scan")
    assert refused.status == 410 and refused.body["code"] == "qr_login_expired"


def test_a_qr_confirmed_then_expired_is_not_collected(browser, phone):
    qr_id = _begin(browser)
    phone.post(f"/api/qr-logins/{qr_id}/scan")
    assert phone.post(f"/api/qr-logins/{qr_id}/confirm").status == 200
    clock.advance(timedelta(minutes=3))
    assert _poll(browser, qr_id).body["code"] == "expired_token"
    assert browser.get("/api/me").status == 401


def test_the_lifetime_is_a_setting(browser, monkeypatch):
    monkeypatch.setenv("HALL_QR_LOGIN_SECONDS", "30")
    begun = browser.post("/api/sessions", {"method": "app_qr"})
    assert begun.body["expires_in"] == 30
    clock.advance(timedelta(seconds=31))
    assert _poll(browser, begun.body["flow_id"]).body["code"] == "expired_token"


def test_a_qr_cancelled_on_the_phone_answers_access_denied(browser, phone):
    qr_id = _begin(browser)
    phone.post(f"/api/qr-logins/{qr_id}/scan")
    cancelled = phone.post(f"/api/qr-logins/{qr_id}/cancel")
    assert cancelled.status == 200 and cancelled.body["qr_login"]["state"] == "cancelled"
    denied = _poll(browser, qr_id)
    assert denied.status == 400 and denied.body["code"] == "access_denied"
    late = phone.post(f"/api/qr-logins/{qr_id}/confirm")
    assert late.status == 409 and late.body["code"] == "qr_login_finished"


def test_a_qr_is_scanned_once_and_confirmed_only_by_the_account_that_scanned(app, browser, phone):
    qr_id = _begin(browser)
    assert phone.post(f"/api/qr-logins/{qr_id}/scan").status == 200
    twice = phone.post(f"/api/qr-logins/{qr_id}/scan")
    assert twice.status == 409 and twice.body["code"] == "qr_login_already_scanned"
    other = new_citizen(name="林晓")
    with Browser(app) as b:
        assert b.register(other).status == 201
    with _app(app, other) as someone_else:
        refused = someone_else.post(f"/api/qr-logins/{qr_id}/confirm")
        assert refused.status == 403 and refused.body["code"] == "qr_login_other_account"
        assert someone_else.post(f"/api/qr-logins/{qr_id}/cancel").body["code"] == "qr_login_other_account"
        assert someone_else.post(f"/api/qr-logins/{qr_id}/scan").body["code"] == "qr_login_already_scanned"
    assert _poll(browser, qr_id).body["scanned"] is True


def test_only_a_logged_in_app_scans(app, browser, citizen):
    qr_id = _begin(browser)
    # a browser's session (cookie) is not an app
    assert browser.login_password(citizen.phone, citizen.password).status == 200
    refused = browser.post(f"/api/qr-logins/{qr_id}/scan")
    assert refused.status == 403 and refused.body["code"] == "app_session_required"
    with AppClient(app) as anonymous:
        reply = anonymous.post(f"/api/qr-logins/{qr_id}/scan")
        assert reply.status == 401 and reply.body["code"] == "unauthenticated"


def test_an_unknown_qr_is_not_found(browser, phone):
    reply = phone.post("/api/qr-logins/no-such-qr/scan")
    assert reply.status == 404 and reply.body["code"] == "qr_login_not_found"
    assert _poll(browser, "no-such-qr").body["code"] == "login_flow_expired"


def test_two_polls_racing_for_one_confirmed_qr_open_exactly_one_session(app, browser, phone):
    from chalicelib.store.models import SessionModel

    qr_id = _begin(browser)
    phone.post(f"/api/qr-logins/{qr_id}/scan")
    phone.post(f"/api/qr-logins/{qr_id}/confirm")
    # two tabs of the same browser (same cookies) poll at once
    racers = []
    for _ in range(4):
        twin = Browser(app)
        twin.cookies = dict(browser.cookies)
        racers.append(twin)
    replies: list = [None] * len(racers)
    start = threading.Barrier(len(racers))

    def race(i):
        start.wait()
        replies[i] = _poll(racers[i], qr_id)

    threads = [threading.Thread(target=race, args=(i,)) for i in range(len(racers))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    statuses = sorted(r.status for r in replies)
    assert statuses.count(200) == 1, [r.body for r in replies]
    assert {r.body["code"] for r in replies if r.status != 200} <= {"login_flow_expired"}
    sessions = [s for s in SessionModel.scan() if s.method == "app_qr"]
    assert len(sessions) == 1


def test_the_qr_page_explains_the_app_outside_dev(browser, monkeypatch):
    # GIVEN a phone without the app opens the QR's URL outside the dev stage
    from dataclasses import replace

    from chalicelib import settings

    real = settings.get
    monkeypatch.setattr(settings, "get", lambda: replace(real(), stage="prod"))
    page = browser.get("/qr/anything")
    # THEN it is told how to get 江苏智慧人社APP, and no login form plays the app
    assert page.status == 200
    text = page.body["_text"]
    assert "下载安装江苏智慧人社APP" in text and "dev-app-login" not in text
    reply = browser.post("/dev/app/sessions", {"identifier": "x", "password": "y"})
    assert reply.status == 404 and reply.body["code"] == "not_found"


def test_the_dev_page_plays_the_app_through_the_app_api(app, browser, citizen):
    # GIVEN a QR shown in one browser, and its URL opened in another (the "phone")
    qr_id = _begin(browser)
    with Browser(app) as phone_page:
        page = phone_page.get(f"/qr/{qr_id}")
        assert page.status == 200 and "dev-app-login" in page.body["_text"]
        # WHEN the phone logs in as the app and scans and confirms
        wrong = phone_page.post("/dev/app/sessions", {"identifier": citizen.phone, "password": "Wrong#1234"})
        assert wrong.status == 401 and wrong.body["code"] == "invalid_credentials"
        login = phone_page.post("/dev/app/sessions", {"identifier": citizen.phone, "password": citizen.password})
        assert login.status == 200, login.body
        assert "token" not in login.body and "hall_dev_app" in phone_page.cookies
        assert "dev-app-qr" in phone_page.get(f"/qr/{qr_id}").body["_text"]
        scanned = phone_page.post(f"/dev/app/qr-logins/{qr_id}/scan")
        assert scanned.status == 200 and scanned.body["qr_login"]["state"] == "scanned"
        assert phone_page.post(f"/dev/app/qr-logins/{qr_id}/confirm").status == 200
        # the phone's page is no browser session
        assert phone_page.get("/api/me").status == 401
    # THEN the first browser collects the session
    assert _poll(browser, qr_id).status == 200


def test_a_poll_is_one_getitem_and_the_bench_entry_holds(app):
    # GIVEN the benchmark's QR-poll entry WHEN it runs THEN it is one round trip, a GetItem
    from bench.counting import RoundTripCounter
    from bench.flows import FLOWS, Harness

    flow = next(f for f in FLOWS if f.name.startswith("QR login poll"))
    harness = Harness(app)
    state = flow.setup(harness)
    counter = RoundTripCounter()
    counter.arm_all()
    with counter.counting() as calls:
        flow.action(harness, state)
    assert [c.operation for c in calls.items] == ["GetItem"]
    assert flow.goal.met(calls)
