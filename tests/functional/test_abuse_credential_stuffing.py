"""Credential stuffing: one client address trying many accounts is slowed, then refused,
while other addresses are not; SMS-code and QR logins are limited per address the same way.

Unknown identifiers count exactly as known ones (that is itself the point: the limits must
not tell them apart), so the 200 accounts tried here are one real account and 199 ID
numbers nobody registered.
"""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest

from chalicelib import clock
from tests.functional.abuse_support import MORNING, all_at_once, browser_at
from tests.support import captcha_answer, last_code, new_citizen

WRONG = "Wrong#pass1"
STUFFER = "203.0.113.66"
CITIZEN_IP = "198.51.100.200"


@pytest.fixture(autouse=True)
def morning():
    clock.set_now(MORNING)


def _to_next_hour() -> int:
    """Seconds from the test clock's now to the clock hour's end (what Retry-After says)."""
    now = clock.now()
    return 3600 - now.minute * 60 - now.second


@pytest.fixture
def verified(monkeypatch):
    """Every argon2 verification the hall runs (a dummy one for an unknown identifier included)."""
    from chalicelib.domain import passwords

    runs: list[int] = []
    lock = threading.Lock()
    hasher_type = type(passwords._hasher)
    real = hasher_type.verify

    def counting(self, hash, password):
        with lock:
            runs.append(1)
        return real(self, hash, password)

    monkeypatch.setattr(hasher_type, "verify", counting)
    return runs


@pytest.fixture
def victim(app):
    citizen = new_citizen()
    browser = browser_at(app, CITIZEN_IP)
    assert browser.register(citizen).status == 201
    browser.delete("/api/sessions/current")
    return citizen


def _try_password(browser, identifier: str) -> tuple[bool, object]:
    """One stuffing try, as a captcha-solving bot makes it: (was the captcha asked, the answer)."""
    form = {"method": "password", "identifier": identifier, "password": WRONG}
    reply = browser.post("/api/sessions", form)
    if reply.body.get("code") != "captcha_required":
        return False, reply
    captcha_id = browser.post("/api/captchas").body["captcha_id"]
    return True, browser.post(
        "/api/sessions", {**form, "captcha_id": captcha_id, "captcha_answer": captcha_answer(captcha_id)}
    )


def test_one_address_trying_200_accounts_is_asked_the_captcha_then_refused_while_others_are_not(
    app, monkeypatch, victim, verified
):
    # GIVEN an address's hourly window of 30 password tries (the captcha after 10, as deployed)
    monkeypatch.setenv("HALL_PASSWORD_FAILURES_CLIENT_HOURLY_LIMIT", "30")
    identifiers = [new_citizen().id_number for _ in range(199)]
    identifiers.insert(4, victim.phone)  # one real account among them, tried like the rest
    stuffing = browser_at(app, STUFFER)
    before = len(verified)
    # WHEN one address tries a password on each of 200 accounts (solving every captcha asked)
    tries = [_try_password(stuffing, identifier) for identifier in identifiers]
    # THEN the first ten are checked as they come ...
    assert [asked for asked, _ in tries[:10]] == [False] * 10
    assert {reply.body["code"] for _, reply in tries[:30]} == {"invalid_credentials"}
    # ... the next twenty only with the graphic captcha solved ...
    assert [asked for asked, _ in tries[10:30]] == [True] * 20
    # ... and the other 170 are refused outright, each saying when to come back
    refused = [reply for _, reply in tries[30:]]
    assert {r.status for r in refused} == {429}
    assert {r.body["code"] for r in refused} == {"rate_limited"}
    assert {r.headers["Retry-After"] for r in refused} == {str(_to_next_hour())}
    # AND only 30 passwords were ever verified (the known account's no differently)
    assert len(verified) - before == 30
    # AND the citizen, from their own address, logs in at once: no captcha, no refusal
    own = browser_at(app, CITIZEN_IP)
    assert own.login_password(victim.phone, victim.password, solve_captcha=False).status == 200
    # AND the account itself is not locked by the one wrong try it got
    assert stuffing.login_password(victim.phone, victim.password).status == 429  # the address is still refused
    clock.advance(timedelta(seconds=_to_next_hour()))
    assert stuffing.login_password(victim.phone, victim.password).status == 200


