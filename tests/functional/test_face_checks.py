"""人脸识别 (face verification): a check started by a host flow, decided by the provider's signed
callback, polled by the page, used once by the host.

GIVEN a host flow that started a face check for a named person, with the citizen's consent,
WHEN the provider (its local counterpart's key) reports the outcome,
THEN the page's poll says so, and the host may use a passed check once, from the same browser,
for the owner and purpose it was made for; every refusal has its error id.
"""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest

from chalicelib import clock
from chalicelib.context import RequestContext
from chalicelib.errors import HallError
from chalicelib.methods.face import service
from devtools.stubs import face_provider
from tests.face_support import commit, complete_face_check, send_callback, start_face_check
from tests.support import Browser, new_citizen


def _ctx() -> RequestContext:
    return RequestContext(now=clock.now())


def _poll(browser, face_id):
    return browser.post(f"/api/face-checks/{face_id}")


def _use_refusal(face_id, owner="recovery#test-host", purpose="recovery", secret=None) -> str:
    """The code service.passed refuses with (the host's next step), or "ok"."""
    try:
        service.passed(face_id, owner, service.FacePurpose(purpose), secret, _ctx())
    except HallError as exc:
        return exc.code
    return "ok"


@pytest.fixture
def citizen(browser):
    person = new_citizen()
    assert browser.register(person).status == 201
    browser.delete("/api/sessions/current")
    return person


def test_a_passed_check_is_polled_then_used_once_and_audited(app, browser, citizen):
    from chalicelib.store.models import FaceCheckRecordModel

    # GIVEN a host started a check with the citizen's consent
    check = start_face_check(browser, citizen)
    assert check.view["status"] == "authorization_pending" and check.view["poll_after"] == 2
    assert check.view["qr_url"].endswith(f"/face/{check.face_id}")
    assert check.view["qr_image"].startswith("data:image/png;base64,")
    # THEN the record holds the consent, the masked person, and nothing raw, no image
    stored = FaceCheckRecordModel.get(f"face#{check.face_id}")
    assert stored.consent_version and stored.consented_at
    masked_id = f"{citizen.id_number[:4]}{'*' * 10}{citizen.id_number[-4:]}"
    assert (stored.name_masked, stored.id_masked) == ("陈*", masked_id)
    assert citizen.id_number not in str(stored.attribute_values) and citizen.name not in str(stored.attribute_values)
    assert not {name for name in stored.attribute_values if "image" in name or "template" in name or "photo" in name}
    # WHEN the page polls before the provider answered THEN it waits
    waiting = _poll(browser, check.face_id)
    assert waiting.status == 202 and waiting.body["status"] == "authorization_pending"
    assert _use_refusal(check.face_id, secret=check.browser_secret) == "face_check_pending"
    # WHEN the provider reports a pass
    reply = complete_face_check(check.face_id, passed=True)
    assert reply.status == 200 and reply.body == {"result": "ok", "state": "passed"}
    # THEN the poll says passed, and the account's audit has FaceChecked
    done = _poll(browser, check.face_id)
    assert done.status == 200 and done.body == {"status": "passed", "face_id": check.face_id}
    account_events = [e for e in _events_of(citizen) if e.event == "FaceChecked"]
    assert [(e.detail["passed"], e.detail["purpose"], e.method) for e in account_events] == [(True, "recovery", "face")]
    # AND the host uses it once
    write = service.passed(check.face_id, check.owner, service.FacePurpose.RECOVERY, check.browser_secret, _ctx())
    commit(write)
    assert _use_refusal(check.face_id, secret=check.browser_secret) == "face_check_used"
    used = _poll(browser, check.face_id)
    assert used.status == 409 and used.body["code"] == "face_check_used"


def _events_of(citizen):
    from chalicelib.citizen_data import id_number_mac
    from chalicelib.store import accounts, audit

    claim = accounts.id_claim_key(citizen.id_type, id_number_mac(citizen.id_number))
    account_id = accounts.find_account_ids([claim])[claim]
    return audit.for_subject(f"account#{account_id}")


def test_without_consent_no_check_is_made(browser, citizen, monkeypatch):
    from chalicelib.store import face_checks

    stored = []
    monkeypatch.setattr(face_checks, "create", stored.append)
    for consent in (False, None, "true"):
        with pytest.raises(HallError) as refused:
            start_face_check(browser, citizen, consent=consent)
        assert _code_of(refused.value) == "face_consent_required"
        assert refused.value.status == 400 and "face_consent" in refused.value.fields
    assert stored == [] and "hall_face" not in browser.cookies


def _code_of(exc: HallError) -> str:
    return exc.code


