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
from pathlib import Path
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
        self._base_library: tuple[Path, list[dict]] | None = None

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

    def citizen_named(self, name: str, **overrides):
        from tests.support import new_citizen

        return new_citizen(name=name, **overrides)

    def known_to_base_library(self, citizen):
        """Put ``citizen`` into the local base library (基础库): the bench's own copy of the demo
        library (demo/citizens.json) plus its own people, which ``HALL_LOCAL_BASE_LIBRARY_PATH``
        points at from then on. Answers ``citizen``."""
        import json
        import os
        import tempfile

        from bench.stack import ROOT

        if self._base_library is None:
            demo = json.loads((ROOT / "demo/citizens.json").read_text(encoding="utf-8"))
            handle, path = tempfile.mkstemp(prefix="hall-bench-base-library-", suffix=".json")
            os.close(handle)
            self._base_library = (Path(path), list(demo["base_library"]))
        path, people = self._base_library
        people.append({"name": citizen.name, "id_type": citizen.id_type, "id_number": citizen.id_number})
        path.write_text(json.dumps({"base_library": people}, ensure_ascii=False), encoding="utf-8")
        os.environ["HALL_LOCAL_BASE_LIBRARY_PATH"] = str(path)
        return citizen


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

    def event(
        self,
        method: str,
        path: str,
        body: dict | None = None,
        sampled: bool = True,
        route: tuple[str, dict[str, str]] | None = None,
    ) -> dict:
        """``route``: the API's resource template and its path parameters, for a path that has
        any (``("/api/login-flows/{flow_id}", {"flow_id": ...})``), as API Gateway sends them."""
        from bench.stack import new_trace
        from devtools.events import proxy_event

        headers = {}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if method not in ("GET", "HEAD") and "hall_csrf" in self.cookies:
            headers["X-CSRF-Token"] = self.cookies["hall_csrf"]
        new_trace(sampled)
        event = proxy_event(method, path, body, headers)
        if route is not None:
            resource, parameters = route
            event["resource"] = event["requestContext"]["resourcePath"] = resource
            event["pathParameters"] = dict(parameters)
        return event

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


def _qr_shown(h: Harness):
    """A citizen's browser (logged out) showing nothing yet, and their app logged in by password."""
    from tests.support import AppClient

    browser, citizen = h.registered()
    expect(browser.delete("/api/sessions/current"), 200)
    phone = AppClient(h.app)
    phone.token = expect(phone.login_password(citizen.phone, citizen.password), 200).body["token"]
    return browser, phone


def _qr_create(h: Harness, state) -> str:
    browser, _ = state
    return expect(browser.post("/api/sessions", {"method": "app_qr"}), 202).body["flow_id"]


def _qr_shown_with_id(h: Harness):
    """The QR drawn on the login page (扫码登录 tab), not yet scanned; the app logged in."""
    browser, phone = _qr_shown(h)
    return browser, phone, _qr_create(h, (browser, phone))


def _qr_scan(h: Harness, state) -> None:
    _, phone, qr_id = state
    expect(phone.post(f"/api/qr-logins/{qr_id}/scan"), 200)


def _qr_scanned(h: Harness):
    state = _qr_shown_with_id(h)
    _qr_scan(h, state)
    return state


def _qr_confirm(h: Harness, state) -> None:
    _, phone, qr_id = state
    expect(phone.post(f"/api/qr-logins/{qr_id}/confirm"), 200)


def _qr_confirmed(h: Harness):
    state = _qr_scanned(h)
    _qr_confirm(h, state)
    return state


def _qr_collect(h: Harness, state) -> None:
    browser, _, qr_id = state
    reply = expect(browser.post(f"/api/login-flows/{qr_id}", {"method": "app_qr"}), 200)
    if reply.body.get("user", {}).get("login_method") != "app_qr":
        raise AssertionError(f"the collect did not open an app_qr session: {reply.body}")


def _qr_pending(h: Harness):
    """A QR shown in a browser and scanned by the app, not yet confirmed."""
    browser, _, qr_id = _qr_scanned(h)
    return browser, qr_id


def _qr_poll(h: Harness, state) -> None:
    browser, qr_id = state
    reply = expect(browser.post(f"/api/login-flows/{qr_id}", {"method": "app_qr"}), 202)
    if reply.body.get("scanned") is not True:
        raise AssertionError(f"the poll did not see the scan: {reply.body}")


def _essc_shown(h: Harness):
    """A registered citizen's browser showing the 电子社保卡 QR; the callback the platform signs for it."""
    from chalicelib import clock
    from devtools.stubs import essc_platform

    browser, citizen = h.registered()
    expect(browser.delete("/api/sessions/current"), 200)
    qr_url = expect(browser.post("/api/sessions", {"method": "essc_qr"}), 202).body["qr_url"]
    qr_id, code = essc_platform.read_qr(qr_url)
    body = essc_platform.callback(qr_id, code, citizen.name, citizen.id_number, clock.to_epoch(clock.now()))
    platform = h.browser()
    platform.send_csrf = False  # a server-to-server call: no browser, no CSRF cookie
    return platform, body


def _essc_callback(h: Harness, state) -> None:
    platform, body = state
    reply = expect(platform.post("/api/essc/callback", body), 200)
    if reply.body.get("state") != "confirmed":
        raise AssertionError(f"the callback did not confirm the QR: {reply.body}")


def _face_pending(h: Harness):
    """A face check a host flow started for a citizen, shown in the browser that holds its cookie."""
    from tests.face_support import start_face_check

    browser = h.browser()
    return browser, start_face_check(browser, h.citizen()).face_id


