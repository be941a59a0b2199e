"""Registration, login and SMS send under injected DynamoDB faults, and registration retried.

Each injected fault answers the one retryable shape (503 ``service_busy`` with ``retry_after``),
leaves no half account (the account, its ID and phone claims and the code's use are one
transaction), spends no code the citizen still needs, and the retry succeeds.
"""

from __future__ import annotations

import threading
import uuid

import pytest

from chalicelib.store import tables
from chalicelib.store.models import AccountModel, ClaimModel, SessionModel
from tests.faults import ERRORS, DynamoFaults, on_the_wire
from tests.support import last_code, new_citizen

# The tables are this test's own (its own prefix): a test may scan them.


def _accounts() -> list[AccountModel]:
    tables.ready()
    return list(AccountModel.scan())


def _claims() -> list[ClaimModel]:
    tables.ready()
    return list(ClaimModel.scan())


def _assert_whole_accounts_only() -> None:
    """Every account has its ID and phone claims, and every claim its account."""
    accounts = {a.account_id: a for a in _accounts()}
    claims = _claims()
    for claim in claims:
        assert claim.account_id in accounts, f"claim {claim.kind} without its account"
    for account_id in accounts:
        kinds = sorted(c.kind for c in claims if c.account_id == account_id)
        assert kinds == ["id", "phone"], kinds


def _form(citizen, code: str) -> dict:
    return {
        "id_type": citizen.id_type,
        "id_number": citizen.id_number,
        "name": citizen.name,
        "phone": citizen.phone,
        "sms_code": code,
        "password": citizen.password,
        "password_confirm": citizen.password,
        "agreement_accepted": True,
    }


def _key() -> dict:
    return {"Idempotency-Key": uuid.uuid4().hex}


def _assert_busy(reply) -> None:
    assert reply.status == 503, reply.body
    assert reply.body["code"] == "service_busy"
    assert reply.body["retry_after"] >= 1
    assert reply.headers["Retry-After"] == str(reply.body["retry_after"])
    assert set(reply.body) >= {"code", "message", "fields", "request_id"}


@pytest.mark.parametrize("kind", ERRORS)
def test_each_dynamodb_fault_on_registration_answers_busy_and_the_retry_registers(browser, monkeypatch, kind):
    # GIVEN a citizen with a code, and DynamoDB failing the registration's transaction
    citizen = new_citizen()
    assert browser.send_code(citizen.phone, "register").status == 200
    faults = DynamoFaults().install(monkeypatch)
    faults.fail_every(kind, "TransactWriteItems")
    # WHEN they register
    reply = browser.post("/api/registrations", _form(citizen, last_code(citizen.phone)))
    # THEN the answer says to retry, and nothing of the account exists
    _assert_busy(reply)
    assert _accounts() == [] and _claims() == []
    # WHEN DynamoDB recovers and the same form is sent again (the same code)
    faults.heal()
    retry = browser.post("/api/registrations", _form(citizen, last_code(citizen.phone)))
    # THEN it registers: the failed try did not spend the code
    assert retry.status == 201, retry.body
    assert len(_accounts()) == 1
    _assert_whole_accounts_only()


