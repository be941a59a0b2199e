"""忘记密码找回: 填写账号 → 人脸识别 or 短信验证 → 设置新密码 → 完成修改, through the API.

GIVEN a registered citizen (and strangers), WHEN they take the recovery's steps in a browser
(cookies kept, CSRF sent), THEN each step is accepted only after the previous one passed for
the same record in the same browser, step 1 tells nobody whether an account exists, and the
last step replaces the password, revokes every session, clears the lock, notifies the phone
and writes the audit event.
"""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest

from chalicelib import clock
from tests.support import AppClient, Browser, captcha_answer, messages_to, new_citizen

NEW_PASSWORD = "Nanjing#2025x"
RECOVERY_COOKIE = "hall_recovery"


def _strip(body: dict) -> dict:
    return {k: v for k, v in body.items() if k != "request_id"}


def _captcha(browser) -> dict:
    challenge = browser.post("/api/captchas")
    assert challenge.status == 200, challenge.body
    captcha_id = challenge.body["captcha_id"]
    return {"captcha_id": captcha_id, "captcha_answer": captcha_answer(captcha_id)}


def start(browser, citizen, **overrides):
    form = {"id_type": citizen.id_type, "id_number": citizen.id_number, "name": citizen.name, **_captcha(browser)}
    form.update(overrides)
    return browser.post("/api/recoveries", form)


def send_code(browser, phone: str):
    """获取验证码, waiting out the phone's minute (on the test clock) when it was just sent one."""
    for _ in range(2):
        # (as the page sends it: sms-code.js names the purpose too)
        body = {"phone": phone, "purpose": "recovery", **_captcha(browser)}
        reply = browser.post("/api/recoveries/current/sms-codes", body)
        if reply.body.get("code") != "sms_resend_too_soon":
            return reply
        clock.advance(timedelta(seconds=reply.body["retry_after"]))
    return reply


def recovery_code(phone: str) -> str | None:
    import re

    for text in messages_to(phone):
        match = re.search(r"找回密码验证码为(\d{6})", text)
        if match:
            return match.group(1)
    return None


def verify_sms(browser, phone: str, code: str):
    return browser.post("/api/recoveries/current/sms-verification", {"phone": phone, "sms_code": code})


def set_password(browser, password: str = NEW_PASSWORD, confirm: str | None = None):
    return browser.post(
        "/api/recoveries/current/password",
        {"password": password, "password_confirm": password if confirm is None else confirm},
    )


def verified_by_sms(browser, citizen) -> None:
    assert start(browser, citizen).status == 201
    assert send_code(browser, citizen.phone).status == 200
    reply = verify_sms(browser, citizen.phone, recovery_code(citizen.phone))
    assert reply.status == 200, reply.body


@pytest.fixture
def citizen(app):
    person = new_citizen()
    with Browser(app) as registering:
        assert registering.register(person).status == 201
    return person


# -- the whole way, by SMS -------------------------------------------------------------------


def test_a_citizen_recovers_by_sms_and_every_old_session_and_the_lock_are_gone(app, browser, citizen):
    from chalicelib.store import audit
    from chalicelib.store.lockouts import account_subject

    # GIVEN the citizen logged in on a browser and in the app, then locked out by five wrong passwords
    with Browser(app) as desk, AppClient(app) as phone_app:
        assert desk.login_password(citizen.phone, citizen.password).status == 200
        logged_in = phone_app.login_password(citizen.phone, citizen.password)
        phone_app.token = logged_in.body["token"]
        statuses = [browser.login_password(citizen.phone, "Wrong#pass1").status for _ in range(5)]
        assert statuses[-1] == 423

        # WHEN they fill in the account (填写账号)
        first = start(browser, citizen)
        assert first.status == 201, first.body
        assert first.body == {"step": "verify", "methods": ["face", "sms_code"]}
        assert RECOVERY_COOKIE in browser.cookies
        # AND verify by SMS (短信验证): the code goes to the bound phone
        sent = send_code(browser, citizen.phone)
        assert sent.status == 200, sent.body
        assert sent.body["phone_masked"] == f"{citizen.phone[:3]}****{citizen.phone[-4:]}"
        code = recovery_code(citizen.phone)
        assert code is not None
        verified = verify_sms(browser, citizen.phone, code)
        assert verified.status == 200, verified.body
        assert verified.body["step"] == "password"
        # AND set a new password (设置新密码)
        done = set_password(browser)

        # THEN 完成修改, and the recovery's cookie is gone
        assert done.status == 200, done.body
        assert done.body == {"step": "done"}
        assert RECOVERY_COOKIE not in browser.cookies
        # AND every session of the account was revoked, the browser's and the app's
        assert desk.get("/api/me").status == 401
        assert phone_app.get("/api/me").status == 401
    # AND the old password no longer opens the account, the new one does (the lock was cleared)
    assert browser.login_password(citizen.phone, citizen.password).body["code"] == "invalid_credentials"
    assert browser.login_password(citizen.id_number, NEW_PASSWORD).status == 200
    # AND the bound phone got a notice, and the account's security log has the event
    assert any("通过“忘记密码”重新设置登录密码" in text for text in messages_to(citizen.phone))
    events = audit.for_subject(account_subject(_account_id(citizen)))
    recovered = [e for e in events if e.event == "PasswordRecovered"]
    assert len(recovered) == 1 and recovered[0].method == "sms_code"


