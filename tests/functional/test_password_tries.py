"""Password tries are counted before they are checked: five per lock window, however
many arrive at once; a few wrong ones ask for the graphic captcha instead of shutting
an address out."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest

from chalicelib import clock
from tests.support import captcha_answer, new_citizen

WRONG = "Wrong#pass1"


@pytest.fixture
def verified(monkeypatch):
    """Every password the hall verifies (argon2 runs), as a list that grows."""
    from chalicelib.domain import passwords

    seen: list[str] = []
    lock = threading.Lock()
    real = passwords.verify_password

    def counting(stored_hash, password):
        with lock:
            seen.append(password)
        return real(stored_hash, password)

    monkeypatch.setattr(passwords, "verify_password", counting)
    return seen


def _registered(browser):
    citizen = new_citizen()
    assert browser.register(citizen).status == 201
    browser.delete("/api/sessions/current")
    return citizen


def _attempt(form: dict, ip: str = "192.0.2.10") -> str:
    from chalicelib.context import RequestContext
    from chalicelib.errors import HallError
    from tests.support import login_directly

    try:
        login_directly("password", form, RequestContext(client_ip=ip))
        return "ok"
    except HallError as exc:
        return exc.code


def _all_at_once(forms: list[dict], ip: str = "192.0.2.10") -> list[str]:
    from chalicelib import settings

    settings.get()  # read once before the threads (they share the environment)
    barrier = threading.Barrier(len(forms))
    codes: list[str] = []

    def run(form):
        barrier.wait()
        codes.append(_attempt(form, ip))

    threads = [threading.Thread(target=run, args=(form,)) for form in forms]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return codes


def _captcha_fields() -> dict:
    from chalicelib.context import RequestContext
    from chalicelib.guards import captcha

    challenge = captcha.issue(RequestContext(client_ip="192.0.2.10"))
    return {"captcha_id": challenge.captcha_id, "captcha_answer": captcha_answer(challenge.captcha_id)}


def test_twenty_wrong_passwords_at_once_are_checked_at_most_five_times(browser, verified):
    # GIVEN an account
    citizen = _registered(browser)
    # WHEN twenty wrong passwords for it arrive in the same moment
    codes = _all_at_once([{"identifier": citizen.phone, "password": f"{WRONG}{i}"} for i in range(20)])
    # THEN at most five were verified, the rest refused unchecked, and the account is locked
    assert len(verified) <= 5
    assert "ok" not in codes
    # (a request that read the streak after two others had counted is asked for the captcha)
    assert set(codes) <= {"invalid_credentials", "account_locked", "rate_limited", "captcha_required"}
    assert _attempt({"identifier": citizen.phone, "password": citizen.password, **_captcha_fields()}) == (
        "account_locked"
    )


def test_the_right_password_after_the_fifth_reserved_try_is_refused_unchecked(browser, monkeypatch):
    from chalicelib.domain import passwords

    # GIVEN five wrong passwords being checked right now (their verification held open)
    citizen = _registered(browser)
    real = passwords.verify_password
    inside = threading.Semaphore(0)
    release = threading.Event()
    checked: list[str] = []

    def slow(stored_hash, password):
        checked.append(password)
        inside.release()
        release.wait(10)
        return real(stored_hash, password)

    monkeypatch.setattr(passwords, "verify_password", slow)
    from chalicelib import settings

    settings.get()
    results: list[str] = []
    threads = []
    for _ in range(5):
        # One after the other, each held inside its verification (from the third on, the
        # streak asks for the captcha, which each brings).
        form = {"identifier": citizen.phone, "password": WRONG, **_captcha_fields()}
        thread = threading.Thread(target=lambda form=form: results.append(_attempt(form)))
        thread.start()
        threads.append(thread)
        assert inside.acquire(timeout=10)
    try:
        # WHEN the right password arrives (with the captcha the streak now asks for)
        answer = _attempt({"identifier": citizen.phone, "password": citizen.password, **_captcha_fields()})
    finally:
        release.set()
        for t in threads:
            t.join()
    # THEN it is refused like any other try past the fifth, without being checked
    assert answer == "account_locked"
    assert citizen.password not in checked
    assert sorted(results) == ["account_locked"] + ["invalid_credentials"] * 4


def test_one_address_cannot_overrun_its_window_by_sending_at_once(browser, verified, monkeypatch):
    # GIVEN an address allowed 3 wrong passwords an hour (captcha thresholds out of the way)
    monkeypatch.setenv("HALL_PASSWORD_FAILURES_CLIENT_HOURLY_LIMIT", "3")
    monkeypatch.setenv("HALL_PASSWORD_CAPTCHA_AFTER_CLIENT_FAILURES", "100")
    # WHEN it sends ten guesses at ten accounts in the same moment
    codes = _all_at_once([{"identifier": new_citizen().id_number, "password": WRONG} for _ in range(10)])
    # THEN at most three were checked
    assert len(verified) <= 3
    assert codes.count("rate_limited") >= 7


def test_a_right_password_gives_its_try_back(browser):
    # GIVEN an address allowed 3 wrong passwords an hour
    citizen = _registered(browser)
    ip = "198.51.100.7"
    from chalicelib import settings

    for _ in range(5):
        # WHEN it logs in rightly more often than that
        assert _attempt({"identifier": citizen.phone, "password": citizen.password}, ip) == "ok"
    assert settings.get().password_failures_per_client_hour > 3
    # THEN right passwords did not fill its window, nor start a streak on the account
    from chalicelib.store import lockouts

    (subject,) = [s for s in _subjects(citizen) if s.startswith("account#")]
    assert lockouts.get(subject).tries(clock.now()) == 0


def _subjects(citizen):
    from chalicelib.ops import lookup

    return lookup.subjects(citizen.phone, None)


# -- the graphic captcha after a few wrong passwords -------------------------------------


def test_after_two_wrong_passwords_the_account_asks_for_the_captcha(browser, verified):
    citizen = _registered(browser)
    first = browser.login_password(citizen.phone, WRONG)
    second = browser.login_password(citizen.phone, WRONG)
    assert first.body["captcha_required"] is False
    # The answer to the second failure tells the page to show the captcha next time.
    assert second.body["captcha_required"] is True
    # WHEN the third try comes without a captcha
    reply = browser.login_password(citizen.phone, citizen.password, solve_captcha=False)
    # THEN it is asked for, and nothing was checked or counted
    assert reply.status == 400
    assert reply.body["code"] == "captcha_required"
    assert "captcha_answer" in reply.body["fields"]
    assert len(verified) == 2
    # AND a wrong captcha answer is refused before the password is looked at
    challenge = browser.post("/api/captchas").body["captcha_id"]
    wrong = browser.login_password(
        citizen.phone, citizen.password, solve_captcha=False, captcha_id=challenge, captcha_answer="0000"
    )
    assert wrong.body["code"] == "captcha_invalid"
    assert len(verified) == 2
    # AND with the captcha solved the right password gets in
    assert browser.login_password(citizen.phone, citizen.password).status == 200


def test_an_identifier_without_account_asks_for_the_captcha_the_same_way(browser):
    stranger = new_citizen()
    browser.login_password(stranger.id_number, WRONG)
    browser.login_password(stranger.id_number, WRONG)
    reply = browser.login_password(stranger.id_number, WRONG, solve_captcha=False)
    assert reply.body["code"] == "captcha_required"


def test_an_address_with_many_wrong_passwords_asks_everyone_behind_it_for_the_captcha(browser, monkeypatch):
    # GIVEN captcha after 3 wrong passwords from one address, and a far higher hard limit
    monkeypatch.setenv("HALL_PASSWORD_CAPTCHA_AFTER_CLIENT_FAILURES", "3")
    citizen = _registered(browser)
    office = "203.0.113.50"
    for _ in range(3):
        assert _attempt({"identifier": new_citizen().id_number, "password": WRONG}, office) == "invalid_credentials"
    # WHEN a colleague behind the same address logs in with the right password
    # THEN the captcha is asked for, not a refusal...
    assert _attempt({"identifier": citizen.phone, "password": citizen.password}, office) == "captcha_required"
    # ... and with it the login goes through
    assert _attempt({"identifier": citizen.phone, "password": citizen.password, **_captcha_fields()}, office) == "ok"
    # AND another address is not asked
    assert _attempt({"identifier": citizen.phone, "password": citizen.password}, "198.51.100.9") == "ok"


def test_the_hard_limit_per_address_answers_429_with_retry_after(browser, monkeypatch):
    monkeypatch.setenv("HALL_PASSWORD_FAILURES_CLIENT_HOURLY_LIMIT", "2")
    clock.set_now(clock.now().replace(minute=50, second=0))
    for _ in range(2):
        assert browser.login_password(new_citizen().id_number, WRONG).status == 401
    reply = browser.login_password(new_citizen().id_number, WRONG)
    assert reply.status == 429
    assert reply.body["code"] == "rate_limited"
    assert reply.body["retry_after"] == 600
    assert reply.headers.get("Retry-After") == "600"
    clock.advance(timedelta(minutes=10))
    assert browser.login_password(new_citizen().id_number, WRONG).status == 401
