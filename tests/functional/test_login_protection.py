"""登录保护: a second step for password login (SMS code, authenticator, recovery codes) and
the risk step-up.

GIVEN a registered citizen (a browser keeping cookies, or an app),
WHEN they turn login protection on or off, or log in by password with it on, or from a new
device after a recent lock or recovery,
THEN a right password alone opens no session, each code is used once (also when sent at
once), wrong codes are limited, and the lockout rule still holds across the two steps.
"""

from __future__ import annotations

import threading
from datetime import timedelta

import pyotp
import pytest

from chalicelib import clock
from tests.support import Browser, last_code, messages_to, new_citizen

PROTECTION = "/api/account/login-protection"


@pytest.fixture
def citizen(browser):
    c = new_citizen()
    assert browser.register(c).status == 201
    return c


def _fresh(app) -> Browser:
    return Browser(app)


def _turn_on_authenticator(browser, citizen) -> tuple[str, list[str]]:
    started = browser.post(f"{PROTECTION}/authenticator", {"password": citizen.password})
    assert started.status == 200, started.body
    secret = started.body["secret"]
    confirmed = browser.post(f"{PROTECTION}/authenticator/confirm", {"code": pyotp.TOTP(secret).at(clock.now())})
    assert confirmed.status == 200, confirmed.body
    return secret, confirmed.body["recovery_codes"]


def _step(reply) -> str:
    assert reply.status == 202, reply.body
    assert reply.body["status"] == "second_step_required"
    return reply.body["flow_id"]


def _code(secret: str, steps_ahead: int = 0) -> str:
    return pyotp.TOTP(secret).at(clock.now() + timedelta(seconds=30 * steps_ahead))


def _next_step_code(secret: str) -> str:
    """A code of a later time step than any used so far (the clock moves 30 s on)."""
    clock.advance(timedelta(seconds=30))
    return _code(secret)


# -- turning it on and off ------------------------------------------------------------------


def test_binding_an_authenticator_shows_an_otpauth_qr_and_needs_the_password(browser, citizen):
    wrong = browser.post(f"{PROTECTION}/authenticator", {"password": "Wrong#2024x"})
    assert wrong.status == 401 and wrong.body["code"] == "old_password_invalid"
    started = browser.post(f"{PROTECTION}/authenticator", {"password": citizen.password})
    assert started.status == 200
    uri = started.body["otpauth_uri"]
    assert uri.startswith("otpauth://totp/") and "issuer=%E6%B1%9F%E8%8B%8F%E4%BA%BA%E7%A4%BE" in uri
    assert started.body["qr"].startswith("data:image/png;base64,")
    assert citizen.id_number not in uri
    # Not on until a code confirms it.
    assert browser.get(PROTECTION).body["enabled"] is False
    bad = browser.post(f"{PROTECTION}/authenticator/confirm", {"code": "000000"})
    if pyotp.TOTP(started.body["secret"]).verify("000000", for_time=clock.now(), valid_window=1):
        pytest.skip("the guess was right by chance")
    assert bad.status == 400 and bad.body["code"] == "login_protection_code_invalid"
    ok = browser.post(f"{PROTECTION}/authenticator/confirm", {"code": _code(started.body["secret"])})
    assert ok.status == 200 and ok.body["factor"] == "totp"
    codes = ok.body["recovery_codes"]
    assert len(codes) == 10 and len(set(codes)) == 10
    status = browser.get(PROTECTION).body
    assert status == {**status, "enabled": True, "factor": "totp", "recovery_codes_left": 10}


def test_the_secret_is_stored_encrypted_and_the_recovery_codes_hashed(browser, citizen):
    from chalicelib.store.models import AccountModel

    secret, codes = _turn_on_authenticator(browser, citizen)
    item = AccountModel.get(_account_id(citizen), consistent_read=True)
    assert secret not in item.totp_cipher
    from chalicelib import crypto

    assert crypto.decrypt("totp_secret", item.totp_cipher) == secret
    stored = set(item.recovery_code_hashes)
    assert len(stored) == 10
    assert not any(code.replace("-", "") in h or code in h for code in codes for h in stored)


def _account_id(citizen) -> str:
    from chalicelib.citizen_data import phone_mac
    from chalicelib.store import accounts

    key = accounts.phone_claim_key(phone_mac(citizen.phone))
    return accounts.find_account_ids([key])[key]


