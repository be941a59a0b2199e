"""账号注销: requested after 身份验证, withdrawn by any login or 撤销注销 within 15 days, carried
out by the daily job (which never scans), whole or not at all.

GIVEN a citizen with a link, a 亲情号, a 办件, a 收藏 and sessions,
WHEN they request 注销 and the days pass (the test clock),
THEN the rules hold, each refusal answers its error id, and what remains is only what must.
"""

from __future__ import annotations

import threading
from datetime import datetime, timedelta

import pytest

from chalicelib import clock, crypto, settings
from chalicelib.citizen_data import phone_mac
from chalicelib.jobs import cancellations as job
from chalicelib.store import accounts, audit, favourites, tables
from chalicelib.store import cases as case_store
from chalicelib.store.models import AuditEventModel, ClaimModel, SessionModel
from tests.functional.test_cases import FIELDS, SERVICE
from tests.functional.test_data_export import INJURY, proof
from tests.functional.test_family_numbers import bind_form, real_name_user, relative
from tests.support import Browser, new_citizen


def _session_account(browser) -> str:
    from chalicelib.store import sessions

    return sessions.get(crypto.hash_token(browser.cookies["hall_session"])).account_id


def _events(account_id: str) -> list[str]:
    return [e.event for e in audit.for_subject(f"account#{account_id}", limit=500)]


def request_cancellation(browser, password: str):
    reply = browser.post("/api/account/cancellation", {"proof": proof(browser, "cancel", password)})
    assert reply.status == 202, reply.body
    return reply


@pytest.fixture
def operations():
    """The DynamoDB operations the code under test sends."""
    seen: list[str] = []
    events = tables.client().meta.events
    handler = lambda model, params, **_: seen.append(model.name)  # noqa: E731
    events.register("provide-client-params.dynamodb.*", handler)
    yield seen
    events.unregister("provide-client-params.dynamodb.*", handler)


@pytest.fixture
def citizen(browser):
    c = new_citizen()
    assert browser.register(c).status == 201
    return c


# -- the request ------------------------------------------------------------------------------------


def test_the_request_needs_a_cancel_proof(browser, citizen):
    for body in ({"proof": ""}, {"proof": proof(browser, "export", citizen.password)}):
        reply = browser.post("/api/account/cancellation", body)
        assert reply.status == 403, reply.body
        assert reply.body["code"] == "reauth_required"
    assert browser.get("/api/account/cancellation").body["pending"] is False


def test_a_request_is_pending_fifteen_days_and_ends_the_other_sessions(app, browser, app_client, citizen):
    # GIVEN the citizen logged in on another browser and in the app too
    app_login = app_client.login_password(citizen.phone, citizen.password)
    assert app_login.status == 200, app_login.body
    app_client.token = app_login.body["token"]
    assert app_client.get("/api/me").status == 200
    with Browser(app) as other:
        assert other.login_password(citizen.phone, citizen.password).status == 200
        assert other.get("/api/me").status == 200
        now = clock.now()
        # WHEN they request 注销 (the other device's login withdrew nothing: none was pending)
        reply = request_cancellation(browser, citizen.password)
        # THEN it is pending until fifteen days from now, said in China time
        assert reply.body["pending"] is True
        due = datetime.fromisoformat(reply.body["cancel_after"])
        assert timedelta(0) <= due - (now + timedelta(days=15)) < timedelta(seconds=30)
        assert reply.body["cancel_on"].startswith(due.astimezone(clock.CHINA).strftime("%Y年%m月%d日"))
        # AND the other browser and the app are logged out; this one is not
        assert other.get("/api/me").status == 401
        assert app_client.get("/api/me").status == 401
    assert browser.get("/api/me").status == 200
    assert browser.get("/api/account/cancellation").body["pending"] is True
    account_id = _session_account(browser)
    assert _events(account_id)[0] == "CancellationRequested"
    # AND a second request is refused
    again = browser.post("/api/account/cancellation", {"proof": proof(browser, "cancel", citizen.password)})
    assert again.status == 409
    assert again.body["code"] == "cancellation_pending"
    # AND the page shows the date and 撤销注销
    page = browser.get("/user/cancellation").body["_text"]
    assert "冷静期" in page and "撤销注销" in page and reply.body["cancel_on"] in page


def test_withdrawing_removes_the_pending_request(browser, citizen):
    request_cancellation(browser, citizen.password)
    reply = browser.delete("/api/account/cancellation")
    assert (reply.status, reply.body["pending"]) == (200, False), reply.body
    again = browser.delete("/api/account/cancellation")
    assert again.status == 409
    assert again.body["code"] == "cancellation_not_pending"
    assert _events(_session_account(browser))[0] == "CancellationWithdrawn"
    # AND the job finds nothing to delete on day 16
    clock.advance(timedelta(days=16))
    assert job.run(clock.now()).deleted == 0