def test_a_failed_check_is_denied_to_the_poll_and_the_host(app, browser, citizen):
    check = start_face_check(browser, citizen, purpose="appeal", owner="appeal#1")
    assert complete_face_check(check.face_id, passed=False).body["state"] == "failed"
    denied = _poll(browser, check.face_id)
    assert denied.status == 400 and denied.body["code"] == "access_denied"
    assert denied.body["message"] == "人脸识别未通过，请重新进行人脸识别"
    assert _use_refusal(check.face_id, "appeal#1", "appeal", check.browser_secret) == "access_denied"
    events = [e for e in _events_of(citizen) if e.event == "FaceChecked"]
    assert [(e.detail["passed"], e.detail["purpose"]) for e in events] == [(False, "appeal")]


def test_an_expired_check_is_refused_everywhere(app, browser, citizen):
    check = start_face_check(browser, citizen)
    clock.advance(timedelta(minutes=10, seconds=1))
    assert _poll(browser, check.face_id).body["code"] == "expired_token"
    assert complete_face_check(check.face_id).body["code"] == "face_callback_invalid"
    # AND a check that passed in time but is used too late
    late = start_face_check(browser, citizen)
    assert complete_face_check(late.face_id).status == 200
    clock.advance(timedelta(minutes=11))
    assert _use_refusal(late.face_id, secret=late.browser_secret) == "face_check_expired"


def test_another_records_owner_or_purpose_gets_nothing(app, browser, citizen):
    check = start_face_check(browser, citizen, owner="recovery#mine")
    assert complete_face_check(check.face_id).status == 200
    secret = check.browser_secret
    assert _use_refusal(check.face_id, "recovery#someone-else", "recovery", secret) == "face_check_invalid"
    assert _use_refusal(check.face_id, "recovery#mine", "level_upgrade", secret) == "face_check_invalid"
    # AND another record's face result: a check started for another person by another host
    other = start_face_check(Browser(app), new_citizen(name="林晓"), owner="recovery#theirs")
    assert complete_face_check(other.face_id).status == 200
    assert _use_refusal(other.face_id, "recovery#mine", "recovery", secret) == "face_check_invalid"
    assert _use_refusal("no-such-check", "recovery#mine", "recovery", secret) == "face_check_invalid"
    unknown = _poll(browser, "no-such-check")
    assert unknown.status == 400 and unknown.body["code"] == "face_check_invalid"
    # THEN the right owner and purpose still may
    assert _use_refusal(check.face_id, "recovery#mine", "recovery", secret) == "ok"


def test_only_the_browser_that_started_the_check_polls_and_uses_it(app, browser, citizen):
    check = start_face_check(browser, citizen)
    assert complete_face_check(check.face_id).status == 200
    other = Browser(app)
    stolen = _poll(other, check.face_id)
    assert stolen.status == 403 and stolen.body["code"] == "face_check_other_browser"
    assert _use_refusal(check.face_id, secret="another-browsers-secret") == "face_check_other_browser"
    assert _use_refusal(check.face_id, secret=None) == "face_check_other_browser"
    assert _poll(browser, check.face_id).status == 200


def test_of_two_uses_at_once_exactly_one_commits(app, browser, citizen):
    from chalicelib.store.models import FaceCheckRecordModel

    check = start_face_check(browser, citizen)
    assert complete_face_check(check.face_id).status == 200
    # Both host requests read the check while it is passed: each gets its write...
    writes = [
        service.passed(check.face_id, check.owner, service.FacePurpose.RECOVERY, check.browser_secret, _ctx())
        for _ in range(2)
    ]
    outcomes: list[str] = []
    barrier = threading.Barrier(2)

    def host(write):
        barrier.wait()
        try:
            commit(write)
            outcomes.append("committed")
        except Exception as exc:
            outcomes.append(type(exc).__name__)

    threads = [threading.Thread(target=host, args=(w,)) for w in writes]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    # ...and only one transaction holds
    assert sorted(outcomes) == ["TransactWriteError", "committed"]
    assert FaceCheckRecordModel.get(f"face#{check.face_id}").state == "consumed"


def test_a_replayed_callback_is_refused(app, browser, citizen):
    check = start_face_check(browser, citizen)
    now = clock.to_epoch(clock.now())
    body = face_provider.callback(check.face_id, True, now, nonce="once")
    assert send_callback(body).status == 200
    replay = send_callback(body)
    assert replay.status == 409 and replay.body["code"] == "face_nonce_reused"
    # AND a fresh nonce for a check decided already changes nothing
    flipped = complete_face_check(check.face_id, passed=False)
    assert flipped.status == 400 and flipped.body["code"] == "face_callback_invalid"
    assert _poll(browser, check.face_id).body["status"] == "passed"


def test_a_callback_outside_the_timestamp_window_is_refused(app, browser, citizen):
    check = start_face_check(browser, citizen)
    now = clock.to_epoch(clock.now())
    for timestamp in (now - 301, now + 301):
        stale = send_callback(face_provider.callback(check.face_id, True, timestamp))
        assert stale.status == 400 and stale.body["code"] == "face_timestamp_stale"
    assert _poll(browser, check.face_id).status == 202


