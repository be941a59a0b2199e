"""用户申诉 (其他 tickets) and 在线办理 under injected faults, and retried by the client."""

from __future__ import annotations

import threading
import uuid

import pytest

from chalicelib.store import tables
from chalicelib.store.models import AppealModel
from tests.faults import ERRORS, DynamoFaults
from tests.functional.test_appeals_tickets import TEXT
from tests.functional.test_cases import FIELDS, SERVICE, real_name_citizen
from tests.support import Browser, last_code, make_phone

# The tables are this test's own (its own prefix): a test may scan them.


def _tickets() -> list[AppealModel]:
    tables.ready()
    return list(AppealModel.scan())


def _ticket_form(phone: str) -> dict:
    return {"category": "login", "text": TEXT, "phone": phone, "sms_code": last_code(phone)}


def _key() -> dict:
    return {"Idempotency-Key": str(uuid.uuid4())}


@pytest.mark.parametrize("kind", ERRORS)
def test_a_fault_filing_a_ticket_answers_busy_keeps_the_code_and_the_retry_files_it_once(browser, monkeypatch, kind):
    phone = make_phone()
    assert browser.send_code(phone, "appeal").status == 200
    form, key = _ticket_form(phone), _key()
    faults = DynamoFaults().install(monkeypatch)
    faults.fail_every(kind, "TransactWriteItems")
    reply = browser.post("/api/appeal-tickets", form, headers=key)
    assert reply.status == 503 and reply.body["code"] == "service_busy", reply.body
    assert _tickets() == []
    faults.heal()
    retry = browser.post("/api/appeal-tickets", form, headers=key)
    assert retry.status == 201, retry.body
    again = browser.post("/api/appeal-tickets", form, headers=key)
    assert again.status == 201 and again.body["appeal_id"] == retry.body["appeal_id"]
    assert len(_tickets()) == 1


def test_a_ticket_sent_again_with_its_key_is_filed_once_and_another_ticket_with_it_is_refused(browser):
    phone = make_phone()
    assert browser.send_code(phone, "appeal").status == 200
    form, key = _ticket_form(phone), _key()
    first = browser.post("/api/appeal-tickets", form, headers=key)
    assert first.status == 201, first.body
    second = browser.post("/api/appeal-tickets", form, headers=key)
    assert second.status == 201 and second.body["appeal_id"] == first.body["appeal_id"]
    other = browser.post("/api/appeal-tickets", {**form, "text": TEXT + "（补充）"}, headers=key)
    assert other.status == 422 and other.body["code"] == "idempotency_key_reused"
    assert len(_tickets()) == 1


def test_concurrent_tickets_with_one_key_file_one(app):
    phone = make_phone()
    with Browser(app) as b:
        assert b.send_code(phone, "appeal").status == 200
    form, key = _ticket_form(phone), _key()
    replies: list = []
    barrier = threading.Barrier(5)

    def attempt():
        with Browser(app) as b:
            b.get("/api/csrf")
            barrier.wait()
            replies.append(b.post("/api/appeal-tickets", form, headers=key))

    threads = [threading.Thread(target=attempt) for _ in range(5)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert any(r.status == 201 for r in replies)
    assert {r.body["code"] for r in replies if r.status != 201} <= {"request_in_progress"}
    assert len({r.body["appeal_id"] for r in replies if r.status == 201}) == 1
    assert len(_tickets()) == 1


# -- 在线办理: the application's own key (``idempotency_key``), committed with the case -----------


@pytest.mark.parametrize("kind", ERRORS)
def test_a_fault_applying_answers_busy_and_the_retry_makes_one_case(browser, base_library, monkeypatch, kind):
    real_name_citizen(browser, base_library)
    body = {"idempotency_key": uuid.uuid4().hex, "fields": FIELDS}
    faults = DynamoFaults().install(monkeypatch)
    faults.fail_every(kind, "TransactWriteItems")
    reply = browser.post(f"/api/services/{SERVICE}/applications", body)
    assert reply.status == 503 and reply.body["code"] == "service_busy", reply.body
    faults.heal()
    first = browser.post(f"/api/services/{SERVICE}/applications", body)
    assert first.status == 201, first.body
    again = browser.post(f"/api/services/{SERVICE}/applications", body)
    assert again.status == 200 and again.body["case"]["case_id"] == first.body["case"]["case_id"]
    assert browser.get("/api/cases?status=handling").body["cases"][0]["case_id"] == first.body["case"]["case_id"]
    assert len(browser.get("/api/cases?status=handling").body["cases"]) == 1
