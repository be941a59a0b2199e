"""Enumeration: no entry point tells whether an ID number or a phone has an account, beyond
what the manual's flow must show.

For each entry point, the same request is made for an identifier that has an account and
for one that has none, chosen so that their masked forms are the same (3201**********1234,
138****5678): the answers (status, code, message, body, headers without the request id,
the cookies set, without their values) must be equal, and so must the work done for them
(the DynamoDB operations, the argon2 verifications), which is what a timing attack
measures. The wall clock is compared too, for password login (where a missing dummy
verification would show), loosely: medians of interleaved runs.

The manual's own exceptions, each asserted below so that a new one cannot slip in:
- registration (用户注册) must say 证件号码已注册 / 手机号已注册 (``id_number_taken``,
  ``phone_taken``), each pointing to its 用户申诉;
- SMS-code login says 该手机号未注册 (``phone_not_registered``) only after a right code
  proved the caller holds the phone.
"""

from __future__ import annotations

import statistics
import threading
import time
from datetime import timedelta
from http.cookies import SimpleCookie

import pytest

from chalicelib import clock
from chalicelib.domain.identity import resident_id_check_char
from tests.functional.abuse_support import MORNING
from tests.support import Citizen, captcha_answer, make_phone, make_resident_id, new_citizen

WRONG = "Wrong#pass1"
# Values that are random in every answer (an id, a QR, a captcha): compared by presence only.
RANDOM_KEYS = {"request_id", "appeal_id", "face_id", "qr_url", "qr_image", "captcha_id", "expires_at"}


@pytest.fixture(autouse=True)
def morning():
    clock.set_now(MORNING)


@pytest.fixture
def work(monkeypatch):
    """What the hall does for each request: DynamoDB operations and argon2 verifications."""
    from bench.counting import RoundTripCounter
    from chalicelib.domain import passwords

    verifications: list[int] = []
    hasher_type = type(passwords._hasher)
    real = hasher_type.verify
    lock = threading.Lock()

    def counting(self, hash, password):
        with lock:
            verifications.append(1)
        return real(self, hash, password)

    monkeypatch.setattr(hasher_type, "verify", counting)
    counter = RoundTripCounter()

    def measure(call):
        before = len(verifications)
        counter.arm_all()
        with counter.counting() as calls:
            reply = call()
        return reply, {"dynamodb": calls.operations(), "argon2": len(verifications) - before}

    return measure


# -- a twin for every citizen: another identifier with the same masked form ------------------


def _twin_phone(phone: str) -> str:
    while True:
        other = make_phone()
        twin = phone[:3] + other[3:7] + phone[7:]
        if twin != phone:
            return twin


def _twin_id(id_number: str) -> str:
    """Another valid 居民身份证号码 with the same first and last four characters."""
    region, seq = id_number[:6], id_number[14:17]
    for day in range(1, 29):
        first17 = f"{region}198{day % 10}{(day % 12) + 1:02d}{day:02d}{seq}"
        twin = first17 + resident_id_check_char(first17)
        if twin[-4:] == id_number[-4:] and twin != id_number:
            return twin
    raise AssertionError("no twin found")  # pragma: no cover - 28 dates give every check character


def _pair(app) -> tuple[Citizen, Citizen]:
    """A registered citizen, and a stranger whose ID number and phone mask as theirs."""
    from tests.support import Browser

    while True:
        citizen = new_citizen()
        try:
            stranger = Citizen(citizen.name, _twin_id(citizen.id_number), _twin_phone(citizen.phone))
            break
        except AssertionError:
            continue
    browser = Browser(app)
    assert browser.register(citizen).status == 201
    browser.delete("/api/sessions/current")
    clock.advance(timedelta(minutes=6))  # the registration's code has expired: both phones start alike
    return citizen, stranger