def test_a_binding_left_too_long_is_refused(browser, citizen):
    started = browser.post(f"{PROTECTION}/authenticator", {"password": citizen.password})
    clock.advance(timedelta(minutes=11))
    late = browser.post(f"{PROTECTION}/authenticator/confirm", {"code": _code(started.body["secret"])})
    assert late.status == 400 and late.body["code"] == "login_protection_binding_expired"


def test_turning_it_off_needs_the_password_and_both_are_in_the_security_log(browser, citizen):
    _turn_on_authenticator(browser, citizen)
    wrong = browser.post(f"{PROTECTION}/disable", {"password": "Wrong#2024x"})
    assert wrong.status == 401 and wrong.body["code"] == "old_password_invalid"
    assert browser.get(PROTECTION).body["enabled"] is True
    off = browser.post(f"{PROTECTION}/disable", {"password": citizen.password})
    assert off.status == 200 and off.body == {"enabled": False}
    assert browser.get(PROTECTION).body["enabled"] is False
    page = browser.get("/user/security").body["_text"]
    assert "开启登录保护" in page and "关闭登录保护" in page
    # Off: a right password logs in again at once.
    again = browser.login_password(citizen.phone, citizen.password)
    assert again.status == 200


def test_sms_protection_needs_the_password_and_asks_a_code_to_the_bound_phone(app, browser, citizen):
    on = browser.post(f"{PROTECTION}/sms", {"password": citizen.password})
    assert on.status == 200 and on.body["factor"] == "sms" and len(on.body["recovery_codes"]) == 10
    other = _fresh(app)
    step = _step(other.login_password(citizen.phone, citizen.password))
    assert "hall_session" not in other.cookies and "hall_step" in other.cookies
    assert other.get("/api/me").status == 401
    clock.advance(timedelta(seconds=61))  # the registration's code was sent to this phone just now
    sent = other.post(f"/api/login-steps/{step}/sms-codes")
    assert sent.status == 200, sent.body
    assert any("登录验证码" in m for m in messages_to(citizen.phone))
    done = other.post(f"/api/login-steps/{step}", {"way": "sms_code", "code": last_code(citizen.phone)})
    assert done.status == 200, done.body
    assert other.get("/api/me").status == 200
    assert "hall_step" not in other.cookies
    # The step is used: a second finish is refused.
    again = other.post(f"/api/login-steps/{step}", {"way": "sms_code", "code": last_code(citizen.phone)})
    assert again.status == 400 and again.body["code"] == "second_step_expired"


def test_sms_codes_per_step_are_limited(app, browser, citizen):
    browser.post(f"{PROTECTION}/sms", {"password": citizen.password})
    other = _fresh(app)
    step = _step(other.login_password(citizen.phone, citizen.password))
    for _ in range(3):
        clock.advance(timedelta(seconds=61))  # one code a minute to a phone, whatever its purpose
        assert other.post(f"/api/login-steps/{step}/sms-codes").status == 200
    clock.advance(timedelta(seconds=61))
    fourth = other.post(f"/api/login-steps/{step}/sms-codes")
    assert fourth.status == 400 and fourth.body["code"] == "second_step_way_unavailable"


# -- the authenticator's second step ----------------------------------------------------------


def test_an_authenticator_code_opens_the_session_within_one_step_either_side(app, browser, citizen):
    secret, _ = _turn_on_authenticator(browser, citizen)
    for offset in (-1, 0, 1):
        clock.advance(timedelta(minutes=2))  # later than every code used so far
        other = _fresh(app)
        step = _step(other.login_password(citizen.phone, citizen.password))
        done = other.post(f"/api/login-steps/{step}", {"way": "totp", "code": _code(secret, offset)})
        assert done.status == 200, (offset, done.body)


def test_a_code_two_steps_away_is_refused(app, browser, citizen):
    secret, _ = _turn_on_authenticator(browser, citizen)
    clock.advance(timedelta(minutes=2))
    for offset in (-2, 2):
        other = _fresh(app)
        step = _step(other.login_password(citizen.phone, citizen.password))
        code = _code(secret, offset)
        if code in {_code(secret, d) for d in (-1, 0, 1)}:
            continue  # the same six digits by chance
        refused = other.post(f"/api/login-steps/{step}", {"way": "totp", "code": code})
        assert refused.status == 401 and refused.body["code"] == "second_step_code_invalid", offset
        assert refused.body["tries_left"] == 4