def _face_poll(h: Harness, state) -> None:
    browser, face_id = state
    reply = expect(browser.post(f"/api/face-checks/{face_id}"), 202)
    if reply.body.get("status") != "authorization_pending":
        raise AssertionError(f"the poll did not wait for the provider: {reply.body}")


def _face_callback_ready(h: Harness):
    """A registered citizen's face check and the pass the provider signs for it."""
    from chalicelib import clock
    from devtools.stubs import face_provider
    from tests.face_support import start_face_check

    browser, citizen = h.registered()
    check = start_face_check(browser, citizen)
    body = face_provider.callback(check.face_id, True, clock.to_epoch(clock.now()))
    provider = h.browser()
    provider.send_csrf = False  # a server-to-server call: no browser, no CSRF cookie
    return provider, body


def _face_callback(h: Harness, state) -> None:
    provider, body = state
    reply = expect(provider.post("/api/face/callback", body), 200)
    if reply.body.get("state") != "passed":
        raise AssertionError(f"the callback did not pass the check: {reply.body}")


def _redirect_path(location: str) -> str:
    """The hall's own path and query of an absolute URL the provider sends the browser to."""
    from urllib.parse import urlsplit

    parts = urlsplit(location)
    return f"{parts.path}?{parts.query}"


def _at_jszw(location: str, username: str, password: str) -> str:
    """On the local 统一身份认证平台 (devtools/stubs/jszw_idp.py, over HTTP): log in with the
    验证码 shown, press 授权; the hall's callback path the IdP sends the browser back to."""
    import html
    import re
    from urllib.parse import urlsplit

    import requests

    base = "{0.scheme}://{0.netloc}".format(urlsplit(location))
    citizen = requests.Session()
    page = citizen.get(location, timeout=30)
    captcha = re.search(r'data-testid="idp-captcha">(\d{4})<', page.text).group(1)
    next_url = html.unescape(re.search(r'name="next" value="([^"]+)"', page.text).group(1))
    form = {"username": username, "password": password, "captcha": captcha, "next": next_url}
    consent = citizen.post(f"{base}/login", data=form, timeout=30)
    action = html.unescape(re.search(r'<form method="post" action="([^"]+)"', consent.text).group(1))
    back = citizen.post(f"{base}{action}", data={"decision": "allow"}, allow_redirects=False, timeout=30)
    if back.status_code != 302 or "/login/callback/jszw_oidc?" not in back.headers.get("Location", ""):
        raise AssertionError(f"the IdP did not send the browser back: {back.status_code} {back.text[:200]}")
    return _redirect_path(back.headers["Location"])


JSZW_USER = "sunli"  # 孙丽 of devtools/stubs/jszw_idp.py's seeded users (L2, in the base library)
JSZW_PASSWORD = "Jszw@2024"  # noqa: S105 - the local IdP's seeded password


def _jszw_login_at_idp(browser) -> str:
    start = browser.get("/login/start/jszw_oidc")
    if start.status != 302:
        raise AssertionError(f"expected a redirect to the IdP, got {start.status}: {start.body}")
    return _at_jszw(start.headers["Location"], JSZW_USER, JSZW_PASSWORD)


def _jszw_linked(h: Harness):
    """孙丽 logged in once through 江苏政务 (her account created and linked), logged out, and
    back from the IdP's 授权 a second time: the callback is what remains."""
    browser = h.browser()
    expect(browser.get(_jszw_login_at_idp(browser)), 302)
    expect(browser.delete("/api/sessions/current"), 200)
    return browser, _jszw_login_at_idp(browser)


def _federated_callback(method: str):
    def action(h: Harness, state) -> None:
        browser, path = state
        reply = expect(browser.get(path), 302)
        if reply.headers.get("Location") != "/":
            raise AssertionError(f"the {method} callback did not log in: {reply.headers.get('Location')}")
        if "hall_session" not in browser.cookies:  # checked without a request: only the callback is counted
            raise AssertionError(f"no session cookie after the {method} callback")

    return action


def _alipay_linked(h: Harness):
    """A citizen whose account is linked to the local 支付宝's first user, back from the phone's
    授权 (devtools/stubs/alipay_sim.py, over HTTP): the callback is what remains."""
    import re
    from urllib.parse import urlsplit

    import requests

    from chalicelib import clock
    from chalicelib.methods import federation
    from chalicelib.ops import lookup
    from chalicelib.store import accounts
    from devtools.stubs import alipay_sim

    browser, citizen = h.registered()
    expect(browser.delete("/api/sessions/current"), 200)
    user = alipay_sim.USERS[0]
    account = lookup.find_account(citizen.phone, None)
    accounts.put_link("alipay", federation.subject_mac("alipay", user.user_id), account.account_id, clock.now())
    start = browser.get("/login/start/alipay")
    if start.status != 302:
        raise AssertionError(f"expected a redirect to 支付宝, got {start.status}: {start.body}")
    location = start.headers["Location"]
    base = "{0.scheme}://{0.netloc}".format(urlsplit(location))
    pc = requests.get(location, timeout=30)  # the PC page with the QR; the phone opens its ticket
    ticket = re.search(r'fetch\("/ticket/([^"]+)"\)', pc.text).group(1)
    requests.post(f"{base}/phone/{ticket}", data={"user_id": user.user_id, "decision": "allow"}, timeout=30)
    status = requests.get(f"{base}/ticket/{ticket}", timeout=30).json()
    return browser, _redirect_path(status["redirect"])


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


# -- 忘记密码找回 ---------------------------------------------------------------------------------


def _recovery_form(browser, citizen) -> dict:
    from tests.support import captcha_answer

    captcha_id = expect(browser.post("/api/captchas"), 200).body["captcha_id"]
    form = {"id_type": citizen.id_type, "id_number": citizen.id_number, "name": citizen.name}
    return {**form, "captcha_id": captcha_id, "captcha_answer": captcha_answer(captcha_id)}