def _account_id(citizen) -> str:
    from chalicelib.citizen_data import id_number_mac
    from chalicelib.store import accounts

    key = accounts.id_claim_key(citizen.id_type, id_number_mac(citizen.id_number))
    return accounts.find_account_ids([key])[key]


# -- step 1 tells nobody whether an account exists --------------------------------------------


def test_step_one_answers_the_same_for_an_account_an_unknown_id_and_a_wrong_name(app, citizen):
    answers = []
    for person in (citizen, new_citizen(), new_citizen(name="王芳", id_number=citizen.id_number)):
        with Browser(app) as browser:
            reply = start(browser, person)
            cookie = reply.headers.get("Set-Cookie") or reply.headers.get("set-cookie")
            cookie = cookie if isinstance(cookie, str) else ";".join(cookie)
            shape = cookie.replace(browser.cookies[RECOVERY_COOKIE], "<value>")
            answers.append((reply.status, _strip(reply.body), shape, len(browser.cookies[RECOVERY_COOKIE])))
    assert answers[0][0] == 201
    assert answers[0] == answers[1] == answers[2]


def test_step_one_makes_the_same_reads_whether_or_not_an_account_matched(app, citizen, monkeypatch):
    import botocore.client

    calls: list[str] = []
    original = botocore.client.BaseClient._make_api_call

    def recording(self, operation, params):
        if self.meta.service_model.service_name == "dynamodb":
            calls.append(operation)
        return original(self, operation, params)

    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", recording)
    made = []
    for person in (citizen, new_citizen()):
        with Browser(app) as browser:
            form = {"id_type": person.id_type, "id_number": person.id_number, "name": person.name}
            form.update(_captcha(browser))
            calls.clear()
            assert browser.post("/api/recoveries", form).status == 201
            made.append(list(calls))
    assert made[0] == made[1]
    assert "GetItem" in made[0]


def test_a_code_is_sent_only_to_the_bound_phone_and_the_answers_do_not_say_which(app, citizen):
    stranger_phone = new_citizen().phone
    replies = {}
    cases = {
        "bound": (citizen, citizen.phone),
        "not_bound": (citizen, stranger_phone),
        "wrong_name": (new_citizen(name="王芳", id_number=citizen.id_number), citizen.phone),
        "unknown": (new_citizen(), stranger_phone),
    }
    for case, (person, phone) in cases.items():
        clock.advance(timedelta(seconds=61))  # each phone's minute between sends
        with Browser(app) as browser:
            assert start(browser, person).status == 201
            sent = send_code(browser, phone)
            wrong = verify_sms(browser, phone, "000000" if recovery_code(phone) != "000000" else "111111")
            replies[case] = (sent.status, _strip(sent.body), wrong.status, _strip(wrong.body))
    # THEN the answers are alike: sent to the phone typed, and a wrong code has the same tries left
    assert replies["bound"][0] == 200 and replies["bound"][2] == 400
    assert replies["bound"][3]["code"] == "sms_code_invalid" and replies["bound"][3]["tries_left"] == 4
    masked = lambda phone: f"{phone[:3]}****{phone[-4:]}"  # noqa: E731
    for case, (person, phone) in cases.items():
        expected = (200, {**replies["bound"][1], "phone_masked": masked(phone)}, 400, replies["bound"][3])
        assert replies[case] == expected, case
    # AND only the bound phone received a code, once; the other phone none
    assert len([t for t in messages_to(citizen.phone) if "找回密码验证码" in t]) == 1
    assert messages_to(stranger_phone) == []


