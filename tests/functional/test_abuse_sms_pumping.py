"""SMS pumping: every code costs money, so each send is reserved against caps before it goes.

The graphic captcha first; then, per send, the phone's China day (with the minute between
codes), the client address's hour and China day, and the 号段+地区 block's China day, all
counted in one conditional transaction; then the hall's hourly budget, which emits
``SmsBudgetExceeded`` (an alarm watches it) and refuses once spent. Each cap is driven here
with a small setting, one request after another and many at once.
"""

from __future__ import annotations

import random
from datetime import timedelta

import pytest

from chalicelib import clock
from tests.functional.abuse_support import MORNING, all_at_once, browser_at, captcha_fields
from tests.support import messages_to, new_citizen, outbox_entries

# Seconds from 10:10 (China) to the China day's end, and to the clock hour's end.
TO_MIDNIGHT = (13 * 60 + 50) * 60
TO_NEXT_HOUR = 50 * 60


@pytest.fixture(autouse=True)
def morning():
    clock.set_now(MORNING)


def _block(prefix: str) -> list[str]:
    """Phones of one 号段+地区 block (their first seven digits)."""
    return [f"{prefix}{n:04d}" for n in random.sample(range(10000), 20)]


def _sender(phone: str, ip: str, purpose: str = "login"):
    """A code asked for ``phone`` from ``ip`` with its captcha already solved (in-process)."""
    from chalicelib.context import RequestContext
    from chalicelib.domain.codes import Purpose
    from chalicelib.methods.sms_code import codes

    ctx = RequestContext(client_ip=ip)
    fields = captcha_fields(ctx)
    return lambda: codes.send(phone, Purpose(purpose), fields["captcha_id"], fields["captcha_answer"], ctx)


def _sent_count() -> int:
    return len(outbox_entries("sms"))


def _ip(n: int) -> str:
    return f"198.51.100.{n}"


# -- the captcha first ----------------------------------------------------------------------


def test_a_wrong_captcha_is_refused_before_any_cap_is_counted(app, monkeypatch):
    # GIVEN an hourly budget of one code
    monkeypatch.setenv("HALL_SMS_HOURLY_BUDGET", "1")
    browser = browser_at(app, _ip(1))
    phone = new_citizen().phone
    challenge = browser.post("/api/captchas").body["captcha_id"]
    # WHEN codes are asked with wrong captcha answers
    for _ in range(3):
        reply = browser.post(
            "/api/sms-codes", {"phone": phone, "purpose": "login", "captcha_id": challenge, "captcha_answer": "0000"}
        )
        assert reply.body["code"] == "captcha_invalid"
    # THEN nothing was sent and nothing was counted: the budget's one code is still there
    assert messages_to(phone) == []
    assert browser.send_code(phone, "login").status == 200


# -- per phone ------------------------------------------------------------------------------


def test_a_phone_is_sent_at_most_its_daily_cap(app, monkeypatch):
    monkeypatch.setenv("HALL_SMS_DAILY_LIMIT", "2")
    phone = new_citizen().phone
    # GIVEN two codes sent to one phone today, from two addresses
    for n in (1, 2):
        assert browser_at(app, _ip(n)).send_code(phone, "login").status == 200
        clock.advance(timedelta(seconds=61))
    # WHEN a third is asked from yet another address
    reply = browser_at(app, _ip(3)).send_code(phone, "register", wait=False)
    # THEN it is refused until the China day ends, and not sent
    assert reply.status == 429
    assert reply.body["code"] == "sms_daily_limit"
    assert reply.headers["Retry-After"] == str(TO_MIDNIGHT - 122)
    assert len(messages_to(phone)) == 2
    # AND the next China day it is sent again
    clock.advance(timedelta(seconds=TO_MIDNIGHT))
    assert browser_at(app, _ip(3)).send_code(phone, "login").status == 200


# -- per client address ---------------------------------------------------------------------