def _recovery_start_setup(h: Harness):
    _, citizen = h.registered()
    browser = h.browser()
    return browser, _recovery_form(browser, citizen)


def _recovery_start(h: Harness, state) -> None:
    browser, form = state
    expect(browser.post("/api/recoveries", form), 201)


def _recovery_code_sent(h: Harness):
    """A recovery at 短信验证 with its code sent to the bound phone (the phone's minute waited out)."""
    import re
    from datetime import timedelta

    from chalicelib import clock
    from tests.support import captcha_answer, messages_to

    _, citizen = h.registered()
    browser = h.browser()
    expect(browser.post("/api/recoveries", _recovery_form(browser, citizen)), 201)
    clock.advance(timedelta(seconds=61))
    captcha_id = expect(browser.post("/api/captchas"), 200).body["captcha_id"]
    body = {"phone": citizen.phone, "captcha_id": captcha_id, "captcha_answer": captcha_answer(captcha_id)}
    expect(browser.post("/api/recoveries/current/sms-codes", body), 200)
    code = next(m.group(1) for t in messages_to(citizen.phone) if (m := re.search(r"找回密码验证码为(\d{6})", t)))
    return browser, citizen, code


def _recovery_sms(h: Harness, state) -> None:
    browser, citizen, code = state
    body = {"phone": citizen.phone, "sms_code": code}
    expect(browser.post("/api/recoveries/current/sms-verification", body), 200)


def _recovery_face_passed(h: Harness):
    """A recovery at 人脸识别 whose face check the provider has passed."""
    from tests.face_support import complete_face_check

    _, citizen = h.registered()
    browser = h.browser()
    expect(browser.post("/api/recoveries", _recovery_form(browser, citizen)), 201)
    face_id = expect(browser.post("/api/recoveries/current/face-checks", {"face_consent": True}), 202).body["face"][
        "face_id"
    ]
    expect(complete_face_check(face_id, passed=True, app=h.app), 200)
    return browser, face_id


def _recovery_face(h: Harness, state) -> None:
    browser, face_id = state
    expect(browser.post("/api/recoveries/current/face-verification", {"face_id": face_id}), 200)


def _recovery_verified(h: Harness):
    """A recovery verified by SMS, for an account with one session (the registering browser's)."""
    browser, citizen, code = _recovery_code_sent(h)
    _recovery_sms(h, (browser, citizen, code))
    return browser


def _recovery_password(h: Harness, browser) -> None:
    new = "Recover#2025ok"
    expect(browser.post("/api/recoveries/current/password", {"password": new, "password_confirm": new}), 200)


# -- 账号关联 (the link step of a federated login) and 账号绑定 -----------------------------------


@dataclass(frozen=True)
class _Vouched:
    """What an identity provider vouched for, as chalicelib.methods.federation takes it."""

    subject: str
    name: str
    id_number: str
    phone: str | None
    assurance: int


def _link_ctx():
    from chalicelib import clock
    from chalicelib.context import RequestContext

    return RequestContext(client_ip="127.0.0.1", request_id="bench", now=clock.now())


def _handed_over(browser, step) -> str:
    """The browser the provider sent back to the link step, holding its ``hall_link`` cookie."""
    from chalicelib.flows.login import LinkRequired

    if not isinstance(step, LinkRequired) or not step.browser_secret:
        raise AssertionError(f"expected the link step, got {step!r}")
    browser.cookies["hall_link"] = step.browser_secret
    return step.flow_id


def _link_to_prove(h: Harness):
    """A registered citizen (logged out) whom 江苏政务 vouched for unverified: the link step at
    ``prove``, made in-process as the provider's callback makes it (the callback has its own row)."""
    import uuid

    from chalicelib.methods import federation

    browser, citizen = h.registered()
    expect(browser.delete("/api/sessions/current"), 200)
    vouched = _Vouched(f"jszw-bench-{uuid.uuid4().hex[:12]}", citizen.name, citizen.id_number, citizen.phone, 1)
    link_id = _handed_over(browser, federation.resolve("jszw", "jszw_oidc", "", vouched, _link_ctx()))
    return browser, citizen, link_id


def _link_finished(reply, method: str) -> None:
    if reply.body.get("user", {}).get("login_method") != method:
        raise AssertionError(f"the link step did not log in by {method}: {reply.body}")


def _link_by_password(h: Harness, state) -> None:
    browser, citizen, link_id = state
    reply = expect(
        browser.post(f"/api/login-links/{link_id}", {"proof": "password", "password": citizen.password}), 200
    )
    _link_finished(reply, "jszw_oidc")


def _link_code_sent(h: Harness):
    """The link step at ``prove`` with a code (purpose ``link``) sent to the account's phone."""
    from chalicelib import clock
    from tests.support import captcha_answer, last_code

    browser, citizen, link_id = _link_to_prove(h)
    clock.advance(timedelta(seconds=61))  # the phone had its registration code a moment ago
    captcha_id = expect(browser.post("/api/captchas"), 200).body["captcha_id"]
    body = {"captcha_id": captcha_id, "captcha_answer": captcha_answer(captcha_id)}
    expect(browser.post(f"/api/login-links/{link_id}/sms-codes", body), 200)
    return browser, link_id, last_code(citizen.phone)


def _link_by_sms(h: Harness, state) -> None:
    browser, link_id, code = state
    reply = expect(browser.post(f"/api/login-links/{link_id}", {"proof": "sms_code", "sms_code": code}), 200)
    _link_finished(reply, "jszw_oidc")