@pytest.mark.parametrize("kind", ["throttling", "read_timeout"])
def test_a_fault_at_each_call_of_a_registration_leaves_no_half_account_and_the_retry_registers_once(
    browser, monkeypatch, kind
):
    faults = DynamoFaults().install(monkeypatch)
    # How many DynamoDB calls one registration makes (with an Idempotency-Key: Powertools' too).
    probe = new_citizen()
    assert browser.send_code(probe.phone, "register").status == 200
    start = faults.count_from_now()
    assert browser.post("/api/registrations", _form(probe, last_code(probe.phone)), headers=_key()).status == 201
    calls = faults.count_from_now() - start
    assert calls >= 4, faults.calls[start:]  # the key put, the code, the transaction, the key done
    browser.delete("/api/sessions/current")
    for at_call in range(1, calls + 1):
        # GIVEN a citizen with a code, and the at_call-th DynamoDB call of the registration failing
        citizen = new_citizen()
        from datetime import timedelta

        from chalicelib import clock

        clock.advance(timedelta(minutes=2))
        assert browser.send_code(citizen.phone, "register").status == 200
        form, key = _form(citizen, last_code(citizen.phone)), _key()
        faults.fail(kind, at_call)
        reply = browser.post("/api/registrations", form, headers=key)
        faults.heal()
        # THEN it answers busy (or, for a call after the commit whose loss cannot hurt, registered),
        # and no claim is left without its account nor an account without its claims
        assert reply.status in (201, 503), (at_call, reply.body)
        if reply.status == 503:
            _assert_busy(reply)
        _assert_whole_accounts_only()
        # WHEN the client sends the same request again
        retry = browser.post("/api/registrations", form, headers=key)
        # THEN it is registered, once
        assert retry.status == 201, (at_call, faults.calls[-calls:], retry.body)
        mine = [a for a in _accounts() if a.phone_masked == retry.body["user"]["phone"]]
        assert len(mine) == 1, at_call
        browser.delete("/api/sessions/current")
    _assert_whole_accounts_only()


def test_botocore_retries_a_throttled_transaction_by_itself(browser):
    # GIVEN DynamoDB answering the registration's transaction once with a throttle (on the wire)
    citizen = new_citizen()
    assert browser.send_code(citizen.phone, "register").status == 200
    with on_the_wire(tables.client(), "throttling", times=1, operation="TransactWriteItems") as wire:
        reply = browser.post("/api/registrations", _form(citizen, last_code(citizen.phone)))
    # THEN the hall's client retried it and the citizen never saw it
    assert wire.answered, "the fault was not injected"
    assert reply.status == 201, reply.body


@pytest.mark.parametrize("kind", ERRORS)
def test_each_dynamodb_fault_on_password_login_answers_busy(browser, monkeypatch, kind):
    citizen = new_citizen()
    assert browser.register(citizen).status == 201
    browser.delete("/api/sessions/current")
    faults = DynamoFaults().install(monkeypatch)
    faults.fail_every(kind)
    reply = browser.post(
        "/api/sessions", {"method": "password", "identifier": citizen.id_number, "password": citizen.password}
    )
    _assert_busy(reply)
    faults.heal()
    assert browser.login_password(citizen.id_number, citizen.password).status == 200


@pytest.mark.parametrize("kind", ERRORS)
def test_each_dynamodb_fault_on_sms_send_answers_busy(browser, monkeypatch, kind):
    from tests.support import captcha_answer

    phone = new_citizen().phone
    challenge = browser.post("/api/captchas").body["captcha_id"]
    answer = captcha_answer(challenge)
    faults = DynamoFaults().install(monkeypatch)
    faults.fail_every(kind)
    reply = browser.post(
        "/api/sms-codes", {"phone": phone, "purpose": "register", "captcha_id": challenge, "captcha_answer": answer}
    )
    _assert_busy(reply)
    faults.heal()
    assert browser.send_code(phone, "register").status == 200


def test_an_undelivered_code_is_never_valid(browser, monkeypatch):
    # GIVEN a gateway that fails after the code was stored
    from chalicelib.platforms import sms

    real = sms.sender()
    sent: list[str] = []

    class Failing:
        def send(self, phone, text):
            sent.append(text)  # what would have gone out (the test reads the code from it)
            raise RuntimeError("gateway down")

    citizen = new_citizen()
    monkeypatch.setattr(sms, "sender", lambda: Failing())
    reply = browser.send_code(citizen.phone, "register", wait=False)
    # THEN the citizen is told to retry, with when
    assert reply.status == 503 and reply.body["code"] == "sms_unavailable"
    assert reply.headers["Retry-After"] == str(reply.body["retry_after"])
    # AND the code that was not delivered cannot register anyone
    import re

    undelivered = re.search(r"(\d{6})", sent[0]).group(1)
    refused = browser.post("/api/registrations", _form(citizen, undelivered))
    assert refused.status == 400 and refused.body["code"] == "sms_code_expired"
    # WHEN the gateway is back and the citizen asks again after the minute
    monkeypatch.setattr(sms, "sender", lambda: real)
    assert browser.send_code(citizen.phone, "register").status == 200
    # THEN the new code registers
    assert browser.post("/api/registrations", _form(citizen, last_code(citizen.phone))).status == 201


