"""电子社保卡扫码登录: the browser's QR (its code changing every minute) and the platform's callback.

GIVEN a browser that asked for a 电子社保卡 QR,
WHEN the national e-SSC platform (its simulator's key) sends a signed callback for it,
THEN only that browser, once, collects the session; every refusal has its error id.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from chalicelib import clock
from devtools.stubs import essc_platform
from tests.support import Browser, new_citizen


def _begin(browser):
    begun = browser.post("/api/sessions", {"method": "essc_qr"})
    assert begun.status == 202, begun.body
    return begun.body


def _poll(browser, qr_id, step=None):
    return browser.post(f"/api/login-flows/{qr_id}", {"method": "essc_qr", "step": step})


def _scan(app, qr_url, citizen, **kw):
    qr_id, code = essc_platform.read_qr(qr_url)
    body = essc_platform.callback(qr_id, code, citizen.name, citizen.id_number, clock.to_epoch(clock.now()), **kw)
    return _send(app, body)


def _send(app, body):
    platform = Browser(app)
    platform.send_csrf = False
    return platform.post("/api/essc/callback", body)


@pytest.fixture
def citizen(browser):
    person = new_citizen()
    assert browser.register(person).status == 201
    browser.delete("/api/sessions/current")
    return person


def test_the_qr_changes_every_minute_and_a_confirmed_scan_logs_the_browser_in_once(app, browser, citizen):
    from chalicelib.store.models import EsscLoginRecordModel

    # GIVEN the page asked for a QR, 5 seconds into a minute
    start = clock.now().replace(second=5, microsecond=0) + timedelta(minutes=1)
    clock.set_now(start)
    body = _begin(browser)
    qr_id = body["flow_id"]
    assert body["status"] == "authorization_pending" and body["poll_after"] == 2
    assert body["qr_image"].startswith("data:image/png;base64,")
    first_id, first_code = essc_platform.read_qr(body["qr_url"])
    assert first_id == qr_id and len(first_code) == 6
    stored = EsscLoginRecordModel.get(f"essc#{qr_id}")
    assert stored.state == "pending" and first_code not in str(stored.attribute_values)
    # WHEN the page polls within the same minute THEN no new QR
    same = _poll(browser, qr_id, body["qr_step"])
    assert same.status == 202 and "qr_image" not in same.body
    # WHEN a minute passes THEN the poll carries the new QR
    clock.advance(timedelta(seconds=61))
    moved = _poll(browser, qr_id, body["qr_step"])
    assert moved.status == 202 and moved.body["qr_step"] == body["qr_step"] + 1
    assert moved.body["qr_url"] != body["qr_url"]
    # AND the platform sends a callback with last minute's code: still accepted
    reply = _scan(app, body["qr_url"], citizen)
    assert reply.status == 200, reply.body
    assert reply.body["state"] == "confirmed"
    # THEN the browser collects the session, once
    done = _poll(browser, qr_id, moved.body["qr_step"])
    assert done.status == 200, done.body
    assert done.body["user"]["name"] == "陈*"
    again = _poll(browser, qr_id)
    assert again.status == 400 and again.body["code"] == "login_flow_expired"


def test_a_code_two_minutes_old_is_refused(app, browser, citizen):
    body = _begin(browser)
    clock.advance(timedelta(seconds=121))
    reply = _scan(app, body["qr_url"], citizen)
    assert reply.status == 400 and reply.body["code"] == "essc_code_invalid"


def test_a_wrong_code_is_refused(app, browser, citizen):
    body = _begin(browser)
    qr_id, code = essc_platform.read_qr(body["qr_url"])
    wrong = f"{(int(code) + 1) % 1000000:06d}"
    reply = _scan(app, f"http://x/essc/{qr_id}?c={wrong}", citizen)
    assert reply.status == 400 and reply.body["code"] == "essc_code_invalid"


def test_a_forged_signature_is_refused(app, browser, citizen):
    from cryptography.hazmat.primitives.asymmetric import rsa

    body = _begin(browser)
    qr_id, code = essc_platform.read_qr(body["qr_url"])
    other_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    forged = essc_platform.sign(
        {
            "qr_id": qr_id,
            "code": code,
            "name": citizen.name,
            "id_number": citizen.id_number,
            "channel": "x",
            "nonce": "n1",
            "timestamp": clock.to_epoch(clock.now()),
        },
        key=other_key,
    )
    reply = _send(app, forged)
    assert reply.status == 401 and reply.body["code"] == "essc_signature_invalid"
    # AND a field changed after signing is refused too
    signed = essc_platform.callback(qr_id, code, citizen.name, citizen.id_number, clock.to_epoch(clock.now()))
    signed["name"] = "王芳"
    reply = _send(app, signed)
    assert reply.status == 401 and reply.body["code"] == "essc_signature_invalid"


def test_rsa_pss_signatures_are_accepted(app, browser, citizen):
    body = _begin(browser)
    reply = _scan(app, body["qr_url"], citizen, sign_type="RSA-PSS")
    assert reply.status == 200, reply.body


def test_a_stale_timestamp_is_refused(app, browser, citizen):
    body = _begin(browser)
    qr_id, code = essc_platform.read_qr(body["qr_url"])
    old = clock.to_epoch(clock.now()) - 301
    reply = _send(app, essc_platform.callback(qr_id, code, citizen.name, citizen.id_number, old))
    assert reply.status == 400 and reply.body["code"] == "essc_timestamp_stale"


def test_a_replayed_nonce_is_refused(app, browser, citizen):
    body = _begin(browser)
    qr_id, code = essc_platform.read_qr(body["qr_url"])
    now = clock.to_epoch(clock.now())
    first = _send(app, essc_platform.callback(qr_id, code, citizen.name, citizen.id_number, now, nonce="once"))
    assert first.status == 200, first.body
    replay = _send(app, essc_platform.callback(qr_id, code, citizen.name, citizen.id_number, now, nonce="once"))
    assert replay.status == 409 and replay.body["code"] == "essc_nonce_reused"
    # AND a fresh nonce for a QR already confirmed is refused
    again = _send(app, essc_platform.callback(qr_id, code, citizen.name, citizen.id_number, now))
    assert again.status == 400 and again.body["code"] == "essc_code_invalid"


def test_only_the_browser_that_showed_the_qr_collects(app, browser, citizen):
    body = _begin(browser)
    assert _scan(app, body["qr_url"], citizen).status == 200
    other = Browser(app)
    stolen = _poll(other, body["flow_id"])
    assert stolen.status == 403 and stolen.body["code"] == "qr_login_other_browser"
    assert _poll(browser, body["flow_id"]).status == 200


def test_an_expired_qr_is_refused(app, browser, citizen):
    body = _begin(browser)
    clock.advance(timedelta(minutes=6))
    assert _poll(browser, body["flow_id"]).body["code"] == "expired_token"


def test_a_holder_without_an_account_and_no_phone_is_asked_to_register_first(app, browser):
    body = _begin(browser)
    stranger = new_citizen(name="张伟")
    reply = _scan(app, body["qr_url"], stranger)
    assert reply.status == 200 and reply.body["state"] == "link_required"
    waiting = _poll(browser, body["flow_id"])
    assert waiting.status == 202 and waiting.body["status"] == "link_required"


def test_an_invalid_id_number_is_refused(app, browser, citizen):
    body = _begin(browser)
    qr_id, code = essc_platform.read_qr(body["qr_url"])
    bad = essc_platform.callback(qr_id, code, citizen.name, "320102199003071230", clock.to_epoch(clock.now()))
    reply = _send(app, bad)
    assert reply.status == 400 and reply.body["code"] == "essc_identity_invalid"


def test_without_the_platform_key_the_callback_is_unavailable(app, browser, citizen, monkeypatch):
    import dataclasses

    from chalicelib import settings

    body = _begin(browser)
    configured = settings.get()
    monkeypatch.setattr(settings, "get", lambda: dataclasses.replace(configured, essc_platform_public_key=None))
    reply = _scan(app, body["qr_url"], citizen)
    assert reply.status == 503 and reply.body["code"] == "essc_platform_unavailable"