def test_one_address_trying_sms_codes_on_200_phones_is_refused_while_others_are_not(app, monkeypatch, victim):
    # GIVEN an address's hourly window of 20 SMS-code logins, and a code sent to a citizen's phone
    monkeypatch.setenv("HALL_SMS_LOGIN_FAILURES_CLIENT_HOURLY_LIMIT", "20")
    own = browser_at(app, CITIZEN_IP)
    assert own.send_code(victim.phone, "login").status == 200
    phones = [new_citizen().phone for _ in range(199)]
    phones.insert(3, victim.phone)
    stuffing = browser_at(app, STUFFER)
    # WHEN one address guesses a code for each of 200 phones
    replies = [
        stuffing.post("/api/sessions", {"method": "sms_code", "phone": phone, "sms_code": "000000"}) for phone in phones
    ]
    # THEN the first 20 are checked (a phone without a code and the citizen's wrong code alike) ...
    assert {r.body["code"] for r in replies[:20]} <= {"sms_code_expired", "sms_code_invalid"}
    # ... and the other 180 refused, each saying when to come back, before any code is looked at
    assert {r.status for r in replies[20:]} == {429}
    assert {r.headers["Retry-After"] for r in replies[20:]} == {str(_to_next_hour())}
    # AND the citizen, from their own address, logs in with the code (one wrong try spent on it)
    reply = own.post(
        "/api/sessions", {"method": "sms_code", "phone": victim.phone, "sms_code": last_code(victim.phone)}
    )
    assert reply.status == 200, reply.body


def test_right_sms_codes_give_their_try_back(app, monkeypatch, victim):
    # GIVEN an address allowed 2 SMS-code logins an hour
    monkeypatch.setenv("HALL_SMS_LOGIN_FAILURES_CLIENT_HOURLY_LIMIT", "2")
    office = browser_at(app, STUFFER)
    # WHEN a citizen there logs in rightly four times
    for _ in range(4):
        assert office.login_sms(victim.phone).status == 200
        office.delete("/api/sessions/current")
        clock.advance(timedelta(seconds=61))
    # THEN right codes did not fill the window: two wrong ones still fit, the third is refused
    wrong = {"method": "sms_code", "phone": victim.phone, "sms_code": "000000"}
    assert [office.post("/api/sessions", wrong).status for _ in range(3)] == [400, 400, 429]


@pytest.mark.parametrize("method", ["app_qr", "essc_qr"])
def test_an_address_makes_at_most_its_hourly_qr_login_records(app, monkeypatch, method):
    # GIVEN an address's hourly window of 3 QR login records per method
    monkeypatch.setenv("HALL_QR_LOGINS_CLIENT_HOURLY_LIMIT", "3")
    flooding = browser_at(app, STUFFER)
    # WHEN it asks for a fourth QR
    replies = [flooding.post("/api/sessions", {"method": method}) for _ in range(4)]
    # THEN three were made, the fourth refused until the hour ends
    assert [r.status for r in replies] == [202, 202, 202, 429]
    assert replies[-1].body["code"] == "rate_limited"
    assert replies[-1].headers["Retry-After"] == str(_to_next_hour())
    # AND another address still gets its QR, and so does the first one the next hour
    assert browser_at(app, CITIZEN_IP).post("/api/sessions", {"method": method}).status == 202
    clock.advance(timedelta(seconds=_to_next_hour()))
    assert flooding.post("/api/sessions", {"method": method}).status == 202


def test_qr_login_records_made_at_once_hold_the_window(monkeypatch):
    from chalicelib.context import RequestContext
    from tests.support import login_directly

    monkeypatch.setenv("HALL_QR_LOGINS_CLIENT_HOURLY_LIMIT", "3")
    ctx = RequestContext(client_ip=STUFFER, user_agent="bot")
    # WHEN one address asks for twelve QRs in the same moment
    outcomes = all_at_once([lambda: login_directly("app_qr", {}, ctx) for _ in range(12)])
    # THEN at most three records were made
    assert 1 <= outcomes.count("ok") <= 3, outcomes
    assert set(outcomes) <= {"ok", "rate_limited"}, outcomes
    from chalicelib.store import tables
    from chalicelib.store.models import QrLoginRecordModel

    tables.ready()
    made = [i for i in QrLoginRecordModel.scan() if i.flow_key.startswith("qr#")]  # a test may scan
    assert len(made) == outcomes.count("ok")