def _link_to_identify(h: Harness):
    """A registered citizen (logged out) back from 支付宝, which vouches for no ID number: the
    link step at ``identify``."""
    import uuid

    from chalicelib.methods import federation

    browser, citizen = h.registered()
    expect(browser.delete("/api/sessions/current"), 200)
    user_id = f"2088{uuid.uuid4().int % 10**12:012d}"
    link_id = _handed_over(browser, federation.resolve_linked("alipay", "alipay", "", user_id, _link_ctx()))
    return browser, citizen, link_id


def _link_identify(h: Harness, state) -> None:
    browser, citizen, link_id = state
    body = {"id_type": citizen.id_type, "id_number": citizen.id_number}
    reply = expect(browser.post(f"/api/login-links/{link_id}/identify", body), 200)
    if reply.body.get("step") != "prove":
        raise AssertionError(f"the ID number with an account did not lead to prove: {reply.body}")


def _link_to_create(h: Harness):
    """A 电子社保卡 holder with no account (the platform vouched, no phone): the link step at
    ``phone``, with a registration code sent to the phone the new account gets."""
    from chalicelib.methods import federation
    from tests.support import last_code

    browser, holder = h.browser(), h.citizen()
    vouched = _Vouched(holder.id_number, holder.name, holder.id_number, None, 2)
    link_id = _handed_over(browser, federation.resolve("essc", "essc_qr", "", vouched, _link_ctx()))
    expect(browser.send_code(holder.phone, "register"), 200)
    return browser, holder.phone, link_id, last_code(holder.phone)


def _link_create(h: Harness, state) -> None:
    browser, phone, link_id, code = state
    body = {"proof": "new_account", "phone": phone, "sms_code": code, "agreement_accepted": True}
    _link_finished(expect(browser.post(f"/api/login-links/{link_id}", body), 200), "essc_qr")


def _linked_and_logged_in(h: Harness):
    """A citizen with a password and a phone, tied to 江苏政务 on the link step, logged in."""
    browser, citizen, link_id = _link_to_prove(h)
    _link_by_password(h, (browser, citizen, link_id))
    return browser


def _unlink(h: Harness, browser) -> None:
    reply = expect(browser.delete("/api/account/links/jszw"), 200)
    if any(row["linked"] for row in reply.body["links"] if row["provider"] == "jszw"):
        raise AssertionError(f"江苏政务 is still tied: {reply.body}")


# -- 用户申诉 ------------------------------------------------------------------------------------


def _appeal_form(citizen, kind: str) -> dict:
    form = {"id_type": citizen.id_type, "id_number": citizen.id_number, "name": citizen.name}
    return {"appeal_type": kind, **form, "face_consent": True}


def _appeal_start_setup(h: Harness):
    return h.browser(), h.citizen()


def _appeal_start(h: Harness, state) -> None:
    browser, citizen = state
    reply = expect(browser.post("/api/appeals", _appeal_form(citizen, "id_number_taken")), 201)
    if reply.body.get("face", {}).get("status") != "authorization_pending":
        raise AssertionError(f"the appeal did not start its face check: {reply.body}")


def _appeal_face_passed(h: Harness, kind: str, appellant=None):
    """An appeal of ``kind`` for ``appellant`` (a new person by default) whose face check the
    provider has passed, in the browser that began it."""
    from tests.face_support import complete_face_check

    browser = h.browser()
    appellant = appellant or h.citizen()
    started = expect(browser.post("/api/appeals", _appeal_form(appellant, kind)), 201).body
    expect(complete_face_check(started["face"]["face_id"], passed=True, app=h.app), 200)
    return browser, started["appeal_id"], started["face"]["face_id"]


def _appeal_face_step(status: str):
    def action(h: Harness, state) -> None:
        browser, appeal_id, face_id = state[:3]
        reply = expect(browser.post(f"/api/appeals/{appeal_id}/face", {"face_id": face_id}), 200)
        if reply.body.get("status") != status:
            raise AssertionError(f"the face step did not end {status}: {reply.body}")

    return action


def _squatted_id_face_passed(h: Harness):
    """证件号码被占用: someone registered the appellant's ID (one live session); the appellant's
    face check passed."""
    from dataclasses import replace

    _, squatter = h.registered()
    appellant = replace(h.citizen(), id_number=squatter.id_number, name="陈小红")
    return _appeal_face_passed(h, "id_number_taken", appellant)


def _take_over_ready(h: Harness):
    """证件号码被占用 at 设置新密码: verified, the squatter's account holds one session."""
    state = _squatted_id_face_passed(h)
    _appeal_face_step("verified")(h, state)
    return state


def _take_over(h: Harness, state) -> None:
    browser, appeal_id, _ = state
    new = "Chen#Hong2025"
    reply = expect(browser.post(f"/api/appeals/{appeal_id}/password", {"password": new, "password_confirm": new}), 200)
    if reply.body.get("status") != "completed":
        raise AssertionError(f"the take-over did not complete: {reply.body}")


def _phone_release_ready(h: Harness):
    """移动电话已被占用 at 短信验证: the phone is held by another account; the appellant has none;
    the code (purpose ``appeal``) sent to the phone."""
    from dataclasses import replace

    from tests.support import last_code

    _, holder = h.registered()
    appellant = replace(h.citizen(), phone=holder.phone)
    browser, appeal_id, face_id = _appeal_face_passed(h, "phone_taken", appellant)
    _appeal_face_step("verified")(h, (browser, appeal_id, face_id))
    expect(browser.send_code(holder.phone, "appeal"), 200)
    return browser, appeal_id, holder.phone, last_code(holder.phone)


def _phone_release(h: Harness, state) -> None:
    browser, appeal_id, phone, code = state
    reply = expect(browser.post(f"/api/appeals/{appeal_id}/phone", {"phone": phone, "sms_code": code}), 200)
    if reply.body.get("bound_to_account") is not False:
        raise AssertionError(f"the phone was not simply released: {reply.body}")