def test_an_address_is_sent_at_most_its_daily_cap_whatever_the_hour(app, monkeypatch):
    monkeypatch.setenv("HALL_SMS_CLIENT_DAILY_LIMIT", "3")
    pumping = browser_at(app, _ip(7))
    # GIVEN three codes to three phones from one address, an hour apart (each hour's own limit untouched)
    for _ in range(3):
        assert pumping.send_code(new_citizen().phone, "login").status == 200
        clock.advance(timedelta(hours=1))
    # WHEN it asks for a fourth phone
    victim = new_citizen().phone
    reply = pumping.send_code(victim, "login", wait=False)
    # THEN it is refused until the China day ends, and nothing is sent
    assert reply.status == 429
    assert reply.body["code"] == "rate_limited"
    assert reply.headers["Retry-After"] == str(TO_MIDNIGHT - 3 * 3600)
    assert messages_to(victim) == []
    # AND another address is still sent codes
    assert browser_at(app, _ip(8)).send_code(victim, "login").status == 200


# -- per number block (号段 + 地区) ------------------------------------------------------------


def test_a_number_block_is_sent_at_most_its_daily_cap(app, monkeypatch):
    monkeypatch.setenv("HALL_SMS_PREFIX_DAILY_LIMIT", "2")
    block = _block("1391234")
    # GIVEN two codes sent into one block today, from different addresses
    for n, phone in enumerate(block[:2], start=10):
        assert browser_at(app, _ip(n)).send_code(phone, "login").status == 200
    # WHEN a third phone of the block is asked, from a fresh address
    reply = browser_at(app, _ip(12)).send_code(block[2], "login", wait=False)
    # THEN it is refused until the China day ends, and not sent
    assert reply.status == 429
    assert reply.body["code"] == "sms_prefix_limit"
    assert reply.headers["Retry-After"] == str(TO_MIDNIGHT)
    assert messages_to(block[2]) == []
    # AND the neighbouring block is not affected
    assert browser_at(app, _ip(13)).send_code(_block("1391235")[0], "login").status == 200


# -- the hall's hourly budget ---------------------------------------------------------------


def test_the_hourly_budget_emits_the_alarm_metric_and_then_refuses(app, monkeypatch):
    from chalicelib.guards import rate_limits

    counted: list[str] = []
    real_count = rate_limits.count
    monkeypatch.setattr(rate_limits, "count", lambda name, *a, **kw: (counted.append(name), real_count(name, *a, **kw)))
    monkeypatch.setenv("HALL_SMS_HOURLY_BUDGET", "2")
    # GIVEN two codes sent this hour, to two phones from two addresses
    for n in (20, 21):
        assert browser_at(app, _ip(n)).send_code(new_citizen().phone, "login").status == 200
    assert "SmsBudgetExceeded" not in counted
    # WHEN a third is asked, from anyone, to anyone
    phone = new_citizen().phone
    reply = browser_at(app, _ip(22)).send_code(phone, "register", wait=False)
    # THEN the metric the alarm watches is emitted, and the send refused until the hour ends
    assert "SmsBudgetExceeded" in counted
    assert reply.status == 503
    assert reply.body["code"] == "sms_budget_exhausted"
    assert reply.headers["Retry-After"] == str(TO_NEXT_HOUR)
    assert messages_to(phone) == []
    # AND the next hour codes go out again
    clock.advance(timedelta(seconds=TO_NEXT_HOUR))
    assert browser_at(app, _ip(22)).send_code(phone, "register").status == 200


def test_recovery_codes_are_counted_in_the_same_budget(app, monkeypatch):
    # GIVEN a budget of one code, spent on a login code
    monkeypatch.setenv("HALL_SMS_HOURLY_BUDGET", "1")
    assert browser_at(app, _ip(30)).send_code(new_citizen().phone, "login").status == 200
    # WHEN 忘记密码找回 asks for its code (for an ID with no account: a code nobody is sent)
    from tests.functional.test_recovery import send_code, start

    browser = browser_at(app, _ip(31))
    assert start(browser, new_citizen()).status == 201
    reply = send_code(browser, new_citizen().phone)
    # THEN it is refused the same way
    assert reply.body["code"] == "sms_budget_exhausted"