def test_a_failing_base_library_does_not_block_registration(browser, monkeypatch):
    from chalicelib.platforms import base_library

    class Down:
        def verify(self, *_a):
            return base_library.Verdict.UNAVAILABLE

    monkeypatch.setattr(base_library, "library", lambda: Down())
    citizen = new_citizen()
    reply = browser.register(citizen)
    assert reply.status == 201, reply.body
    assert reply.body["user"]["level"] == 1  # 注册用户, raised later by 基本信息修改


# -- Idempotency-Key ------------------------------------------------------------------------------


def test_registering_twice_with_one_key_gives_the_same_account_once(browser, app):
    from tests.support import Browser

    citizen = new_citizen()
    assert browser.send_code(citizen.phone, "register").status == 200
    form, key = _form(citizen, last_code(citizen.phone)), _key()
    first = browser.post("/api/registrations", form, headers=key)
    assert first.status == 201, first.body
    # The same request from another connection (the first answer was lost): the same account,
    # a session of its own.
    with Browser(app) as again:
        second = again.post("/api/registrations", form, headers=key)
        assert second.status == 201, second.body
        assert second.body["user"] == first.body["user"]
        tables.ready()
        first_session = SessionModel.get(_token_hash(browser))
        second_session = SessionModel.get(_token_hash(again))
        assert first_session.account_id == second_session.account_id
        assert first_session.token_hash != second_session.token_hash
    assert len(_accounts()) == 1


def _token_hash(client) -> str:
    from chalicelib import crypto

    return crypto.hash_token(client.cookies["hall_session"])


def test_one_key_with_another_form_is_refused(browser):
    citizen = new_citizen()
    assert browser.send_code(citizen.phone, "register").status == 200
    form, key = _form(citizen, last_code(citizen.phone)), _key()
    assert browser.post("/api/registrations", form, headers=key).status == 201
    other = {**form, "password": "Other#pass2025", "password_confirm": "Other#pass2025"}
    reply = browser.post("/api/registrations", other, headers=key)
    assert reply.status == 422 and reply.body["code"] == "idempotency_key_reused"


def test_a_malformed_key_is_refused(browser):
    citizen = new_citizen()
    reply = browser.post("/api/registrations", _form(citizen, "123456"), headers={"Idempotency-Key": "short"})
    assert reply.status == 400 and reply.body["code"] == "validation_failed"
    assert "idempotency_key" in reply.body["fields"]


def test_concurrent_registrations_with_one_key_create_one_account(app):
    from tests.support import Browser

    citizen = new_citizen()
    with Browser(app) as b:
        assert b.send_code(citizen.phone, "register").status == 200
    form, key = _form(citizen, last_code(citizen.phone)), _key()
    replies: list = []
    barrier = threading.Barrier(6)

    def attempt():
        with Browser(app) as b:
            b.get("/api/csrf")
            barrier.wait()
            replies.append(b.post("/api/registrations", form, headers=key))

    threads = [threading.Thread(target=attempt) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    codes = sorted(r.body.get("code", "created") if r.status != 201 else "created" for r in replies)
    assert "created" in codes
    assert set(codes) <= {"created", "request_in_progress"}, codes
    for r in replies:
        if r.status == 409:
            assert r.body["code"] == "request_in_progress" and r.headers["Retry-After"] == "1"
    assert len(_accounts()) == 1
    _assert_whole_accounts_only()