def _answer(reply) -> dict:
    """What a client sees of an answer, without what is random in every one."""

    def strip(value):
        if isinstance(value, dict):
            return {k: ("<random>" if k in RANDOM_KEYS else strip(v)) for k, v in value.items()}
        if isinstance(value, list):
            return [strip(v) for v in value]
        return value

    headers = {k.lower(): v for k, v in reply.headers.items() if k.lower() not in ("x-request-id", "set-cookie")}
    raw = reply.headers.get("Set-Cookie") or reply.headers.get("set-cookie") or []
    cookies = {}
    for value in raw if isinstance(raw, list) else [raw]:
        jar = SimpleCookie()
        jar.load(value)
        for name, morsel in jar.items():
            cookies[name] = {k: v for k, v in morsel.items() if v}  # attributes, not the value
    return {"status": reply.status, "body": strip(reply.body), "headers": headers, "cookies": cookies}


def _alike(work, known_call, unknown_call):
    """Both calls' answers and work; asserts they are the same, returns the known one's."""
    known, known_work = work(known_call)
    unknown, unknown_work = work(unknown_call)
    assert _answer(known) == _answer(unknown)
    assert known_work == unknown_work
    return known, known_work


def _fresh(app):
    from tests.support import Browser

    return Browser(app)


# -- password login ---------------------------------------------------------------------------


@pytest.mark.parametrize("by", ["phone", "id_number"])
def test_password_login_answers_and_works_alike_for_an_account_and_none(app, work, by):
    citizen, stranger = _pair(app)
    form = {"method": "password", "password": WRONG}
    reply, done = _alike(
        work,
        lambda: _fresh(app).post("/api/sessions", {**form, "identifier": getattr(citizen, by)}),
        lambda: _fresh(app).post("/api/sessions", {**form, "identifier": getattr(stranger, by)}),
    )
    assert reply.body["code"] == "invalid_credentials"
    # An unknown identifier verifies a dummy hash: one argon2 run either way.
    assert done["argon2"] == 1


def test_password_login_takes_as_long_for_an_account_as_for_none(app):
    from chalicelib.context import RequestContext
    from tests.support import login_directly

    citizen, stranger = _pair(app)

    def timed(identifier: str) -> float:
        started = time.perf_counter()
        try:
            login_directly("password", {"identifier": identifier, "password": WRONG}, RequestContext())
        except Exception as exc:  # the wrong password's HallError
            assert getattr(exc, "code", None) == "invalid_credentials", exc
        return time.perf_counter() - started

    known, unknown = [], []
    for _ in range(9):
        # Interleaved, each round on a new day (no streak, no captcha, a fresh window).
        clock.advance(timedelta(hours=25))
        known.append(timed(citizen.phone))
        unknown.append(timed(stranger.phone))
    slow, fast = (
        max(statistics.median(known), statistics.median(unknown)),
        min(statistics.median(known), statistics.median(unknown)),
    )
    # Without the dummy verification an unknown phone would answer in a fifth of the time.
    assert slow - fast <= max(0.5 * slow, 0.010), (known, unknown)


# -- SMS codes: sending, and logging in with a wrong one ----------------------------------------


@pytest.mark.parametrize("purpose", ["login", "register"])
def test_sending_a_code_answers_and_works_alike(app, work, purpose):
    citizen, stranger = _pair(app)

    def send(phone):
        def call():
            browser = _fresh(app)
            captcha_id = browser.post("/api/captchas").body["captcha_id"]
            form = {"phone": phone, "purpose": purpose, "captcha_id": captcha_id}
            return browser.post("/api/sms-codes", {**form, "captcha_answer": captcha_answer(captcha_id)})

        return call

    reply, _ = _alike(work, send(citizen.phone), send(stranger.phone))
    assert reply.status == 200


def test_a_wrong_sms_code_answers_and_works_alike(app, work):
    citizen, stranger = _pair(app)
    for phone in (citizen.phone, stranger.phone):
        assert _fresh(app).send_code(phone, "login").status == 200
    reply, _ = _alike(
        work,
        lambda: _fresh(app).post("/api/sessions", {"method": "sms_code", "phone": citizen.phone, "sms_code": "000000"}),
        lambda: _fresh(app).post(
            "/api/sessions", {"method": "sms_code", "phone": stranger.phone, "sms_code": "000000"}
        ),
    )
    assert reply.body["code"] in ("sms_code_invalid", "sms_code_expired")