# -- a login withdraws it ----------------------------------------------------------------------


@pytest.mark.parametrize("method", ["password", "sms_code"])
def test_a_login_within_fifteen_days_withdraws_the_request(app, browser, citizen, method):
    request_cancellation(browser, citizen.password)
    account_id = _session_account(browser)
    assert browser.delete("/api/sessions/current").status in (200, 204)
    # WHEN the citizen logs in again on day 14, by any method
    clock.advance(timedelta(days=14))
    with Browser(app) as again:
        if method == "password":
            reply = again.login_password(citizen.id_number, citizen.password)
        else:
            reply = again.login_sms(citizen.phone)
        # THEN the login says the request was withdrawn and where the page says so
        assert reply.status == 200, reply.body
        assert reply.body["cancellation_withdrawn"] is True
        assert reply.body["next"] == "/user/cancellation?withdrawn=1"
        page = again.get("/user/cancellation?withdrawn=1").body["_text"]
        assert "账号注销申请已撤销" in page
        assert again.get("/api/account/cancellation").body["pending"] is False
    assert "CancellationWithdrawn" in _events(account_id)
    # AND the job on day 16 deletes nothing
    clock.advance(timedelta(days=2))
    assert job.run(clock.now()).deleted == 0
    assert accounts.get(account_id) is not None


def test_a_login_without_a_pending_request_says_nothing_of_it(browser, citizen):
    assert browser.delete("/api/sessions/current").status in (200, 204)
    reply = browser.login_password(citizen.phone, citizen.password)
    assert reply.status == 200 and "cancellation_withdrawn" not in reply.body


# -- the deletion ------------------------------------------------------------------------------


def _claims(keys: list[str]) -> dict[str, str]:
    return {c.claim_key: c.account_id for c in ClaimModel.batch_get(keys)}


def test_the_job_on_day_sixteen_deletes_everything_and_the_id_and_phone_register_again(
    app, browser, base_library, operations
):
    # GIVEN a 实名用户 with a link, a 亲情号, a 办件 and a 收藏, who requests 注销
    citizen = real_name_user(browser, base_library)
    account_id = _session_account(browser)
    subject_mac = crypto.mac("test", "alipay-cancel-1")
    assert accounts.put_link("alipay", subject_mac, account_id, clock.now())
    mother = relative(base_library)
    assert browser.post("/api/family-numbers", bind_form(mother)).status == 201
    body = {"idempotency_key": "cancel-case-0123456789", "fields": FIELDS}
    case_id = browser.post(f"/api/services/{SERVICE}/applications", body).body["case"]["case_id"]
    assert browser.request("PUT", f"/api/favourites/{INJURY}").status == 200
    account = accounts.get(account_id)
    claim_keys = [
        accounts.id_claim_key(account.id_type, account.id_mac),
        accounts.phone_claim_key(account.phone_mac),
        accounts.link_claim_key("alipay", subject_mac),
        *[accounts.family_claim_key(e["doc_type"], e["id_mac"]) for e in account.family.values()],
    ]
    assert len(_claims(claim_keys)) == 4
    request_cancellation(browser, citizen.password)
    # WHEN the job runs on day 15 before the hour, nothing goes
    clock.advance(timedelta(days=15) - timedelta(minutes=1))
    assert job.run(clock.now()).deleted == 0
    assert accounts.get(account_id) is not None
    # WHEN it runs on day 16
    clock.advance(timedelta(days=1))
    operations.clear()
    report = job.run(clock.now())
    # THEN the account is deleted, with every claim, session and favourite
    assert report.deleted == 1
    assert "Scan" not in operations and "Query" in operations
    assert accounts.get(account_id) is None
    assert _claims(claim_keys) == {}
    assert list(SessionModel.by_account.query(account_id)) == []
    assert favourites.list_for(account_id) == []
    assert browser.get("/api/me").status == 401
    # AND the 办件 stays, a government record under the account's random id
    assert [c.case_id for c in case_store.all_for_account(account_id)] == [case_id]
    # AND the security events stay under that id, with nobody's phone, ID or name in them
    events = _events(account_id)
    assert events[0] == "AccountDeleted" and "Registered" in events
    retention = timedelta(days=180)
    for item in AuditEventModel.query(f"account#{account_id}"):
        text = str(item.detail or {})
        for value in (citizen.phone, citizen.phone[-4:], citizen.id_number, citizen.name, "****"):
            assert value not in text, (item.event, text)
        at = datetime.fromisoformat(item.event_id.split("#")[0])
        assert item.expires_at <= at + retention + timedelta(seconds=1)
    # AND the same ID and phone register again, as a new account; the relative is free to register too
    with Browser(app) as newcomer:
        again = newcomer.register(citizen)
        assert again.status == 201, again.body
        assert _session_account(newcomer) != account_id
        with Browser(app) as mother_browser:
            assert mother_browser.register(mother).status == 201


