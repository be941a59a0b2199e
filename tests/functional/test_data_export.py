"""个人信息导出: a citizen downloads their own data after 身份验证, the proof short-lived and single use.

GIVEN a 实名用户 with a linked identity provider, a 亲情号, a 办件 and a 收藏,
WHEN they prove themselves again and ask for the export,
THEN the JSON file holds their own data (their name, ID and phone unmasked, relatives masked),
is an attachment never cached, is audited, and each refusal answers its error id.
"""

from __future__ import annotations

import json
import threading
from datetime import timedelta

import pytest

from chalicelib import clock, crypto
from chalicelib.store import accounts, audit
from tests.functional.test_cases import FIELDS, SERVICE
from tests.functional.test_family_numbers import bind_form, real_name_user, relative
from tests.support import Browser, captcha_answer, last_code, new_citizen

INJURY = "SB0001"  # 工伤认定


def _session_account(browser) -> str:
    from chalicelib.store import sessions

    return sessions.get(crypto.hash_token(browser.cookies["hall_session"])).account_id


def proof(browser, purpose: str, password: str) -> str:
    reply = browser.post("/api/account/reauth", {"purpose": purpose, "password": password})
    assert reply.status == 201, reply.body
    assert reply.headers.get("Cache-Control") == "no-store"
    assert reply.body["expires_in"] == 300
    return reply.body["proof"]


@pytest.fixture
def rich_citizen(browser, base_library):
    """A 实名用户 with a link, a 亲情号, a 办件 and a 收藏."""
    citizen = real_name_user(browser, base_library)
    account_id = _session_account(browser)
    assert accounts.put_link("alipay", crypto.mac("test", "alipay-subject-1"), account_id, clock.now())
    mother = relative(base_library)
    assert browser.post("/api/family-numbers", bind_form(mother)).status == 201
    body = {"idempotency_key": "export-case-0123456789", "fields": FIELDS}
    applied = browser.post(f"/api/services/{SERVICE}/applications", body)
    assert applied.status == 201, applied.body
    assert browser.request("PUT", f"/api/favourites/{INJURY}").status == 200
    return citizen, mother, account_id, applied.body["case"]["case_id"]


def test_the_export_holds_the_citizens_own_data_as_an_attachment(browser, rich_citizen):
    citizen, mother, account_id, case_id = rich_citizen
    # WHEN the citizen proves themselves again and exports
    reply = browser.post("/api/account/data-export", {"proof": proof(browser, "export", citizen.password)})
    # THEN the answer is a JSON attachment never cached
    assert reply.status == 200, reply.body
    assert reply.headers["Content-Disposition"].startswith('attachment; filename="personal-data-')
    assert reply.headers["Cache-Control"] == "no-store"
    assert reply.headers["Content-Type"].startswith("application/json")
    data = reply.body
    # AND it holds their own name, ID number and phone unmasked (they are theirs)
    profile = data["profile"]
    assert (profile["name"], profile["id_number"], profile["phone"]) == (citizen.name, citizen.id_number, citizen.phone)
    assert profile["level"] == 2 and profile["password_set"] is True
    # AND the linked method, the relative (masked: another person), the case with its form, the favourite
    assert [link["provider"] for link in data["linked_methods"]] == ["alipay"]
    assert [f["name"] for f in data["family_numbers"]] == ["陈*"]
    assert mother.id_number not in json.dumps(data, ensure_ascii=False)
    assert [c["case_id"] for c in data["cases"]] == [case_id]
    assert "南京大学" in data["cases"][0]["form"].values()
    assert [f["service_code"] for f in data["favourites"]] == [INJURY]
    # AND the security events, registration and the 亲情号 among them
    events = [e["event"] for e in data["security_events"]]
    assert "Registered" in events and "FamilyNumberBound" in events
    assert data["pending_cancellation"]["pending"] is False
    # AND the export is audited
    assert audit.for_subject(f"account#{account_id}")[0].event == "PersonalDataExported"


def test_the_export_needs_a_proof(browser):
    citizen = new_citizen()
    assert browser.register(citizen).status == 201
    # WHEN there is no proof, or a made-up one
    for body in ({"proof": ""}, {"proof": "x" * 43}):
        reply = browser.post("/api/account/data-export", body)
        # THEN it is refused: reauth_required
        assert reply.status == 403, reply.body
        assert reply.body["code"] == "reauth_required"


def test_a_proof_is_used_once_and_for_its_purpose_only(browser):
    citizen = new_citizen()
    assert browser.register(citizen).status == 201
    token = proof(browser, "export", citizen.password)
    assert browser.post("/api/account/data-export", {"proof": token}).status == 200
    # WHEN the same proof comes again THEN it is refused
    again = browser.post("/api/account/data-export", {"proof": token})
    assert again.status == 403
    assert again.body["code"] == "reauth_required"
    # AND a proof for 注销 does not export
    cancel_proof = proof(browser, "cancel", citizen.password)
    wrong = browser.post("/api/account/data-export", {"proof": cancel_proof})
    assert wrong.status == 403
    assert wrong.body["code"] == "reauth_required"


