"""Graphic captchas and SMS codes (图形验证码, 短信验证码)."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest

from chalicelib import clock
from tests.support import captcha_answer, last_code, messages_to, new_citizen, outbox_entries


def _captcha(browser):
    reply = browser.post("/api/captchas")
    assert reply.status == 200
    assert reply.body["image"].startswith("data:image/png;base64,")
    return reply.body["captcha_id"], captcha_answer(reply.body["captcha_id"])


def _send(browser, phone, purpose="login", answer=None):
    captcha_id, right = _captcha(browser)
    return browser.post(
        "/api/sms-codes",
        {
            "phone": phone,
            "purpose": purpose,
            "captcha_id": captcha_id,
            "captcha_answer": right if answer is None else answer,
        },
    )


def _login(browser, phone, code):
    return browser.post("/api/sessions", {"method": "sms_code", "phone": phone, "sms_code": code})


@pytest.fixture
def citizen(browser):
    c = new_citizen()
    assert browser.register(c).status == 201
    browser.delete("/api/sessions/current")
    clock.advance(timedelta(seconds=61))
    return c


# -- the graphic captcha ----------------------------------------------------------------


def test_no_sms_without_the_right_captcha_answer(browser):
    phone = new_citizen().phone
    reply = _send(browser, phone, answer="WRONG")
    assert reply.status == 400
    assert reply.body["code"] == "captcha_invalid"
    assert messages_to(phone) == []


def test_a_captcha_is_single_use_even_when_answered_wrong(browser):
    phone = new_citizen().phone
    captcha_id, answer = _captcha(browser)
    body = {"phone": phone, "purpose": "login", "captcha_id": captcha_id}
    assert browser.post("/api/sms-codes", {**body, "captcha_answer": "NOPE"}).body["code"] == "captcha_invalid"
    assert browser.post("/api/sms-codes", {**body, "captcha_answer": answer}).body["code"] == "captcha_invalid"


def test_a_right_answer_works_once(browser):
    first, second = new_citizen().phone, new_citizen().phone
    captcha_id, answer = _captcha(browser)
    body = {"purpose": "login", "captcha_id": captcha_id, "captcha_answer": answer.lower()}
    assert browser.post("/api/sms-codes", {**body, "phone": first}).status == 200
    assert browser.post("/api/sms-codes", {**body, "phone": second}).body["code"] == "captcha_invalid"


def test_a_captcha_answer_typed_in_full_width_is_right(browser):
    # GIVEN the answer as a Chinese input method types it (ＡＢ３Ｄ)
    phone = new_citizen().phone
    captcha_id, answer = _captcha(browser)
    typed = "".join(chr(ord(c) + 0xFEE0) for c in answer)
    body = {"phone": phone, "purpose": "login", "captcha_id": captcha_id, "captcha_answer": typed}
    # WHEN sent THEN it is the right answer and the code goes out
    assert browser.post("/api/sms-codes", body).status == 200
    assert len(messages_to(phone)) == 1


@pytest.mark.parametrize(
    ("text", "typed"),
    [
        ("S2A3", "\u017f2A3"),  # ſ, which str.upper() turns into S
        ("SS23", "\u00df23"),  # ß, which str.upper() turns into SS
    ],
)
def test_a_look_alike_answer_is_wrong_and_uses_the_captcha_up(browser, monkeypatch, text, typed):
    from chalicelib.guards import captcha

    # GIVEN a captcha answered with a letter that only Unicode case mapping makes one of its own
    monkeypatch.setattr(captcha, "new_captcha_text", lambda: text)
    phone = new_citizen().phone
    captcha_id, answer = _captcha(browser)
    assert answer == text
    body = {"phone": phone, "purpose": "login", "captcha_id": captcha_id}
    # WHEN sent THEN it is a wrong answer, and the right one no longer works either
    assert browser.post("/api/sms-codes", {**body, "captcha_answer": typed}).body["code"] == "captcha_invalid"
    assert browser.post("/api/sms-codes", {**body, "captcha_answer": answer}).body["code"] == "captcha_invalid"
    assert messages_to(phone) == []


def test_a_captcha_expires_after_two_minutes(browser):
    def answered(captcha_id, answer):
        body = {"phone": new_citizen().phone, "purpose": "login", "captcha_id": captcha_id, "captcha_answer": answer}
        return browser.post("/api/sms-codes", body)

    clock.set_now(clock.now())  # frozen: a second is the margin on either side
    # GIVEN a captcha WHEN answered a second before two minutes THEN it is still good
    captcha_id, answer = _captcha(browser)
    clock.advance(timedelta(minutes=1, seconds=59))
    assert answered(captcha_id, answer).status == 200
    # GIVEN another captcha WHEN answered a second after two minutes THEN it has expired
    captcha_id, answer = _captcha(browser)
    clock.advance(timedelta(minutes=2, seconds=1))
    assert answered(captcha_id, answer).body["code"] == "captcha_invalid"


def test_captcha_answers_are_stored_hashed(browser):
    from chalicelib.store import tables
    from chalicelib.store.models import FlowRecordModel

    captcha_id, answer = _captcha(browser)
    tables.ready()
    item = FlowRecordModel.get(f"captcha#{captcha_id}")
    assert answer not in (item.secret_hash or "")
    assert len(item.secret_hash) == 64


# -- SMS codes --------------------------------------------------------------------------


def test_a_code_is_six_digits_and_logs_in_once(browser, citizen):
    assert _send(browser, citizen.phone).status == 200
    code = last_code(citizen.phone)
    assert len(code) == 6 and code.isdigit()
    assert _login(browser, citizen.phone, code).status == 200
    browser.delete("/api/sessions/current")
    assert _login(browser, citizen.phone, code).body["code"] == "sms_code_expired"


def test_a_code_is_valid_for_five_minutes(browser, citizen):
    clock.set_now(clock.now())  # frozen: a second is the margin on either side
    # GIVEN a code WHEN typed back a second before five minutes THEN it logs in
    assert _send(browser, citizen.phone).status == 200
    clock.advance(timedelta(minutes=4, seconds=59))
    assert _login(browser, citizen.phone, last_code(citizen.phone)).status == 200
    browser.delete("/api/sessions/current")
    # GIVEN another code WHEN typed back a second after five minutes THEN it has expired
    assert _send(browser, citizen.phone).status == 200
    clock.advance(timedelta(minutes=5, seconds=1))
    assert _login(browser, citizen.phone, last_code(citizen.phone)).body["code"] == "sms_code_expired"


def test_five_wrong_tries_kill_the_code(browser, citizen):
    assert _send(browser, citizen.phone).status == 200
    code = last_code(citizen.phone)
    wrong = f"{(int(code) + 1) % 1000000:06d}"
    left = [_login(browser, citizen.phone, wrong).body.get("tries_left") for _ in range(4)]
    assert left == [4, 3, 2, 1]
    assert _login(browser, citizen.phone, wrong).body["code"] == "sms_code_exhausted"
    # Dead: even the right code no longer works.
    assert _login(browser, citizen.phone, code).body["code"] == "sms_code_exhausted"


def test_a_resend_kills_the_previous_code_but_keeps_the_wrong_tries(browser, citizen):
    assert _send(browser, citizen.phone).status == 200
    first = last_code(citizen.phone)
    wrong = f"{(int(first) + 1) % 1000000:06d}"
    for _ in range(3):
        _login(browser, citizen.phone, wrong)
    clock.advance(timedelta(seconds=61))
    assert _send(browser, citizen.phone).status == 200
    second = last_code(citizen.phone)
    assert second != first  # one chance in a million of a false failure
    # The first code died with the resend, and the three wrong tries still count.
    reply = _login(browser, citizen.phone, first)
    assert reply.body["code"] == "sms_code_invalid"
    assert reply.body["tries_left"] == 1
    assert _login(browser, citizen.phone, second).status == 200


def test_a_resend_comes_no_sooner_than_sixty_seconds(browser, citizen):
    assert _send(browser, citizen.phone).status == 200
    clock.advance(timedelta(seconds=30))
    reply = _send(browser, citizen.phone)
    assert reply.status == 429
    assert reply.body["code"] == "sms_resend_too_soon"
    assert 29 <= reply.body["retry_after"] <= 30
    clock.advance(timedelta(seconds=31))
    assert _send(browser, citizen.phone).status == 200


def test_at_most_ten_codes_a_day_per_phone(browser):
    phone = new_citizen().phone
    clock.set_now(clock.now().replace(hour=1, minute=0))  # early in the China day... and the UTC day
    for _ in range(10):
        assert _send(browser, phone).status == 200
        clock.advance(timedelta(seconds=61))
    reply = _send(browser, phone)
    assert reply.status == 429
    assert reply.body["code"] == "sms_daily_limit"


def test_a_client_address_has_its_own_limit(browser, monkeypatch):
    from chalicelib.context import RequestContext
    from chalicelib.domain.codes import Purpose
    from chalicelib.guards import captcha
    from chalicelib.methods.sms_code import codes

    # GIVEN a limit of 3 codes an hour per client address
    monkeypatch.setenv("HALL_SMS_CLIENT_HOURLY_LIMIT", "3")
    clock.set_now(clock.now().replace(minute=10, second=0, microsecond=0))  # one hour's window throughout
    # WHEN one address asks for codes to four different phones
    replies = [_send(browser, new_citizen().phone) for _ in range(4)]
    # THEN the fourth is refused, though no phone reached its own limit
    assert [r.status for r in replies] == [200, 200, 200, 429]
    assert replies[-1].body["code"] == "rate_limited"
    # AND another address, in the same hour, is still sent a code
    other = RequestContext(client_ip="198.51.100.30")
    phone = new_citizen().phone
    challenge = captcha.issue(other)
    codes.send(phone, Purpose.LOGIN, challenge.captcha_id, captcha_answer(challenge.captcha_id), other)
    assert len(messages_to(phone)) == 1
    # AND the first address is still refused
    assert _send(browser, new_citizen().phone).body["code"] == "rate_limited"


def test_codes_are_bound_to_their_purpose(browser, citizen):
    assert _send(browser, citizen.phone, purpose="register").status == 200
    assert _login(browser, citizen.phone, last_code(citizen.phone)).body["code"] == "sms_code_expired"


def test_recovery_codes_are_not_sent_through_the_generic_route(browser):
    # Recovery sends its codes through its own step (to the bound phone only, answering the
    # same whatever the phone): the generic route would send them to any phone asked for.
    purpose = "recovery"
    phone = new_citizen().phone
    reply = _send(browser, phone, purpose=purpose)
    assert reply.status == 400
    assert reply.body["code"] == "validation_failed"
    assert "purpose" in reply.body["fields"]
    assert messages_to(phone) == []


def test_an_unknown_purpose_is_refused(browser):
    reply = _send(browser, new_citizen().phone, purpose="lottery")
    assert reply.status == 400
    assert "purpose" in reply.body["fields"]


def test_codes_are_stored_hashed(browser, citizen):
    from chalicelib.store import tables
    from chalicelib.store.models import FlowRecordModel

    assert _send(browser, citizen.phone).status == 200
    code = last_code(citizen.phone)
    tables.ready()
    (item,) = [i for i in FlowRecordModel.scan() if i.flow_key.startswith("sms#login#")]
    assert code not in item.secret_hash
    assert citizen.phone not in item.flow_key


def test_concurrent_verifications_of_one_code_let_exactly_one_through(browser, citizen):
    from chalicelib.context import RequestContext
    from chalicelib.domain.codes import Purpose
    from chalicelib.errors import HallError
    from chalicelib.methods.sms_code import codes

    assert _send(browser, citizen.phone).status == 200
    code = last_code(citizen.phone)
    barrier = threading.Barrier(10)
    outcomes = []

    def verify():
        barrier.wait()
        try:
            codes.verify(citizen.phone, Purpose.LOGIN, code, RequestContext())
            outcomes.append("ok")
        except HallError as exc:
            outcomes.append(exc.code)

    threads = [threading.Thread(target=verify) for _ in range(10)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert outcomes.count("ok") == 1, outcomes


def test_sms_login_for_a_phone_without_account_says_so_after_the_code(browser):
    phone = new_citizen().phone
    assert _send(browser, phone).status == 200
    reply = _login(browser, phone, last_code(phone))
    assert reply.status == 404
    assert reply.body["code"] == "phone_not_registered"


def test_a_gateway_failure_is_not_reported_as_sent(browser, monkeypatch):
    from chalicelib.platforms import sms

    class Refusing:
        def send(self, phone, text):
            raise RuntimeError("gateway refused")

    monkeypatch.setattr(sms, "sender", lambda: Refusing())
    reply = _send(browser, new_citizen().phone)
    assert reply.status == 503
    assert reply.body["code"] == "sms_unavailable"


def test_the_minute_between_codes_holds_across_purposes(browser):
    # GIVEN a code just sent to a phone for one purpose
    phone = new_citizen().phone
    assert _send(browser, phone, purpose="register").status == 200
    # WHEN codes for other purposes are asked for within the minute
    replies = [_send(browser, phone, purpose="login") for _ in range(2)]
    # THEN each is refused with when to come back, and nothing more is sent
    assert [r.body["code"] for r in replies] == ["sms_resend_too_soon"] * 2
    assert all(1 <= r.body["retry_after"] <= 60 for r in replies)
    assert all(r.headers.get("Retry-After") == str(r.body["retry_after"]) for r in replies)
    assert len(messages_to(phone)) == 1
    clock.advance(timedelta(seconds=61))
    assert _send(browser, phone, purpose="login").status == 200


def test_the_daily_limit_says_when_to_come_back(browser):
    phone = new_citizen().phone
    clock.set_now(clock.now().replace(hour=15, minute=0, second=0, microsecond=0))  # 23:00 in China
    for _ in range(10):
        assert _send(browser, phone).status == 200
        clock.advance(timedelta(seconds=61))
    reply = _send(browser, phone)
    assert reply.body["code"] == "sms_daily_limit"
    # 10 × 61 s after 23:00, the China day ends in a little under 50 minutes.
    assert 49 * 60 <= reply.body["retry_after"] <= 50 * 60


# -- digits of other scripts --------------------------------------------------------------------


def _arabic_indic(digits: str) -> str:
    """The same digits in Arabic-Indic (٠١٢٣٤٥٦٧٨٩): Python's \\d and int() read them as 0-9."""
    return "".join(chr(0x0660 + "0123456789".index(d)) for d in digits)