def test_a_second_run_reads_only_the_days_since_the_last(browser, citizen, operations):
    request_cancellation(browser, citizen.password)
    clock.advance(timedelta(days=16))
    assert job.run(clock.now()).deleted == 1
    clock.advance(timedelta(days=1))
    operations.clear()
    report = job.run(clock.now())
    assert report.days_read == 2 and report.deleted == 0
    assert operations.count("Query") == 2 and "Scan" not in operations


def test_a_login_racing_the_deletion_leaves_the_account_whole_or_gone(app, browser, citizen):
    request_cancellation(browser, citizen.password)
    account_id = _session_account(browser)
    clock.advance(timedelta(days=16))
    barrier = threading.Barrier(2)
    results: dict[str, object] = {}

    def login():
        with Browser(app) as device:
            barrier.wait()
            reply = device.login_password(citizen.phone, citizen.password)
            results["login"] = reply.status
            results["me"] = device.get("/api/me").status if reply.status == 200 else None

    def delete():
        barrier.wait()
        results["deleted"] = job.run(clock.now()).deleted

    threads = [threading.Thread(target=login), threading.Thread(target=delete)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    account = accounts.get(account_id)
    if results["deleted"] == 1:
        # Gone whole: no account, no claim, no live session; the login was refused.
        assert account is None
        assert results["login"] != 200, results
        assert _claims([accounts.phone_claim_key(phone_mac(citizen.phone))]) == {}
    else:
        # Whole: the login withdrew the request and its session works.
        assert account is not None and account.cancel_after is None
        assert (results["login"], results["me"]) == (200, 200)


def test_events_keep_at_least_the_retention_even_when_set_lower(monkeypatch, browser, citizen):
    monkeypatch.setenv("HALL_AUDIT_RETENTION_DAYS", "30")
    assert settings.get().audit_retention_days == 30
    assert audit.retention() == timedelta(days=180)
    monkeypatch.setenv("HALL_AUDIT_RETENTION_DAYS", "400")
    account_id = _session_account(browser)
    audit.record(f"account#{account_id}", "LoginSucceeded", clock.now(), method="password")
    newest = next(iter(AuditEventModel.query(f"account#{account_id}", scan_index_forward=False, limit=1)))
    at = datetime.fromisoformat(newest.event_id.split("#")[0])
    assert abs(newest.expires_at - (at + timedelta(days=400))) < timedelta(seconds=1)


def test_an_operator_reads_a_deleted_accounts_events_by_its_id(capsys, browser, citizen):
    from chalicelib.ops.__main__ import main

    request_cancellation(browser, citizen.password)
    account_id = _session_account(browser)
    clock.advance(timedelta(days=16))
    assert job.run(clock.now()).deleted == 1
    capsys.readouterr()  # (the dev outbox printed the SMS notices: not the operator's command)
    assert main(["events", "--account-id", account_id]) == 0
    out = capsys.readouterr().out
    assert "AccountDeleted" in out and "CancellationRequested" in out
    assert citizen.phone not in out and citizen.phone[-4:] not in out


def test_a_take_over_by_appeal_withdraws_the_previous_holders_request(app, browser):
    from tests.functional.test_appeals import _registered, _verified

    # GIVEN a squatter on the appellant's ID who requested 注销
    appellant = new_citizen(name="陈小红")
    squatter = new_citizen(name="李四", id_number=appellant.id_number)
    squatter_browser, account_id = _registered(app, squatter)
    request_cancellation(squatter_browser, squatter.password)
    # WHEN the verified holder takes the account over by 用户申诉
    appeal_id, passed = _verified(browser, appellant, "id_number_taken")
    assert passed.status == 200, passed.body
    new_password = "Chen#Hong2025"
    taken = browser.post(
        f"/api/appeals/{appeal_id}/password", {"password": new_password, "password_confirm": new_password}
    )
    assert taken.status == 200, taken.body
    # THEN nothing is pending, and the job on day 16 leaves the holder's account alone
    assert accounts.get(account_id).cancel_after is None
    clock.advance(timedelta(days=16))
    assert job.run(clock.now()).deleted == 0
    assert accounts.get(account_id) is not None