def _family_bound_face_passed(h: Harness):
    """亲情号解绑: a binder bound the appellant's ID as a 亲情号 (in-process, as the bind commits);
    the appellant's face check passed."""
    from chalicelib import clock
    from chalicelib.citizen_data import id_number_mac, protect_id_number, protect_name
    from chalicelib.store import accounts, family_numbers

    _, binder = h.registered()
    key = accounts.id_claim_key(binder.id_type, id_number_mac(binder.id_number))
    account = accounts.get(accounts.find_account_ids([key])[key])
    appellant = h.citizen()
    new = family_numbers.NewFamilyBinding(
        family_numbers.new_binding_id(),
        appellant.id_type,
        protect_id_number(appellant.id_number),
        protect_name(appellant.name),
        "parent",
    )
    family_numbers.bind(account, new, clock.now(), min_level=1, limit=5)
    return _appeal_face_passed(h, "family_number_bound", appellant)


def _ticket_ready(h: Harness):
    from tests.support import last_code

    browser, phone = h.browser(), h.citizen().phone
    expect(browser.send_code(phone, "appeal"), 200)
    return browser, phone, last_code(phone)


def _ticket(h: Harness, state) -> None:
    browser, phone, code = state
    body = {"category": "login", "text": "我的账户无法登录，请帮忙核实处理。", "phone": phone, "sms_code": code}
    reply = expect(browser.post("/api/appeal-tickets", body), 201)
    if reply.body.get("status") != "open":
        raise AssertionError(f"the ticket was not filed: {reply.body}")


# -- 亲情号, 基本信息修改 (the base library's people are the bench's own) ------------------------


def _relative(h: Harness, name: str):
    from tests.support import make_resident_id

    return h.citizen_named(name, id_number=make_resident_id(birth="19620212"))


def _family_bind_ready(h: Harness):
    """A 实名用户 (the base library matched at registration) and a relative the library knows."""
    browser = h.browser()
    citizen = h.known_to_base_library(h.citizen_named("陈小明"))
    reply = expect(browser.register(citizen), 201)
    if reply.body["user"]["level"] != 2:
        raise AssertionError(f"the binder is not 实名用户: {reply.body}")
    return browser, h.known_to_base_library(_relative(h, "陈母亲"))


def _family_bind(h: Harness, state) -> str:
    browser, relative = state
    form = {"name": relative.name, "id_type": relative.id_type, "id_number": relative.id_number, "relation": "parent"}
    return expect(browser.post("/api/family-numbers", form), 201).body["family_number"]["binding_id"]


def _family_bound(h: Harness):
    browser, relative = _family_bind_ready(h)
    return browser, _family_bind(h, (browser, relative))


def _family_unbind(h: Harness, state) -> None:
    browser, binding_id = state
    expect(browser.delete(f"/api/family-numbers/{binding_id}"), 200)


def _name_correction_ready(h: Harness):
    """A 注册用户: registered with a name the base library does not match (a typing slip)."""
    browser = h.browser()
    citizen = h.known_to_base_library(h.citizen_named("陈小明"))
    reply = expect(browser.register(citizen, name="陈晓明"), 201)
    if reply.body["user"]["level"] != 1:
        raise AssertionError(f"the citizen is not 注册用户: {reply.body}")
    return browser, citizen


def _name_correction(h: Harness, state) -> None:
    browser, citizen = state
    reply = expect(browser.post("/api/profile/name", {"name": citizen.name}), 200)
    if reply.body["user"]["level"] != 2:
        raise AssertionError(f"the corrected name did not make a 实名用户: {reply.body}")


# -- 账号安全 ------------------------------------------------------------------------------------


def _two_sessions(h: Harness):
    """A citizen logged in twice: the registering browser (acting) and one other device."""
    browser, citizen = h.registered()
    expect(h.browser().login_password(citizen.id_number, citizen.password), 200)
    return browser, citizen


def _change_password(h: Harness, state) -> None:
    browser, citizen = state
    new = "Changed#2025ok"
    body = {"old_password": citizen.password, "password": new, "password_confirm": new}
    reply = expect(browser.post("/api/account/password", body), 200)
    if reply.body.get("sessions_ended") != 1:
        raise AssertionError(f"the other session was not ended: {reply.body}")


def _change_phone_ready(h: Harness):
    """A logged-in citizen (one session) with a code (purpose ``change_phone``) sent to a new phone."""
    from tests.support import last_code

    browser, citizen = h.registered()
    phone = h.citizen().phone
    expect(browser.send_code(phone, "change_phone"), 200)
    return browser, citizen, phone, last_code(phone)


def _change_phone(h: Harness, state) -> None:
    browser, citizen, phone, code = state
    body = {"phone": phone, "sms_code": code, "password": citizen.password}
    expect(browser.post("/api/account/phone", body), 200)


def _security_events(h: Harness, browser) -> None:
    reply = expect(browser.get("/api/account/security-events"), 200)
    if not reply.body.get("events"):
        raise AssertionError(f"no security events listed: {reply.body}")


def _revoke_others(h: Harness, state) -> None:
    browser, _ = state
    reply = expect(browser.delete("/api/sessions/others"), 200)
    if reply.body.get("sessions_ended") != 1:
        raise AssertionError(f"the other session was not ended: {reply.body}")


# -- 个人用户中心: cases, favourites, records -------------------------------------------------

# 高校毕业生接收手续办理 (实名用户) and its form, as tests/functional/test_cases.py applies.
APPLY_SERVICE = "JY0001"
APPLY_FIELDS = {"school_or_employer": "南京大学", "major": "计算机科学与技术", "contact_phone": "13800001111"}