def test_sms_login_says_a_phone_has_no_account_only_after_a_right_code(app):
    # The manual's exception: the code proved the caller holds the phone.
    citizen, stranger = _pair(app)
    assert _fresh(app).login_sms(citizen.phone).status == 200
    reply = _fresh(app).login_sms(stranger.phone)
    assert reply.status == 404
    assert reply.body["code"] == "phone_not_registered"


# -- 忘记密码找回 ---------------------------------------------------------------------------------


def test_recovery_answers_and_works_alike_for_an_account_and_none(app, work):
    citizen, stranger = _pair(app)
    browsers = {}

    def start(who):
        def call():
            browser = browsers[who.id_number] = _fresh(app)
            captcha_id = browser.post("/api/captchas").body["captcha_id"]
            form = {"id_type": who.id_type, "id_number": who.id_number, "name": who.name}
            return browser.post(
                "/api/recoveries", {**form, "captcha_id": captcha_id, "captcha_answer": captcha_answer(captcha_id)}
            )

        return call

    # 填写账号
    reply, _ = _alike(work, start(citizen), start(stranger))
    assert reply.status == 201, reply.body

    # 短信验证: the code asked for the phone each typed (the account's own, and a stranger's)
    def send(who):
        def call():
            browser = browsers[who.id_number]
            captcha_id = browser.post("/api/captchas").body["captcha_id"]
            form = {"phone": who.phone, "purpose": "recovery", "captcha_id": captcha_id}
            return browser.post(
                "/api/recoveries/current/sms-codes", {**form, "captcha_answer": captcha_answer(captcha_id)}
            )

        return call

    clock.advance(timedelta(seconds=61))
    reply, _ = _alike(work, send(citizen), send(stranger))
    assert reply.status == 200, reply.body

    # and a wrong code typed back
    def verify(who):
        return lambda: browsers[who.id_number].post(
            "/api/recoveries/current/sms-verification", {"phone": who.phone, "sms_code": "000000"}
        )

    reply, _ = _alike(work, verify(citizen), verify(stranger))
    assert reply.body["code"] == "sms_code_invalid"


# -- 用户申诉 -----------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["id_number_taken", "phone_taken"])
def test_an_appeal_answers_and_works_alike_for_a_registered_id_and_none(app, work, kind):
    citizen, stranger = _pair(app)

    def start(who):
        form = {"appeal_type": kind, "id_type": who.id_type, "id_number": who.id_number, "name": who.name}
        return lambda: _fresh(app).post("/api/appeals", {**form, "face_consent": True})

    reply, _ = _alike(work, start(citizen), start(stranger))
    assert reply.status == 201, reply.body


# -- 用户注册: the manual's exception -----------------------------------------------------------


def test_registration_says_what_the_manual_says_and_nothing_more(app, work):
    citizen, stranger = _pair(app)
    browser = _fresh(app)
    # The manual: 证件号码已注册 for an ID with an account ...
    taken = browser.register(Citizen(citizen.name, citizen.id_number, make_phone()))
    assert taken.status == 409
    assert taken.body["code"] == "id_number_taken"
    # ... 手机号已注册 for a phone with an account ...
    clock.advance(timedelta(seconds=61))
    phone_taken = browser.register(Citizen(citizen.name, make_resident_id(), citizen.phone))
    assert phone_taken.status == 409
    assert phone_taken.body["code"] == "phone_taken"
    # ... and neither before the SMS code proved the phone: a wrong code answers alike.
    clock.advance(timedelta(minutes=6))
    for who in (citizen, stranger):
        assert _fresh(app).send_code(who.phone, "register").status == 200
    reply, _ = _alike(
        work,
        lambda: _fresh(app).register(citizen, send=False, sms_code="000000"),
        lambda: _fresh(app).register(stranger, send=False, sms_code="000000"),
    )
    assert reply.body["code"] == "sms_code_invalid"