def test_every_cap_is_reserved_before_the_message_goes_and_a_failed_send_keeps_it(app, monkeypatch):
    from chalicelib.domain import limits
    from chalicelib.platforms import sms
    from chalicelib.store import records
    from chalicelib.store.models import RateWindowModel

    monkeypatch.setenv("HALL_SMS_HOURLY_BUDGET", "1")
    budget_key = records.rate_window_key(limits.SMS_BUDGET, "all", limits.clock_hour(MORNING).label)
    seen: list[int] = []

    class Failing:
        def send(self, phone, text):
            # What the budget window holds at the moment the gateway is asked.
            seen.append(int(RateWindowModel.get(budget_key, consistent_read=True).hits))
            raise RuntimeError("gateway down")

    working = sms.sender
    monkeypatch.setattr(sms, "sender", lambda: Failing())
    # WHEN the gateway fails a send
    reply = browser_at(app, _ip(40)).send_code(new_citizen().phone, "login", wait=False)
    assert reply.body["code"] == "sms_unavailable"
    # THEN the budget had been counted before the gateway was asked, and stays counted
    assert seen == [1]
    monkeypatch.setattr(sms, "sender", working)
    assert browser_at(app, _ip(41)).send_code(new_citizen().phone, "login", wait=False).body["code"] == (
        "sms_budget_exhausted"
    )


# -- many at once ---------------------------------------------------------------------------


def test_the_budget_holds_under_sends_at_once(monkeypatch):
    monkeypatch.setenv("HALL_SMS_HOURLY_BUDGET", "5")
    # WHEN sixteen addresses ask codes for sixteen phones in the same moment
    outcomes = all_at_once([_sender(new_citizen().phone, _ip(100 + n)) for n in range(16)])
    # THEN exactly five are sent, and the rest refused by the budget
    assert outcomes.count("ok") == 5, outcomes
    assert outcomes.count("sms_budget_exhausted") == 11, outcomes
    assert _sent_count() == 5


def test_a_number_block_cap_holds_under_sends_at_once(monkeypatch):
    monkeypatch.setenv("HALL_SMS_PREFIX_DAILY_LIMIT", "3")
    # WHEN twelve addresses ask codes for twelve phones of one block in the same moment
    outcomes = all_at_once([_sender(phone, _ip(60 + n)) for n, phone in enumerate(_block("1382580")[:12])])
    # THEN at most three are sent (a request that found the block's window busy is refused too)
    assert 1 <= outcomes.count("ok") <= 3, outcomes
    assert set(outcomes) <= {"ok", "sms_prefix_limit", "rate_limited"}, outcomes
    assert _sent_count() == outcomes.count("ok")


def test_an_address_cap_holds_under_sends_at_once(monkeypatch):
    monkeypatch.setenv("HALL_SMS_CLIENT_DAILY_LIMIT", "3")
    # WHEN one address asks codes for twelve phones in the same moment
    outcomes = all_at_once([_sender(new_citizen().phone, _ip(80)) for _ in range(12)])
    # THEN at most three are sent
    assert 1 <= outcomes.count("ok") <= 3, outcomes
    assert set(outcomes) <= {"ok", "rate_limited"}, outcomes
    assert _sent_count() == outcomes.count("ok")


def test_a_phone_cap_holds_under_sends_at_once(monkeypatch):
    phone = new_citizen().phone
    # WHEN ten addresses ask codes for one phone in the same moment
    outcomes = all_at_once([_sender(phone, _ip(90 + n)) for n in range(10)])
    # THEN one is sent (the minute between codes is part of the phone's reservation)
    assert outcomes.count("ok") == 1, outcomes
    assert set(outcomes) <= {"ok", "sms_resend_too_soon", "rate_limited"}, outcomes
    assert len(messages_to(phone)) == 1