def test_a_badly_signed_callback_is_refused(app, browser, citizen):
    from cryptography.hazmat.primitives.asymmetric import rsa

    check = start_face_check(browser, citizen)
    now = clock.to_epoch(clock.now())
    other_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    forged = send_callback(face_provider.callback(check.face_id, True, now, key=other_key))
    assert forged.status == 401 and forged.body["code"] == "face_signature_invalid"
    # AND a result changed after signing
    signed = face_provider.callback(check.face_id, False, now)
    signed["result"] = "passed"
    assert send_callback(signed).body["code"] == "face_signature_invalid"
    # AND a body that is no callback at all, or has an unknown result
    assert send_callback({"face_id": check.face_id, "result": "passed"}).body["code"] == "face_signature_invalid"
    odd = face_provider.callback(check.face_id, True, now)
    odd["result"] = "maybe"
    assert send_callback(odd).body["code"] == "face_signature_invalid"
    # THEN the check still waits, and an RSA-PSS signature by the provider's key is accepted
    assert _poll(browser, check.face_id).status == 202
    assert complete_face_check(check.face_id, sign_type="RSA-PSS").status == 200


def test_two_callbacks_at_once_decide_the_check_once(app, browser, citizen):
    check = start_face_check(browser, citizen)
    now = clock.to_epoch(clock.now())
    bodies = [face_provider.callback(check.face_id, passed, now) for passed in (True, False)]
    answers: list[int] = []
    barrier = threading.Barrier(2)

    def provider(body):
        barrier.wait()
        answers.append(send_callback(body).status)

    threads = [threading.Thread(target=provider, args=(b,)) for b in bodies]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(answers) == [200, 400], answers
    assert len([e for e in _events_of(citizen) if e.event == "FaceChecked"]) == 1


def test_without_a_provider_key_outside_dev_the_callback_is_unavailable(app, browser, citizen, monkeypatch):
    import dataclasses

    from chalicelib import settings

    check = start_face_check(browser, citizen)
    configured = settings.get()
    monkeypatch.setattr(
        settings, "get", lambda: dataclasses.replace(configured, stage="prod", face_provider_public_key=None)
    )
    reply = complete_face_check(check.face_id)
    assert reply.status == 503 and reply.body["code"] == "face_provider_unavailable"


def test_the_production_adapter_verifies_with_the_configured_key(app, browser, citizen, monkeypatch):
    import dataclasses

    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    from chalicelib import settings

    provider_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = (
        provider_key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode("ascii")
    )
    check = start_face_check(browser, citizen)
    configured = settings.get()
    monkeypatch.setattr(
        settings, "get", lambda: dataclasses.replace(configured, stage="prod", face_provider_public_key=pem)
    )
    # The local key is not the provider's: refused; the provider's key: accepted.
    assert complete_face_check(check.face_id).body["code"] == "face_signature_invalid"
    assert complete_face_check(check.face_id, key=provider_key).status == 200


def test_the_dev_provider_page_shows_the_person_masked_and_signs_the_outcome(app, browser, citizen):
    check = start_face_check(browser, citizen, purpose="level_upgrade", owner="level#1")
    page = browser.get(f"/face/{check.face_id}")
    html = page.body["_text"]
    assert page.status == 200 and "陈*" in html and "实人认证" in html and "通过" in html and "不通过" in html
    assert citizen.id_number not in html and citizen.name not in html
    bad = browser.post(f"/dev/face/{check.face_id}/result", {"result": "perhaps"})
    assert bad.status == 400 and bad.body["code"] == "validation_failed"
    pressed = browser.post(f"/dev/face/{check.face_id}/result", {"result": "passed"})
    assert pressed.status == 200 and pressed.body["state"] == "passed"
    assert _poll(browser, check.face_id).body["status"] == "passed"
    assert "二维码无效或已失效" in browser.get("/face/unknown").body["_text"]


def test_the_face_bench_entries_hold_at_their_design_minimum(app):
    # GIVEN the benchmark's face-check entries WHEN each runs THEN it is counted at its design minimum
    from bench.counting import RoundTripCounter
    from bench.flows import FLOWS, Harness

    flows = {f.name.split(" (")[0]: f for f in FLOWS if f.name.startswith("face check")}
    harness = Harness(app)
    for name, operations in (
        ("face check poll", ["GetItem"]),
        ("face check callback", ["PutItem", "GetItem", "BatchGetItem", "TransactWriteItems"]),
    ):
        flow = flows[name]
        state = flow.setup(harness)
        counter = RoundTripCounter()
        counter.arm_all()
        with counter.counting() as calls:
            flow.action(harness, state)
        assert [c.operation for c in calls.items] == operations, name
        assert calls.round_trips == flow.design_min and flow.goal.met(calls), name