def _real_name(h: Harness):
    """A 实名 citizen (known to the base library), logged in."""
    browser = h.browser()
    citizen = h.known_to_base_library(h.citizen())
    expect(browser.register(citizen), 201)
    return browser, citizen


def _application(browser):
    import uuid

    body = {"idempotency_key": uuid.uuid4().hex, "fields": APPLY_FIELDS}
    return expect(browser.post(f"/api/services/{APPLY_SERVICE}/applications", body), 201)


def _apply(h: Harness, state) -> None:
    browser, _ = state
    _application(browser)


def _finished_case(h: Harness):
    from chalicelib import clock
    from devtools.stubs import back_office

    browser, _ = _real_name(h)
    case_id = _application(browser).body["case"]["case_id"]
    expect(browser.post("/api/back-office/callback", back_office.callback(case_id, clock.to_epoch(clock.now()))), 200)
    return browser, case_id


def _evaluate(h: Harness, state) -> None:
    browser, case_id = state
    expect(browser.post(f"/api/cases/{case_id}/evaluation", {"grade": "satisfied"}), 200)


def _cards(h: Harness, state) -> None:
    browser, _ = state
    reply = expect(browser.get("/api/cases"), 200)
    if not reply.body.get("cards"):
        raise AssertionError(f"no cards: {reply.body}")


def _favourite(h: Harness, state) -> None:
    browser, _ = state
    expect(browser.request("PUT", f"/api/favourites/{APPLY_SERVICE}"), 200)