def test_a_proof_expires_after_five_minutes(browser):
    citizen = new_citizen()
    assert browser.register(citizen).status == 201
    token = proof(browser, "export", citizen.password)
    clock.advance(timedelta(minutes=5, seconds=1))
    late = browser.post("/api/account/data-export", {"proof": token})
    assert late.status == 403
    assert late.body["code"] == "reauth_required"


def test_another_citizens_proof_does_not_export(app, browser):
    citizen, other = new_citizen(), new_citizen(name="林晓")
    assert browser.register(citizen).status == 201
    token = proof(browser, "export", citizen.password)
    with Browser(app) as stranger:
        assert stranger.register(other).status == 201
        reply = stranger.post("/api/account/data-export", {"proof": token})
        assert reply.status == 403
        assert reply.body["code"] == "reauth_required"


def test_parallel_uses_of_one_proof_export_once(app, browser):
    citizen = new_citizen()
    assert browser.register(citizen).status == 201
    token = proof(browser, "export", citizen.password)
    tabs = []
    for _ in range(6):
        tab = Browser(app)
        tab.cookies.update(browser.cookies)
        tabs.append(tab)
    barrier = threading.Barrier(len(tabs))
    statuses: list[int] = []

    def use(tab):
        barrier.wait()
        statuses.append(tab.post("/api/account/data-export", {"proof": token}).status)

    threads = [threading.Thread(target=use, args=(tab,)) for tab in tabs]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(statuses) == [200] + [403] * 5


def test_a_wrong_password_gives_no_proof_and_counts_toward_the_lock(browser):
    citizen = new_citizen()
    assert browser.register(citizen).status == 201
    reply = browser.post("/api/account/reauth", {"purpose": "export", "password": "Wrong#pass1"})
    assert reply.status == 401, reply.body
    assert reply.body["code"] == "old_password_invalid"
    assert "password" in reply.body["fields"]
    # AND a purpose the hall does not know is a validation error
    unknown = browser.post("/api/account/reauth", {"purpose": "delete_everything", "password": citizen.password})
    assert unknown.status == 400
    assert unknown.body["code"] == "validation_failed"


def test_an_account_without_a_password_proves_itself_by_an_sms_code_to_its_bound_phone(browser):
    # GIVEN an account without a password (made by an identity provider)
    citizen = new_citizen()
    assert browser.register(citizen).status == 201
    from chalicelib.store.models import AccountModel

    account_id = _session_account(browser)
    AccountModel(account_id, version=1).update(
        actions=[AccountModel.password_hash.remove()], add_version_condition=False
    )
    # WHEN it asks for a code (captcha first; a minute after registration's), it goes to the bound phone only
    clock.advance(timedelta(seconds=61))
    challenge = browser.post("/api/captchas").body["captcha_id"]
    sent = browser.post(
        "/api/account/reauth-codes", {"captcha_id": challenge, "captcha_answer": captcha_answer(challenge)}
    )
    assert sent.status == 201, sent.body
    assert sent.body["phone_masked"] == citizen.phone[:3] + "****" + citizen.phone[-4:]
    # AND a wrong code is refused, the right one answers a proof that exports
    wrong = browser.post("/api/account/reauth", {"purpose": "export", "sms_code": "000000"})
    assert wrong.status == 400, wrong.body
    assert wrong.body["code"] == "sms_code_invalid"
    right = browser.post("/api/account/reauth", {"purpose": "export", "sms_code": last_code(citizen.phone)})
    assert right.status == 201, right.body
    assert browser.post("/api/account/data-export", {"proof": right.body["proof"]}).status == 200


def test_the_export_page_asks_for_the_password(browser):
    citizen = new_citizen()
    assert browser.register(citizen).status == 201
    page = browser.get("/user/data-export").body["_text"]
    assert "个人信息导出" in page and 'data-purpose="export"' in page and 'name="password"' in page
    assert browser.delete("/api/sessions/current").status in (200, 204)
    assert browser.get("/user/data-export").status == 302


def test_a_reauth_code_is_never_sent_to_a_typed_phone(browser):
    # GIVEN the general SMS route: the purpose reauth is not among the ones it sends
    challenge = browser.post("/api/captchas").body["captcha_id"]
    reply = browser.post(
        "/api/sms-codes",
        {
            "phone": "13800001111",
            "purpose": "reauth",
            "captcha_id": challenge,
            "captcha_answer": captcha_answer(challenge),
        },
    )
    # THEN it is refused, and only the logged-in account's route sends one (to its bound phone)
    assert reply.status == 400, reply.body
    assert reply.body["code"] == "validation_failed"
    assert browser.post("/api/account/reauth-codes", {"captcha_id": "x", "captcha_answer": "y"}).status == 401