def test_the_generic_sms_endpoint_sends_no_recovery_code(browser, citizen):
    reply = browser.send_code(citizen.phone, "recovery")
    assert reply.status == 400 and "purpose" in reply.body["fields"]
    assert recovery_code(citizen.phone) is None


# -- refusals --------------------------------------------------------------------------------


def test_a_wrong_sms_code_counts_a_try(browser, citizen):
    assert start(browser, citizen).status == 201
    assert send_code(browser, citizen.phone).status == 200
    right = recovery_code(citizen.phone)
    wrong = verify_sms(browser, citizen.phone, "123456" if right != "123456" else "654321")
    assert wrong.status == 400
    assert wrong.body["code"] == "sms_code_invalid"
    assert wrong.body["tries_left"] == 4
    # The right code still works after one wrong try; the step is then passed once only.
    assert verify_sms(browser, citizen.phone, right).status == 200
    again = verify_sms(browser, citizen.phone, right)
    assert again.status == 409 and again.body["code"] == "recovery_step_skipped"


def test_a_phone_that_is_not_the_bound_one_cannot_pass_even_with_a_code_it_received(app, browser, citizen):
    # GIVEN another citizen's phone, with a login code and a recovery code of their own recovery
    other = new_citizen(name="林晓")
    with Browser(app) as other_browser:
        assert other_browser.register(other).status == 201
        clock.advance(timedelta(seconds=61))
        verified = other_browser.login_sms(other.phone)
        assert verified.status == 200
        clock.advance(timedelta(seconds=61))
        assert start(other_browser, other).status == 201
        assert send_code(other_browser, other.phone).status == 200
    their_recovery_code = recovery_code(other.phone)
    # WHEN that phone and its code are used in a recovery of the first citizen's account
    # (whose bound phone was sent a code of its own)
    assert start(browser, citizen).status == 201
    assert send_code(browser, citizen.phone).status == 200
    refused = verify_sms(browser, other.phone, their_recovery_code)
    # THEN it is a wrong code: a code belongs to one recovery and one phone
    assert refused.status == 400
    assert refused.body["code"] == "sms_code_invalid"
    # AND a code sent for this recovery to that phone is never sent (nobody can type it)
    clock.advance(timedelta(seconds=61))
    before = len(messages_to(other.phone))
    assert send_code(browser, other.phone).status == 200
    assert len(messages_to(other.phone)) == before
    assert set_password(browser).body["code"] == "recovery_step_skipped"


def test_a_recovery_code_the_gateway_never_delivered_is_void(browser, citizen, monkeypatch):
    import re

    from chalicelib.platforms import sms

    # GIVEN a gateway that fails after the recovery's code was stored
    real, sent = sms.sender(), []

    class Failing:
        def send(self, phone, text):
            sent.append(text)  # what would have gone out (the test reads the code from it)
            raise RuntimeError("gateway down")

    assert start(browser, citizen).status == 201
    monkeypatch.setattr(sms, "sender", lambda: Failing())
    reply = send_code(browser, citizen.phone)
    # THEN the citizen is told to retry, and when
    assert reply.status == 503 and reply.body["code"] == "sms_unavailable"
    assert reply.headers["Retry-After"] == str(reply.body["retry_after"])
    # AND the code that was never delivered passes no one
    undelivered = re.search(r"(\d{6})", sent[0]).group(1)
    refused = verify_sms(browser, citizen.phone, undelivered)
    assert refused.status == 400 and refused.body["code"] == "sms_code_expired"
    # WHEN the gateway is back THEN a new code, after the minute, passes
    monkeypatch.setattr(sms, "sender", lambda: real)
    assert send_code(browser, citizen.phone).status == 200
    assert verify_sms(browser, citizen.phone, recovery_code(citizen.phone)).status == 200


