"""The flows the benchmark drives, one :class:`Flow` entry each.

Adding a flow is one entry in :data:`FLOWS`: its name, a ``setup`` that brings
the hall to the moment just before the flow (untimed, uncounted), the
``action`` that is the flow itself (counted), the fewest DynamoDB round trips
the design allows with the reason, and optionally a goal. Flows are driven
through ``chalice.test.Client`` with the test suite's helpers, so they walk
the same path a browser does. A later flow adds itself like this::

    Flow("QR login poll", _qr_pending, _qr_poll, 1, "one GetItem of the QR flow record", Exactly(1)),
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from bench.counting import Calls

__all__ = ["FLOWS", "AtMost", "Exactly", "Flow", "Goal", "Harness", "LambdaBrowser", "WritesInOneTransaction", "expect"]


# -- goals ---------------------------------------------------------------------------------


class Goal:
    """A property the recorded calls must have; ``text`` is printed beside the figure."""

    text = ""

    def met(self, calls: Calls) -> bool:
        raise NotImplementedError


@dataclass(frozen=True)
class AtMost(Goal):
    round_trips: int

    @property
    def text(self) -> str:
        return f"≤ {self.round_trips} round trips"

    def met(self, calls: Calls) -> bool:
        return calls.round_trips <= self.round_trips


@dataclass(frozen=True)
class Exactly(Goal):
    round_trips: int

    @property
    def text(self) -> str:
        return f"= {self.round_trips} round trip{'s' if self.round_trips != 1 else ''}"

    def met(self, calls: Calls) -> bool:
        return calls.round_trips == self.round_trips


@dataclass(frozen=True)
class WritesInOneTransaction(Goal):
    """Every write to ``tables`` happens in one and the same TransactWriteItems call."""

    tables: tuple[str, ...]

    @property
    def text(self) -> str:
        return f"{'+'.join(self.tables)} writes in 1 transaction"

    def met(self, calls: Calls) -> bool:
        touching = [c for c in calls.items if c.is_write and any(t.rsplit("-", 1)[-1] in self.tables for t in c.tables)]
        return len(touching) == 1 and touching[0].operation == "TransactWriteItems" and touching[0].error is None


# -- the harness the entries use ------------------------------------------------------------


def expect(reply, status: int):
    """A flow that did not do what it should is not measured: fail loudly."""
    if reply.status != status:
        raise AssertionError(f"expected HTTP {status}, got {reply.status}: {reply.body}")
    return reply


class Harness:
    """What setups and actions get: the app, and ways to make citizens and clients."""

    def __init__(self, app) -> None:
        self.app = app

    def browser(self):
        """A browser that already holds its CSRF cookie (fetching it is no DynamoDB work)."""
        from tests.support import Browser

        browser = Browser(self.app)
        expect(browser.get("/api/csrf"), 200)
        return browser

    def citizen(self):
        from tests.support import new_citizen

        return new_citizen()

    def lambda_browser(self) -> LambdaBrowser:
        """A browser talking to the Lambda handler itself, already holding its CSRF cookie."""
        browser = LambdaBrowser(self.app)
        browser.request("GET", "/api/csrf")
        return browser

    def registered(self):
        """A citizen with an account, and the browser that registered them (logged in)."""
        browser = self.browser()
        citizen = self.citizen()
        expect(browser.register(citizen), 201)
        return browser, citizen


class LambdaBrowser:
    """A browser as the hall's pages drive it (keeps cookies, sends ``X-CSRF-Token`` from the
    ``hall_csrf`` cookie), talking to the Lambda handler itself with API Gateway proxy events:
    no test client in between.

    A request is three steps so a figure can time the app alone: :meth:`event` is API
    Gateway's and the Lambda runtime's part (the event, a new trace id: ``sampled`` says
    whether X-Ray records it), :meth:`handle` is the function, :meth:`receive` is the
    browser's part (it keeps the cookies it is sent).
    """

    def __init__(self, app) -> None:
        self.app = app
        self.cookies: dict[str, str] = {}

    def event(self, method: str, path: str, body: dict | None = None, sampled: bool = True) -> dict:
        from bench.stack import new_trace
        from devtools.events import proxy_event

        headers = {}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if method not in ("GET", "HEAD") and "hall_csrf" in self.cookies:
            headers["X-CSRF-Token"] = self.cookies["hall_csrf"]
        new_trace(sampled)
        return proxy_event(method, path, body, headers)

    def handle(self, event: dict) -> dict:
        return self.app(event, None)

    def receive(self, response: dict) -> dict:
        from tests.support import remember_cookies

        headers = response.get("multiValueHeaders") or {}
        single = (response.get("headers") or {}).get("Set-Cookie")
        remember_cookies(self.cookies, headers.get("Set-Cookie") or ([single] if single else []))
        return response

    def request(self, method: str, path: str, body: dict | None = None) -> dict:
        return self.receive(self.handle(self.event(method, path, body)))


@dataclass(frozen=True)
class Flow:
    """One benchmarked flow.

    ``design_min`` is the fewest round trips the design allows for what
    ``action`` does after ``setup``; ``why`` says which they are (docs/architecture.md
    prints it). ``goal`` is checked and shown when the issue sets one.
    """

    name: str
    setup: Callable[[Harness], Any]
    action: Callable[[Harness, Any], object]
    design_min: int
    why: str
    goal: Goal | None = None


# -- the flows ------------------------------------------------------------------------------


def _captcha_setup(h: Harness):
    return h.browser()


def _captcha(h: Harness, browser) -> None:
    expect(browser.post("/api/captchas"), 200)


def _sms_send_setup(h: Harness):
    from tests.support import captcha_answer

    browser = h.browser()
    challenge = expect(browser.post("/api/captchas"), 200).body
    return browser, h.citizen().phone, challenge["captcha_id"], captcha_answer(challenge["captcha_id"])


def _sms_send(h: Harness, state) -> None:
    browser, phone, captcha_id, answer = state
    body = {"phone": phone, "purpose": "register", "captcha_id": captcha_id, "captcha_answer": answer}
    expect(browser.post("/api/sms-codes", body), 200)


def _registration_setup(h: Harness):
    browser, citizen = h.browser(), h.citizen()
    expect(browser.send_code(citizen.phone, "register"), 200)
    return browser, citizen


def _registration(h: Harness, state) -> None:
    browser, citizen = state
    expect(browser.register(citizen, send=False), 201)


def _password_login_setup(h: Harness):
    _, citizen = h.registered()
    return h.browser(), citizen


def _password_login(h: Harness, state) -> None:
    browser, citizen = state
    expect(browser.login_password(citizen.id_number, citizen.password), 200)


def _wrong_password(h: Harness, state) -> None:
    browser, citizen = state
    expect(browser.login_password(citizen.id_number, citizen.password + "x"), 401)


def _sms_login_setup(h: Harness):
    _, citizen = h.registered()
    browser = h.browser()
    expect(browser.send_code(citizen.phone, "login"), 200)
    return browser, citizen


def _sms_login(h: Harness, state) -> None:
    from tests.support import last_code

    browser, citizen = state
    body = {"method": "sms_code", "phone": citizen.phone, "sms_code": last_code(citizen.phone)}
    expect(browser.post("/api/sessions", body), 200)


def _logged_in(h: Harness):
    browser, _ = h.registered()
    return browser


def _logout(h: Harness, browser) -> None:
    expect(browser.delete("/api/sessions/current"), 200)


def _current_user(h: Harness, browser) -> None:
    expect(browser.get("/api/me"), 200)


def _qr_pending(h: Harness):
    """A QR shown in a browser and scanned by the app, not yet confirmed."""
    from tests.support import AppClient

    browser, citizen = h.registered()
    expect(browser.delete("/api/sessions/current"), 200)
    qr_id = expect(browser.post("/api/sessions", {"method": "app_qr"}), 202).body["flow_id"]
    phone = AppClient(h.app)
    phone.token = expect(phone.login_password(citizen.phone, citizen.password), 200).body["token"]
    expect(phone.post(f"/api/qr-logins/{qr_id}/scan"), 200)
    return browser, qr_id


def _qr_poll(h: Harness, state) -> None:
    browser, qr_id = state
    reply = expect(browser.post(f"/api/login-flows/{qr_id}", {"method": "app_qr"}), 202)
    if reply.body.get("scanned") is not True:
        raise AssertionError(f"the poll did not see the scan: {reply.body}")


CLEANUP_LOCKS = 3
CLEANUP_HOURS = 3  # the checkpoint's hour, the one after, and the current hour


def _cleanup_setup(h: Harness):
    """Three ended locks in the two hours since the last run's checkpoint."""
    from chalicelib import clock
    from chalicelib.domain.lockout import unlock_bucket
    from chalicelib.jobs import lockout_cleanup
    from chalicelib.store import records as flow_store
    from chalicelib.store.models import LockoutModel

    now = clock.now().replace(minute=30, second=0, microsecond=0)
    clock.set_now(now)
    checkpoint = now - timedelta(hours=CLEANUP_HOURS - 1)
    flow_store.set_checkpoint(lockout_cleanup.CHECKPOINT, unlock_bucket(checkpoint))
    for i in range(CLEANUP_LOCKS):
        ended = now - timedelta(minutes=20 + 40 * i)
        LockoutModel(
            f"account#bench-cleanup-{i}",
            failures=5,
            locked_until=int(ended.timestamp()),
            unlock_hour=unlock_bucket(ended),
            streak_expires_at=int(ended.timestamp()),
            expires_at=ended,
        ).save()
    return now