def test_a_used_code_is_refused_the_second_time(app, browser, citizen):
    secret, _ = _turn_on_authenticator(browser, citizen)
    code = _next_step_code(secret)
    first = _fresh(app)
    step = _step(first.login_password(citizen.phone, citizen.password))
    assert first.post(f"/api/login-steps/{step}", {"way": "totp", "code": code}).status == 200
    second = _fresh(app)
    step = _step(second.login_password(citizen.phone, citizen.password))
    reused = second.post(f"/api/login-steps/{step}", {"way": "totp", "code": code})
    assert reused.status == 401 and reused.body["code"] == "second_step_code_invalid"
    assert second.get("/api/me").status == 401


def test_one_code_sent_at_once_to_many_steps_opens_one_session(app, browser, citizen):
    secret, _ = _turn_on_authenticator(browser, citizen)
    clients = [_fresh(app) for _ in range(4)]
    steps = [_step(c.login_password(citizen.phone, citizen.password)) for c in clients]
    code = _next_step_code(secret)
    replies: list = [None] * len(clients)
    barrier = threading.Barrier(len(clients))

    def finish(i):
        barrier.wait()
        replies[i] = clients[i].post(f"/api/login-steps/{steps[i]}", {"way": "totp", "code": code})

    threads = [threading.Thread(target=finish, args=(i,)) for i in range(len(clients))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(r.status for r in replies).count(200) == 1, [r.body for r in replies]


def test_wrong_codes_are_limited_to_five_per_step(app, browser, citizen):
    secret, _ = _turn_on_authenticator(browser, citizen)
    other = _fresh(app)
    step = _step(other.login_password(citizen.phone, citizen.password))
    right = {_code(secret, d) for d in (-1, 0, 1)}
    wrong = next(c for c in (f"{n:06d}" for n in range(1000)) if c not in right)
    lefts = []
    for _ in range(4):
        reply = other.post(f"/api/login-steps/{step}", {"way": "totp", "code": wrong})
        lefts.append(reply.body.get("tries_left"))
    assert lefts == [4, 3, 2, 1]
    fifth = other.post(f"/api/login-steps/{step}", {"way": "totp", "code": wrong})
    assert fifth.status == 400 and fifth.body["code"] == "second_step_exhausted"
    # Spent: not even the right code opens it now.
    late = other.post(f"/api/login-steps/{step}", {"way": "totp", "code": _code(secret)})
    assert late.status == 400 and late.body["code"] == "second_step_exhausted"


def test_wrong_codes_sent_at_once_are_counted_before_they_are_checked(app, browser, citizen):
    secret, _ = _turn_on_authenticator(browser, citizen)
    other = _fresh(app)
    step = _step(other.login_password(citizen.phone, citizen.password))
    right = {_code(secret, d) for d in (-1, 0, 1)}
    wrongs = [c for c in (f"{n:06d}" for n in range(100)) if c not in right][:12]
    replies: list = [None] * len(wrongs)
    barrier = threading.Barrier(len(wrongs))

    def guess(i):
        barrier.wait()
        replies[i] = other.post(f"/api/login-steps/{step}", {"way": "totp", "code": wrongs[i]})

    threads = [threading.Thread(target=guess, args=(i,)) for i in range(len(wrongs))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    checked = [r for r in replies if r.body.get("code") == "second_step_code_invalid"]
    assert len(checked) <= 4
    assert all(r.body["code"] in ("second_step_code_invalid", "second_step_exhausted") for r in replies)


def test_the_step_belongs_to_the_browser_that_typed_the_password(app, browser, citizen):
    secret, _ = _turn_on_authenticator(browser, citizen)
    other = _fresh(app)
    step = _step(other.login_password(citizen.phone, citizen.password))
    thief = _fresh(app)
    stolen = thief.post(f"/api/login-steps/{step}", {"way": "totp", "code": _next_step_code(secret)})
    assert stolen.status == 403 and stolen.body["code"] == "second_step_other_browser"


def test_a_step_expires_after_five_minutes(app, browser, citizen):
    secret, _ = _turn_on_authenticator(browser, citizen)
    other = _fresh(app)
    step = _step(other.login_password(citizen.phone, citizen.password))
    clock.advance(timedelta(minutes=5, seconds=1))
    late = other.post(f"/api/login-steps/{step}", {"way": "totp", "code": _code(secret)})
    assert late.status == 400 and late.body["code"] == "second_step_expired"


def test_a_way_the_step_does_not_offer_is_refused(app, browser, citizen):
    _turn_on_authenticator(browser, citizen)
    other = _fresh(app)
    reply = other.login_password(citizen.phone, citizen.password)
    assert reply.body["ways"] == ["totp", "recovery_code"]
    refused = other.post(f"/api/login-steps/{_step(reply)}", {"way": "sms_code", "code": "123456"})
    assert refused.status == 400 and refused.body["code"] == "second_step_way_unavailable"


# -- recovery codes ---------------------------------------------------------------------------


def test_a_recovery_code_logs_in_once(app, browser, citizen):
    _, codes = _turn_on_authenticator(browser, citizen)
    first = _fresh(app)
    step = _step(first.login_password(citizen.phone, citizen.password))
    typed = codes[0].lower().replace("-", " ")  # typed loosely: case and separators do not matter
    assert first.post(f"/api/login-steps/{step}", {"way": "recovery_code", "code": typed}).status == 200
    second = _fresh(app)
    step = _step(second.login_password(citizen.phone, citizen.password))
    reused = second.post(f"/api/login-steps/{step}", {"way": "recovery_code", "code": codes[0]})
    assert reused.status == 401 and reused.body["code"] == "second_step_code_invalid"
    assert browser.get(PROTECTION).body["recovery_codes_left"] == 9
    assert "使用恢复码登录" in browser.get("/user/security").body["_text"]


def test_a_recovery_code_issued_before_a_switch_to_the_sm_suite_still_logs_in(app, browser, citizen, monkeypatch):
    # GIVEN codes issued under the standard suite's MAC
    _, codes = _turn_on_authenticator(browser, citizen)
    # WHEN the hall switches to 国密 (SM4 / HMAC-SM3), the old suite as the migration's previous one
    monkeypatch.setenv("HALL_CRYPTO_SUITE", "sm")
    monkeypatch.setenv("HALL_CRYPTO_PREVIOUS_SUITE", "standard")
    # THEN a code still logs in (nothing can re-key a hash), once
    client = _fresh(app)
    step = _step(client.login_password(citizen.phone, citizen.password))
    assert client.post(f"/api/login-steps/{step}", {"way": "recovery_code", "code": codes[1]}).status == 200
    again = _fresh(app)
    step = _step(again.login_password(citizen.phone, citizen.password))
    reused = again.post(f"/api/login-steps/{step}", {"way": "recovery_code", "code": codes[1]})
    assert reused.status == 401 and reused.body["code"] == "second_step_code_invalid"


def test_one_recovery_code_sent_at_once_opens_one_session(app, browser, citizen):
    _, codes = _turn_on_authenticator(browser, citizen)
    clients = [_fresh(app) for _ in range(4)]
    steps = [_step(c.login_password(citizen.phone, citizen.password)) for c in clients]
    replies: list = [None] * len(clients)
    barrier = threading.Barrier(len(clients))

    def finish(i):
        barrier.wait()
        replies[i] = clients[i].post(f"/api/login-steps/{steps[i]}", {"way": "recovery_code", "code": codes[1]})

    threads = [threading.Thread(target=finish, args=(i,)) for i in range(len(clients))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert [r.status for r in replies].count(200) == 1, [r.body for r in replies]
    assert browser.get(PROTECTION).body["recovery_codes_left"] == 9


# -- the lockout across the two steps --------------------------------------------------------


def test_a_waiting_second_step_keeps_the_password_try_until_it_succeeds(app, browser, citizen):
    _turn_on_authenticator(browser, citizen)
    # Four right passwords left at the second step hold four of the streak's five places...
    for _ in range(4):
        _step(_fresh(app).login_password(citizen.phone, citizen.password))
    # ...so one wrong password now locks the account.
    wrong = _fresh(app).login_password(citizen.phone, "Wrong#2024x")
    assert wrong.status == 423 and wrong.body["code"] == "account_locked"
    locked = _fresh(app).login_password(citizen.phone, citizen.password)
    assert locked.body["code"] == "account_locked"


def test_a_finished_second_step_gives_the_try_back(app, browser, citizen):
    secret, _ = _turn_on_authenticator(browser, citizen)
    for _ in range(6):
        other = _fresh(app)
        step = _step(other.login_password(citizen.phone, citizen.password))
        assert other.post(f"/api/login-steps/{step}", {"way": "totp", "code": _next_step_code(secret)}).status == 200


def test_a_locked_account_asks_no_second_step(app, browser, citizen):
    _turn_on_authenticator(browser, citizen)
    other = _fresh(app)
    for _ in range(5):
        other.login_password(citizen.phone, "Wrong#2024x")
    reply = other.login_password(citizen.phone, citizen.password)
    assert reply.status == 423 and reply.body["code"] == "account_locked"


# -- the risk step-up ----------------------------------------------------------------------------


def _lock(app, citizen) -> None:
    attacker = _fresh(app)
    for _ in range(5):
        attacker.login_password(citizen.phone, "Wrong#2024x")
    clock.advance(timedelta(hours=4, minutes=1))  # the lock ends


def test_after_a_lock_a_new_device_is_asked_for_an_sms_code(app, browser, citizen):
    seen = _fresh(app)
    assert seen.login_password(citizen.phone, citizen.password).status == 200  # this device is now known
    _lock(app, citizen)
    # The known device logs in with the password alone.
    assert seen.login_password(citizen.phone, citizen.password).status == 200
    new = _fresh(app)
    reply = new.login_password(citizen.phone, citizen.password)
    step = _step(reply)
    assert reply.body["reason"] == "step_up" and reply.body["ways"] == ["sms_code"]
    assert new.post(f"/api/login-steps/{step}/sms-codes").status == 200
    done = new.post(f"/api/login-steps/{step}", {"way": "sms_code", "code": last_code(citizen.phone)})
    assert done.status == 200, done.body
    # ...and is a known device from then on.
    assert new.login_password(citizen.phone, citizen.password).status == 200


def test_no_step_up_thirty_days_after_the_lock(app, browser, citizen):
    _lock(app, citizen)
    clock.advance(timedelta(days=30))
    assert _fresh(app).login_password(citizen.phone, citizen.password).status == 200


def test_no_step_up_without_a_recent_lock_or_recovery(app, browser, citizen):
    assert _fresh(app).login_password(citizen.phone, citizen.password).status == 200


def test_a_device_not_seen_for_ninety_days_counts_as_new(app, browser, citizen):
    old = _fresh(app)
    assert old.login_password(citizen.phone, citizen.password).status == 200
    clock.advance(timedelta(days=91))
    _lock(app, citizen)
    assert old.login_password(citizen.phone, citizen.password).status == 202


def test_after_a_recovery_a_new_device_is_asked_for_an_sms_code(app, browser, citizen):
    from chalicelib.store.models import AccountModel

    # The recovery's last write stamps the account (tests/functional/test_recovery.py walks the flow).
    account_id = _account_id(citizen)
    AccountModel(account_id, version=0).update(
        actions=[AccountModel.recovered_at.set(clock.now())], add_version_condition=False
    )
    assert _step(_fresh(app).login_password(citizen.phone, citizen.password))


def test_a_lock_stamps_the_account_in_its_own_transaction(app, browser, citizen):
    from chalicelib.store.models import AccountModel

    _lock(app, citizen)
    item = AccountModel.get(_account_id(citizen), consistent_read=True)
    assert item.locked_at is not None


# -- apps -----------------------------------------------------------------------------------------


def test_an_app_finishes_the_second_step_with_its_step_secret(app_client, browser, citizen):
    secret, _ = _turn_on_authenticator(browser, citizen)
    reply = app_client.login_password(citizen.phone, citizen.password)
    step = _step(reply)
    assert "Set-Cookie" not in reply.headers
    without = app_client.post(f"/api/login-steps/{step}", {"way": "totp", "code": _next_step_code(secret)})
    assert without.status == 403 and without.body["code"] == "second_step_other_browser"
    done = app_client.post(
        f"/api/login-steps/{step}",
        {"way": "totp", "code": _next_step_code(secret), "step_secret": reply.body["step_secret"]},
    )
    assert done.status == 200 and done.body["token"]


def test_sms_protection_needs_a_bound_phone(browser, citizen):
    from chalicelib.store.models import AccountModel

    # GIVEN the phone was released (as a 用户申诉 does)
    AccountModel(_account_id(citizen), version=0).update(
        actions=[
            AccountModel.phone_mac.remove(),
            AccountModel.phone_cipher.remove(),
            AccountModel.phone_masked.remove(),
        ],
        add_version_condition=False,
    )
    refused = browser.post(f"{PROTECTION}/sms", {"password": citizen.password})
    assert refused.status == 400 and refused.body["code"] == "login_protection_needs_phone"


def test_a_change_made_meanwhile_is_refused(browser, citizen, monkeypatch):
    import dataclasses

    from chalicelib.store import login_protection as store

    real_get = store.get
    stale_once = [True]

    def stale(account_id):  # the account as read before another change moved its version
        p = real_get(account_id)
        if stale_once and p.version:
            stale_once.pop()
            return dataclasses.replace(p, version=p.version - 1)
        return p

    monkeypatch.setattr(store, "get", stale)
    refused = browser.post(f"{PROTECTION}/sms", {"password": citizen.password})
    assert refused.status == 409 and refused.body["code"] == "login_protection_changed"
    assert browser.get(PROTECTION).body["enabled"] is False