def test_an_expired_sms_code_is_refused(browser, citizen):
    assert start(browser, citizen).status == 201
    assert send_code(browser, citizen.phone).status == 200
    clock.advance(timedelta(minutes=6))
    reply = verify_sms(browser, citizen.phone, recovery_code(citizen.phone))
    assert reply.status == 400 and reply.body["code"] == "sms_code_expired"


def test_the_new_password_cannot_come_before_a_verification(browser, citizen):
    assert start(browser, citizen).status == 201
    skipped = set_password(browser)
    assert skipped.status == 409
    assert skipped.body["code"] == "recovery_step_skipped"
    assert browser.login_password(citizen.phone, citizen.password).status == 200


def test_no_step_without_a_recovery_in_this_browser(browser, citizen):
    for path, body in (
        ("/api/recoveries/current/sms-codes", {"phone": citizen.phone, **_captcha(browser)}),
        ("/api/recoveries/current/sms-verification", {"phone": citizen.phone, "sms_code": "123456"}),
        ("/api/recoveries/current/password", {"password": NEW_PASSWORD, "password_confirm": NEW_PASSWORD}),
    ):
        reply = browser.post(path, body)
        assert reply.status == 400, path
        assert reply.body["code"] == "recovery_expired"


def test_an_expired_recovery_is_refused(browser, citizen):
    assert start(browser, citizen).status == 201
    clock.advance(timedelta(minutes=31))
    reply = send_code(browser, citizen.phone)
    assert reply.status == 400
    assert reply.body["code"] == "recovery_expired"


def test_an_expired_recovery_cannot_set_the_password_even_after_it_was_verified(browser, citizen):
    verified_by_sms(browser, citizen)
    clock.advance(timedelta(minutes=31))
    reply = set_password(browser)
    assert reply.body["code"] == "recovery_expired"
    assert browser.login_password(citizen.phone, citizen.password).status == 200


def test_another_browser_cannot_continue_a_recovery(app, browser, citizen):
    verified_by_sms(browser, citizen)
    recovery_id = browser.cookies[RECOVERY_COOKIE].split(".")[0]
    with Browser(app) as other:
        other.cookies[RECOVERY_COOKIE] = f"{recovery_id}.someone-elses-secret"
        reply = set_password(other)
    assert reply.status == 403
    assert reply.body["code"] == "recovery_other_browser"
    # The recovery is still the first browser's to finish.
    assert set_password(browser).status == 200


def test_a_finished_recovery_cannot_be_replayed(browser, citizen):
    verified_by_sms(browser, citizen)
    cookie = browser.cookies[RECOVERY_COOKIE]
    assert set_password(browser).status == 200
    browser.cookies[RECOVERY_COOKIE] = cookie
    replay = set_password(browser, "Another#pass9x")
    assert replay.body["code"] == "recovery_expired"
    assert browser.login_password(citizen.phone, NEW_PASSWORD).status == 200


def test_the_old_password_is_refused_as_the_new_one(browser, citizen):
    verified_by_sms(browser, citizen)
    reply = set_password(browser, citizen.password)
    assert reply.status == 400
    assert reply.body["code"] == "password_unchanged"
    assert "password" in reply.body["fields"]
    # The recovery goes on: another password is accepted.
    assert set_password(browser).status == 200


def test_the_new_password_follows_the_registration_rule(browser, citizen):
    verified_by_sms(browser, citizen)
    weak = set_password(browser, "abc")
    assert weak.body["code"] == "validation_failed" and "password" in weak.body["fields"]
    with_id = set_password(browser, f"A#{citizen.id_number}")
    assert with_id.body["fields"]["password"] == "密码不能包含证件号码"
    with_phone = set_password(browser, f"Ab#{citizen.phone}")
    assert with_phone.body["fields"]["password"] == "密码不能包含移动电话号码"
    mismatch = set_password(browser, NEW_PASSWORD, "Nanjing#2025y")
    assert "password_confirm" in mismatch.body["fields"]