def test_no_code_is_sent_to_a_phone_typed_with_another_scripts_digits(browser):
    # GIVEN 13800138000 with its last nine digits in Arabic-Indic: 13٨٠٠١٣٨٠٠٠
    phone = "13" + _arabic_indic("800138000")
    # WHEN a code is asked for
    reply = _send(browser, phone)
    # THEN the phone is refused as a field, and nothing is sent anywhere
    assert reply.status == 400, reply.body
    assert reply.body["code"] == "validation_failed"
    assert reply.body["fields"]["phone"] == "移动电话号码只能由数字0-9组成"
    assert outbox_entries("sms") == []


def test_a_code_typed_in_another_scripts_digits_is_a_field_error_not_a_wrong_try(browser, citizen):
    # GIVEN a code sent for login
    assert _send(browser, citizen.phone).status == 200
    code = last_code(citizen.phone)
    # WHEN it is typed back in Arabic-Indic digits
    reply = _login(browser, citizen.phone, _arabic_indic(code))
    # THEN the field is refused, and no try was spent on it
    assert reply.status == 400, reply.body
    assert reply.body["code"] == "validation_failed"
    assert reply.body["fields"]["sms_code"] == "请输入6位数字短信验证码"
    wrong = f"{(int(code) + 1) % 1000000:06d}"
    assert _login(browser, citizen.phone, wrong).body["tries_left"] == 4
    # AND the code typed in full width is the code
    assert _login(browser, citizen.phone, "".join(chr(ord(c) + 0xFEE0) for c in code)).status == 200