def _cleanup(h: Harness, now) -> None:
    from chalicelib import clock
    from chalicelib.jobs import lockout_cleanup

    try:
        report = lockout_cleanup.run(now)
    finally:
        clock.reset()
    if report.released != CLEANUP_LOCKS or report.hours_read != CLEANUP_HOURS:
        raise AssertionError(f"cleanup released {report.released} locks over {report.hours_read} hours")


FLOWS: tuple[Flow, ...] = (
    Flow(
        "captcha",
        _captcha_setup,
        _captcha,
        2,
        "count the client's minute window (conditional update) + store the hashed answer (conditional put); "
        "separate items, and a transaction would double the write cost",
    ),
    Flow(
        "SMS send (first code)",
        _sms_send_setup,
        _sms_send,
        4,
        "spend the captcha + client hour window + phone day window + store the code; each must hold on its own "
        "(a wrong captcha is spent, a limit counts even when the send then fails)",
    ),
    Flow(
        "registration",
        _registration_setup,
        _registration,
        3,
        "SMS code: count the try before comparing + mark used (2); account, ID/phone claims, family check, "
        "session and audit event in one transaction (1)",
        WritesInOneTransaction(("accounts", "claims", "sessions", "audit_events")),
    ),
    Flow(
        "password login",
        _password_login_setup,
        _password_login,
        4,
        "identifier → account id (claims) + account, lock and client window (TransactGet) + reserve the try "
        "in the account's streak and the client's window before verifying (one conditional transaction) + "
        "session, audit event, forgotten streak, returned window hit (one transaction). The minimum moved "
        "from 3 to 4: a try must be counted by a write before the password is checked (else parallel "
        "guesses are checked past the lock), and the session can only be written after it",
        AtMost(4),
    ),
    Flow(
        "password login, wrong password",
        _password_login_setup,
        _wrong_password,
        3,
        "identifier → account id + account, lock and client window (TransactGet) + the try reserved in the "
        "streak and the window together (one transaction); the failure that fills the streak adds the lock",
    ),
    Flow(
        "SMS login",
        _sms_login_setup,
        _sms_login,
        5,
        "SMS code: count the try + mark used (2) + phone claim → account id + account + session transaction",
    ),
    Flow("logout", _logged_in, _logout, 1, "delete the session"),
    Flow(
        "current user (GET /api/me)",
        _logged_in,
        _current_user,
        1,
        "one GetItem: the session carries the masked snapshot (the idle-expiry touch is written ≤ once a minute)",
        Exactly(1),
    ),
    Flow(
        "QR login poll (扫码登录, scanned)",
        _qr_pending,
        _qr_poll,
        1,
        "one GetItem of the QR flow record; no write until the app has confirmed",
        Exactly(1),
    ),
    Flow(
        f"lockout cleanup ({CLEANUP_LOCKS} ended locks, {CLEANUP_HOURS} hours)",
        _cleanup_setup,
        _cleanup,
        2 + CLEANUP_HOURS + CLEANUP_LOCKS + 1,
        "checkpoint read + write (2), one Query per hour bucket of the sparse index, one conditional delete "
        "per ended lock, their audit events in one BatchWriteItem (≤ 25 per call)",
    ),
)