def test_step_one_asks_for_the_captcha_and_checks_the_fields(browser, citizen):
    without = browser.post(
        "/api/recoveries", {"id_type": citizen.id_type, "id_number": citizen.id_number, "name": citizen.name}
    )
    assert without.status == 400 and without.body["code"] == "captcha_required"
    wrong = start(browser, citizen, captcha_answer="0000")
    assert wrong.body["code"] == "captcha_invalid"
    bad = start(browser, citizen, id_number="12345")
    assert bad.body["code"] == "validation_failed" and "id_number" in bad.body["fields"]
    assert RECOVERY_COOKIE not in browser.cookies


def test_one_address_starts_at_most_twenty_recoveries_an_hour(browser):
    stranger = new_citizen()
    statuses = [start(browser, stranger).status for _ in range(21)]
    assert statuses[:20] == [201] * 20
    limited = start(browser, stranger)
    assert limited.status == 429 and limited.body["code"] == "rate_limited"
    assert int(limited.headers["Retry-After"]) > 0


# -- 人脸识别 --------------------------------------------------------------------------------


def _start_face(browser, consent=True):
    return browser.post("/api/recoveries/current/face-checks", {"face_consent": consent})


def test_a_citizen_recovers_by_face(app, browser, citizen):
    from tests.face_support import complete_face_check

    assert start(browser, citizen).status == 201
    without_consent = _start_face(browser, consent=False)
    assert without_consent.body["code"] == "face_consent_required"
    started = _start_face(browser)
    assert started.status == 202, started.body
    face_id = started.body["face"]["face_id"]
    # Before the provider answers, the step is not passed.
    pending = browser.post("/api/recoveries/current/face-verification", {"face_id": face_id})
    assert pending.body["code"] == "face_check_pending"
    assert complete_face_check(face_id, passed=True, app=app).status == 200
    verified = browser.post("/api/recoveries/current/face-verification", {"face_id": face_id})
    assert verified.status == 200, verified.body
    assert set_password(browser).status == 200
    assert browser.login_password(citizen.phone, NEW_PASSWORD).status == 200


def test_a_citizen_may_switch_from_sms_to_face(app, browser, citizen):
    from tests.face_support import complete_face_check

    assert start(browser, citizen).status == 201
    assert send_code(browser, citizen.phone).status == 200  # began 短信验证, then switched
    face_id = _start_face(browser).body["face"]["face_id"]
    complete_face_check(face_id, passed=True, app=app)
    assert browser.post("/api/recoveries/current/face-verification", {"face_id": face_id}).status == 200
    # The SMS code is now of no use: the step is passed.
    late = verify_sms(browser, citizen.phone, recovery_code(citizen.phone))
    assert late.body["code"] == "recovery_step_skipped"


def test_another_recoverys_face_result_is_refused(app, browser, citizen):
    from tests.face_support import complete_face_check

    # GIVEN a face check passed for another recovery (another browser, the same person)
    with Browser(app) as other:
        assert start(other, citizen).status == 201
        other_face = _start_face(other).body["face"]["face_id"]
        complete_face_check(other_face, passed=True, app=app)
        # WHEN this browser's recovery presents it, with that browser's face cookie even
        assert start(browser, citizen).status == 201
        browser.cookies["hall_face"] = other.cookies["hall_face"]
        refused = browser.post("/api/recoveries/current/face-verification", {"face_id": other_face})
    # THEN it is refused, and this recovery is not verified
    assert refused.status in (400, 403), refused.body
    assert refused.body["code"] in ("face_check_invalid", "face_check_other_browser")
    assert set_password(browser).body["code"] == "recovery_step_skipped"


def test_a_failed_face_check_does_not_pass(app, browser, citizen):
    from tests.face_support import complete_face_check

    assert start(browser, citizen).status == 201
    face_id = _start_face(browser).body["face"]["face_id"]
    complete_face_check(face_id, passed=False, app=app)
    refused = browser.post("/api/recoveries/current/face-verification", {"face_id": face_id})
    from chalicelib.errors import HallError

    assert refused.body["code"] == HallError.face_check_denied().code  # the face service's refusal
    assert set_password(browser).body["code"] == "recovery_step_skipped"