def _records(h: Harness, state) -> None:
    browser, _ = state
    expect(browser.get("/api/records/payments"), 200)


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
        "spend the captcha + the caps (client hour and day, phone day with its minute, number block day: one "
        "conditional transaction) + the hall's hourly budget (its own update: one item every send shares, in "
        "a transaction it would conflict with every other send) + store the code; each must hold on its own "
        "(a wrong captcha is spent, a limit counts even when the send then fails)",
    ),
    Flow(
        "registration",
        _registration_setup,
        _registration,
        2,
        "SMS code: count the try before comparing (1); the code used, account, ID/phone claims, family check, "
        "session, audit event and this device seen on the account (登录保护) in one transaction (1)",
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
        6,
        "the client's hourly window of SMS-code logins, reserved before the code is checked (1) + SMS code: "
        "count the try + mark used (2) + phone claim → account id + account + session transaction (the "
        "window's hit given back in it)",
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
        "QR create (扫码登录)",
        _qr_shown,
        _qr_create,
        1,
        "one TransactWriteItems: the QR flow record (id unused) and a hit in the address's hourly window of "
        "QR records (room left); the browser's secret goes to a cookie, its hash into that record",
        AtMost(1),
    ),
    Flow(
        "QR scan (app)",
        _qr_shown_with_id,
        _qr_scan,
        2,
        "the app's bearer session (GetItem) + the record moved to scanned on condition pending and valid "
        "(conditional UpdateItem, returning the browser's IP, user agent and time)",
        AtMost(2),
    ),
    Flow(
        "QR confirm (app)",
        _qr_scanned,
        _qr_confirm,
        2,
        "the app's bearer session (GetItem) + the record moved to confirmed on condition scanned by this "
        "account and valid (conditional UpdateItem)",
        AtMost(2),
    ),
    Flow(
        "QR collect (the poll after 确认登录)",
        _qr_confirmed,
        _qr_collect,
        3,
        "the record (GetItem) + the confirming account for the session's snapshot (GetItem, keyed "
        "differently) + session, LoginSucceeded event and record → collected on condition confirmed, same "
        "browser and valid (one transaction: a racing poll's is cancelled, so one session exists)",
        AtMost(3),
    ),
    Flow(
        "e-SSC callback (电子社保卡, holder with an account)",
        _essc_shown,
        _essc_callback,
        5,
        "spend the nonce (conditional PutItem: must hold on its own, before anything else) + the QR record "
        "(GetItem: its TOTP secret checks the code) + link and ID claim together (BatchGetItem) + the account "
        "(GetItem: its name must match the holder's) + link, audit event and record → confirmed (one "
        "transaction). The browser's collect is then the QR collect's 3",
        AtMost(5),
    ),
    Flow(
        "OIDC callback (江苏政务, linked citizen)",
        _jszw_linked,
        _federated_callback("jszw_oidc"),
        4,
        "spend the state (conditional UpdateItem: single use, same browser, PKCE verifier and nonce) + the "
        "link (BatchGetItem claims) + the account (GetItem, for the session's snapshot) + session and audit "
        "event (one transaction); the code exchange, discovery and JWKS are HTTP to the IdP, not DynamoDB",
        AtMost(4),
    ),
    Flow(
        "Alipay callback (支付宝, linked user)",
        _alipay_linked,
        _federated_callback("alipay"),
        4,
        "spend the state (conditional UpdateItem) + the link (BatchGetItem claims) + the account (GetItem) + "
        "session and audit event (one transaction); alipay.system.oauth.token and alipay.user.info.share are "
        "HTTP to the gateway, not DynamoDB",
        AtMost(4),
    ),
    Flow(
        "face check poll (人脸识别, provider not yet answered)",
        _face_pending,
        _face_poll,
        1,
        "one GetItem of the face check record (binding, expiry and state are read from it); no write",
        Exactly(1),
    ),
    Flow(
        "face check callback (人脸识别 passed, person with an account)",
        _face_callback_ready,
        _face_callback,
        4,
        "spend the nonce (conditional PutItem: must hold on its own, before anything else) + the check "
        "(GetItem: pending, unexpired, whose ID) + the person's ID claim (BatchGetItem: the account to audit) "
        "+ check → passed on condition pending and valid, with the FaceChecked event (one transaction)",
        AtMost(4),
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
        "recovery 填写账号 (忘记密码找回 step 1)",
        _recovery_start_setup,
        _recovery_start,
        5,
        "spend the captcha + the client's hour window (each must hold on its own) + the ID claim + an account "
        "(keyed differently; read whatever was typed, a placeholder id when no claim, so every answer costs "
        "the same) + the recovery record (conditional PutItem)",
        AtMost(5),
    ),
    Flow(
        "recovery 短信验证 (step 2 by SMS)",
        _recovery_code_sent,
        _recovery_sms,
        3,
        "the record (GetItem: binding, state, validity) + the code's try counted before comparing + the code "
        "used and the record → verified, which could share one transaction; they stay the SMS code "
        "repository's own conditional writes (4)",
    ),
    Flow(
        "recovery 人脸识别 (step 2 by face)",
        _recovery_face_passed,
        _recovery_face,
        3,
        "the record (GetItem) + the face check (GetItem: passed, owner, purpose, browser) + check consumed and "
        "record → verified (one transaction: of two uses of one check, one wins)",
        AtMost(3),
    ),
    Flow(
        "recovery 设置新密码 (step 3, one session to revoke)",
        _recovery_verified,
        _recovery_password,
        5,
        "the record + the account (old hash, version, phone) + password on the version read, record → done, "
        "lockout deleted and PasswordRecovered event (one transaction) + the sessions by the by_account index "
        "(Query) + their deletes (BatchWriteItem, 25 a call)",
        AtMost(5),
    ),
    Flow(
        "link step 账号关联, prove by password",
        _link_to_prove,
        _link_by_password,
        4,
        "the link record (GetItem: binding, step, account id) + the account with its lock and the client's "
        "window (TransactGet) + the try reserved before the verify (one transaction) + link claim, the "
        "account's links entry, Linked, record used, session and LoginSucceeded (one transaction). Today 5: "
        "the account is also read alone first (GetItem) to refuse a provider already tied before a try is "
        "spent, then again in the TransactGet",
    ),
    Flow(
        "link step 账号关联, prove by SMS",
        _link_code_sent,
        _link_by_sms,
        4,
        "the link record + the account (GetItem: its bound phone keys the code) + the code's try counted "
        "before comparing + code used with link claim, links entry, Linked, record used and session (one "
        "transaction). Today 5: the code is marked used by the SMS code repository's own conditional write",
    ),
    Flow(
        "link step 账号关联, identify (支付宝: the ID number said has an account)",
        _link_to_identify,
        _link_identify,
        3,
        "the try reserved on the record (conditional UpdateItem: ≤ 3, this browser's, unused, unexpired) "
        "before the lookup + the ID claim (BatchGetItem) + the record → prove or register (conditional "
        "UpdateItem). Today 4: the record is read first (GetItem) so that a refusal (used, another browser, "
        "expired, no ID asked) is told apart before a try is spent",
    ),
    Flow(
        "link step 账号关联, create (电子社保卡 holder without an account)",
        _link_to_create,
        _link_create,
        3,
        "the link record (GetItem: what the provider vouched for) + the code's try counted before comparing "
        "+ one transaction: code used, ID/phone claims, 亲情号 check, account with its links entry, link "
        "claim, Registered, Linked, record used, session and LoginSucceeded (as registration writes all "
        "in one). Today 5: the code is marked used on its own, and the account (accounts.create) and the "
        "session (the login flow) are two transactions",
    ),
    Flow(
        "unlink 解除绑定 (DELETE /api/account/links/{provider})",
        _linked_and_logged_in,
        _unlink,
        3,
        "the session (GetItem) + the account (GetItem: links, password, phone decide the rule) + claim "
        "deleted, links entry removed on condition another way to log in remains, Unlinked (one transaction)",
        AtMost(3),
    ),
    Flow(
        "appeal 填写证件信息 (用户申诉 step 1, face check started)",
        _appeal_start_setup,
        _appeal_start,
        2,
        "the ID's appeals today counted, the appeal and its flow record (one conditional transaction: the "
        "limit holds before any face check starts) + the face check record (the face service's own PutItem)",
        AtMost(2),
    ),
    Flow(
        "appeal 人脸识别 (移动电话已被占用 → verified)",
        lambda h: _appeal_face_passed(h, "phone_taken"),
        _appeal_face_step("verified"),
        3,
        "the flow record (GetItem: binding, step, validity) + the face check (GetItem: passed, owner, purpose, "
        "browser) + check consumed, flow → verified, appeal's history (one transaction: one use of a check wins)",
        AtMost(3),
    ),
    Flow(
        "appeal 人脸识别 (证件号码被占用 → verified)",
        _squatted_id_face_passed,
        _appeal_face_step("verified"),
        4,
        "as the row above + the ID claim (BatchGetItem: is the ID registered at all; said only now, after the "
        "face check proved the person)",
        AtMost(4),
    ),
    Flow(
        "appeal 设置新密码 (证件号码被占用 take-over, one session to revoke)",
        _take_over_ready,
        _take_over,
        5,
        "the flow record + the holder's account (GetItem: version, phone, links, 亲情号) + one transaction "
        "(password, name, level, claims released, flow → done, history, AccountReclaimed and the old phone's "
        "event) + the sessions by the by_account index (Query) + their deletes (BatchWriteItem, 25 a call). "
        "Today 6: the ID claim is read again (BatchGetItem) rather than carried in the flow record by "
        "人脸识别, which read it; the transaction's version condition would make carrying it safe",
    ),
    Flow(
        "appeal 短信验证 (移动电话已被占用: phone released, appellant without an account)",
        _phone_release_ready,
        _phone_release,
        5,
        "the flow record + the code's try counted before comparing + phone and ID claims (BatchGetItem) + "
        "the holder's account (GetItem) + code used, phone claim and fields released, flow → done, history, "
        "PhoneReleased (one transaction). Today 6: the code is marked used by the SMS code repository's own "
        "conditional write. An appellant with an account adds their account (GetItem), then a re-read of it "
        "and their sessions' snapshots (Query + 1 UpdateItem per session)",
    ),
    Flow(
        "appeal 亲情号解绑 (人脸认证 → released at once)",
        _family_bound_face_passed,
        _appeal_face_step("completed"),
        5,
        "the flow record + the face check + the family claim (GetItem) + the binder's account (GetItem, keyed "
        "by the claim) + check consumed, claim deleted, binder's entry removed, flow → done, history, "
        "FamilyNumberReleased (one transaction)",
        AtMost(5),
    ),
    Flow(
        "appeal ticket 其他 (POST /api/appeal-tickets)",
        _ticket_ready,
        _ticket,
        2,
        "the code's try counted before comparing + code used, the phone's tickets today counted and the "
        "ticket (one conditional transaction: the code is spent in it, so a fault writes nothing); the SMS "
        "notice is the gateway, not DynamoDB",
    ),
    Flow(
        "亲情号 bind (POST /api/family-numbers)",
        _family_bind_ready,
        _family_bind,
        4,
        "the session (GetItem: the level snapshot refuses without more) + the account (GetItem: level, "
        "bindings) + the account's daily check reserved before the base library is asked (conditional "
        "UpdateItem) + family claim, the account's entry on condition ≤ 5 and level, FamilyNumberBound "
        "(one transaction); the base library is HTTP, not DynamoDB",
        AtMost(4),
    ),
    Flow(
        "亲情号 unbind (DELETE /api/family-numbers/{id})",
        _family_bound,
        _family_unbind,
        3,
        "the session + the account (GetItem: the binding is this account's) + claim deleted, entry removed, "
        "FamilyNumberUnbound (one transaction)",
        AtMost(3),
    ),
    Flow(
        "name correction 基本信息修改 (注册用户 → 实名用户, one session)",
        _name_correction_ready,
        _name_correction,
        6,
        "the session + the account (GetItem: ID, level, version) + the day's check reserved before the base "
        "library is asked (conditional UpdateItem) + name, level and NameCorrected on the version read (one "
        "transaction) + the account's sessions (Query by_account) + one UpdateItem per session for the new "
        "snapshot: 5 + S",
        AtMost(6),
    ),
    Flow(
        "change password 修改密码 (one other session to end)",
        _two_sessions,
        _change_password,
        6,
        "the session + the account with its lock and the client's window (TransactGet) + the try reserved "
        "before the verify (one transaction) + new hash on the version read, PasswordChanged, streak "
        "forgotten, window hit given back (one transaction) + the sessions (Query by_account) + the others' "
        "deletes (BatchWriteItem, 25 a call): 5 + ⌈S/25⌉",
        AtMost(6),
    ),
    Flow(
        "change phone 修改移动电话 (one session)",
        _change_phone_ready,
        _change_phone,
        7,
        "the session + the account with its lock and window (TransactGet) + the password's try reserved "
        "(one transaction) + the new phone's code try counted before comparing + code used, new claim, old "
        "claim deleted, phone fields, PhoneChanged, streak forgotten, window hit given back (one transaction) "
        "+ the sessions (Query) + one UpdateItem per session for the snapshot: 6 + S. Today 9 + S: the "
        "account is read alone first (GetItem: has it a password?) and again after the commit (GetItem, for "
        "the snapshot the commit just wrote), and the code is marked used on its own",
    ),
    Flow(
        "security events 安全记录 (GET /api/account/security-events, one page)",
        _logged_in,
        _security_events,
        2,
        "the session (GetItem) + one Query of the account's audit events, newest first, a page's worth",
        Exactly(2),
    ),
    Flow(
        "退出其他设备 (DELETE /api/sessions/others, one other session)",
        _two_sessions,
        _revoke_others,
        3,
        "the session (GetItem) + the account's sessions (Query by_account) + the others' deletes with the "
        "OtherSessionsRevoked event in the same BatchWriteItem (25 a call): 2 + ⌈(S + 1)/25⌉. Today 4: the "
        "event is its own PutItem after the batch",
    ),
    Flow(
        "在线办理 (POST /api/services/{code}/applications)",
        _real_name,
        _apply,
        2,
        "the session (GetItem) + one transaction: the case, its 办件编号 and client key claimed, the 办理中 "
        "counter (the form is checked against the catalogue in memory)",
        Exactly(2),
    ),
    Flow(
        "好差评 (POST /api/cases/{case_id}/evaluation)",
        _finished_case,
        _evaluate,
        2,
        "the session (GetItem) + one transaction: the evaluation written on condition it is not there yet, "
        "the 待评价 counter down. Today 3: the case is read again after the transaction for the answer's view",
    ),
    Flow(
        "办件 cards 办理中/已办结/待评价 (GET /api/cases)",
        _real_name,
        _cards,
        3,
        "the session (GetItem) + the account's counters item (GetItem: the three counts, never by reading "
        "the cases) + one Query of the first list's first page (the LSI by status)",
        Exactly(3),
    ),
    Flow(
        "收藏 (PUT /api/favourites/{code})",
        _real_name,
        _favourite,
        2,
        "the session (GetItem) + one conditional put of the favourite (idempotent)",
        Exactly(2),
    ),
    Flow(
        "records list 我的缴费记录 (GET /api/records/payments)",
        _real_name,
        _records,
        2,
        "the session (GetItem) + the account (GetItem, for the ID the social-insurance systems are asked "
        "with); the records themselves are one call to those systems, not DynamoDB",
        Exactly(2),
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