def test_a_face_check_is_used_once(app, browser, citizen):
    from tests.face_support import complete_face_check

    verified_by_sms(browser, citizen)  # a first recovery, finished by SMS
    assert set_password(browser).status == 200
    assert start(browser, citizen).status == 201
    face_id = _start_face(browser).body["face"]["face_id"]
    complete_face_check(face_id, passed=True, app=app)
    assert browser.post("/api/recoveries/current/face-verification", {"face_id": face_id}).status == 200
    assert set_password(browser, "Suzhou#2026yy").status == 200
    assert start(browser, citizen).status == 201
    reused = browser.post("/api/recoveries/current/face-verification", {"face_id": face_id})
    assert reused.body["code"] in ("face_check_used", "face_check_invalid")


def test_a_person_proved_by_face_without_an_account_is_told_so(app, browser):
    from tests.face_support import complete_face_check

    stranger = new_citizen()
    assert start(browser, stranger).status == 201
    face_id = _start_face(browser).body["face"]["face_id"]
    complete_face_check(face_id, passed=True, app=app)
    reply = browser.post("/api/recoveries/current/face-verification", {"face_id": face_id})
    assert reply.status == 404
    assert reply.body["code"] == "recovery_no_account"


# -- a recovery racing a login ------------------------------------------------------------


def _login(form: dict):
    from chalicelib.context import RequestContext
    from chalicelib.errors import HallError
    from tests.support import login_directly

    try:
        return login_directly("password", form, RequestContext(client_ip="192.0.2.77")).session
    except HallError as exc:
        return exc.code


def test_a_login_checked_before_the_recovery_but_committed_after_opens_no_session(browser, citizen, monkeypatch):
    from chalicelib.domain import passwords
    from chalicelib.store import sessions as session_store

    # GIVEN a password login holding the old password, verified, not yet committed
    verified_by_sms(browser, citizen)
    real = passwords.verify_password
    inside, release = threading.Event(), threading.Event()

    def held(stored_hash, password):
        matched = real(stored_hash, password)
        if threading.current_thread().name == "login":
            inside.set()
            release.wait(10)
        return matched

    monkeypatch.setattr(passwords, "verify_password", held)
    result: list = []
    login = threading.Thread(
        name="login",
        target=lambda: result.append(_login({"identifier": citizen.phone, "password": citizen.password})),
    )
    login.start()
    assert inside.wait(10)
    try:
        # WHEN the recovery replaces the password meanwhile
        assert set_password(browser).status == 200
    finally:
        release.set()
        login.join()
    # THEN the login fails, and the account has no session
    assert result == ["login_flow_expired"]
    assert session_store.delete_for_account(_account_id(citizen)) == 0


def test_a_recovery_racing_logins_leaves_no_session_opened_with_the_old_password(browser, citizen):
    from chalicelib import settings
    from chalicelib.store import sessions as session_store

    # GIVEN a recovery one step from the end, and logins with the old password arriving all along
    verified_by_sms(browser, citizen)
    settings.get()
    stop = threading.Event()
    outcomes: list = []

    def keep_logging_in():
        while not stop.is_set():
            outcomes.append(_login({"identifier": citizen.id_number, "password": citizen.password}))

    threads = [threading.Thread(target=keep_logging_in) for _ in range(3)]
    for t in threads:
        t.start()
    try:
        # WHEN the new password is set while they run
        while len(outcomes) < 2:
            threading.Event().wait(0.01)
        assert set_password(browser).status == 200
        after = len(outcomes)
        while len(outcomes) < after + 3:
            threading.Event().wait(0.01)
    finally:
        stop.set()
        for t in threads:
            t.join()
    # THEN logins succeeded before, fail after, and none of their sessions survives
    opened = [o for o in outcomes if not isinstance(o, str)]
    assert opened, "no login got in before the recovery: the race was not run"
    assert all(session_store.get(s.record.token_hash) is None for s in opened)
    # (the old password is now a wrong one: the streak asks for the captcha, then locks; a try
    # racing another on the same streak may be told to come back)
    assert {o for o in outcomes if isinstance(o, str)} <= {
        "invalid_credentials",
        "login_flow_expired",
        "captcha_required",
        "account_locked",
        "rate_limited",
    }
    assert isinstance(outcomes[-1], str)
    assert session_store.delete_for_account(_account_id(citizen)) == 0
