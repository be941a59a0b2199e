"""Helpers for tests: fictional citizens, a cookie-keeping client, the dev outbox."""

from __future__ import annotations

import json
import random
import re
from dataclasses import dataclass, replace
from http.cookies import SimpleCookie
from typing import ClassVar

from chalicelib.domain.identity import resident_id_check_char
from devtools.local_gateway import Client  # chalice.test.Client, answering unknown routes as API Gateway does

_rng = random.SystemRandom()
_used_phones: set[str] = set()
_used_ids: set[str] = set()


def make_resident_id(region: str = "320102", birth: str = "19900307") -> str:
    """A valid, unused 居民身份证号码 (GB 11643 check character computed)."""
    while True:
        first17 = f"{region}{birth}{_rng.randrange(1000):03d}"
        number = first17 + resident_id_check_char(first17)
        if number not in _used_ids:
            _used_ids.add(number)
            return number


def make_phone() -> str:
    while True:
        phone = f"1{_rng.choice('3456789')}{_rng.randrange(10**9):09d}"
        if phone not in _used_phones:
            _used_phones.add(phone)
            return phone


@dataclass(frozen=True)
class Citizen:
    name: str
    id_number: str
    phone: str
    password: str = "Jshall#2024"
    id_type: str = "resident_id"


def new_citizen(name: str = "陈小明", **overrides) -> Citizen:
    citizen = Citizen(name=name, id_number=make_resident_id(), phone=make_phone())
    return replace(citizen, **overrides)


# -- the dev outbox ----------------------------------------------------------------------


def outbox_entries(kind: str | None = None) -> list[dict]:
    from chalicelib.platforms.sms import outbox

    return outbox().entries(kind=kind, limit=1000)


def messages_to(phone: str) -> list[str]:
    from chalicelib.platforms.sms import outbox_tag

    tag = outbox_tag(phone)
    return [e["text"] for e in outbox_entries("sms") if e["to_tag"] == tag]


def last_code(phone: str) -> str:
    for text in messages_to(phone):
        match = re.search(r"验证码为(\d{6})", text)
        if match:
            return match.group(1)
    raise AssertionError("no code was sent to this phone")


def captcha_answer(captcha_id: str) -> str:
    for entry in outbox_entries("captcha"):
        if entry["captcha_id"] == captcha_id:
            return entry["answer"]
    raise AssertionError("no such captcha")


# -- clients ---------------------------------------------------------------------------


@dataclass
class Reply:
    status: int
    body: dict
    headers: dict


class _Base:
    extra_headers: ClassVar[dict] = {}

    def __init__(self, app) -> None:
        self._client = Client(app, stage_name="dev")

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self._client.__exit__(*exc)

    def _headers(self) -> dict:
        return {"Content-Type": "application/json", **self.extra_headers}

    def _after(self, response) -> None:
        pass

    def request(self, method: str, path: str, body: dict | None = None, headers: dict | None = None) -> Reply:
        all_headers = {**self._headers(), **(headers or {})}
        raw = json.dumps(body) if body is not None else None
        response = getattr(self._client.http, method.lower())(path, headers=all_headers, body=raw)
        self._after(response)
        try:
            parsed = json.loads(response.body) if response.body else {}
        except ValueError:
            parsed = {"_text": response.body.decode("utf-8")}
        return Reply(response.status_code, parsed, dict(response.headers))

    def get(self, path: str, **kw) -> Reply:
        return self.request("GET", path, **kw)

    def post(self, path: str, body: dict | None = None, **kw) -> Reply:
        return self.request("POST", path, body or {}, **kw)

    def delete(self, path: str, **kw) -> Reply:
        return self.request("DELETE", path, **kw)

    # -- flows, as a citizen would walk them -----------------------------------------

    def send_code(self, phone: str, purpose: str, *, wait: bool = True) -> Reply:
        """Ask for a code as a citizen would: captcha first; when the phone was sent a code
        less than a minute ago (for any purpose), wait the minute out (on the test clock)."""
        for _ in range(2):
            challenge = self.post("/api/captchas")
            assert challenge.status == 200, challenge.body
            answer = captcha_answer(challenge.body["captcha_id"])
            reply = self.post(
                "/api/sms-codes",
                {
                    "phone": phone,
                    "purpose": purpose,
                    "captcha_id": challenge.body["captcha_id"],
                    "captcha_answer": answer,
                },
            )
            if not (wait and reply.body.get("code") == "sms_resend_too_soon"):
                break
            from datetime import timedelta

            from chalicelib import clock

            clock.advance(timedelta(seconds=reply.body["retry_after"]))
        return reply

    def register(self, citizen: Citizen, *, send: bool = True, **overrides) -> Reply:
        if send:
            sent = self.send_code(citizen.phone, "register")
            assert sent.status == 200, sent.body
        form = {
            "id_type": citizen.id_type,
            "id_number": citizen.id_number,
            "name": citizen.name,
            "phone": citizen.phone,
            "sms_code": overrides.get("sms_code") or last_code(citizen.phone),
            "password": citizen.password,
            "password_confirm": citizen.password,
            "agreement_accepted": True,
        }
        form.update(overrides)
        return self.post("/api/registrations", form)

    def login_password(self, identifier: str, password: str, *, solve_captcha: bool = True, **extra) -> Reply:
        """Log in by password; when the hall asks for the graphic captcha, solve it (as a
        citizen would) and send the same form again, unless ``solve_captcha`` is False."""
        form = {"method": "password", "identifier": identifier, "password": password, **extra}
        reply = self.post("/api/sessions", form)
        if solve_captcha and reply.body.get("code") == "captcha_required":
            challenge = self.post("/api/captchas")
            assert challenge.status == 200, challenge.body
            captcha_id = challenge.body["captcha_id"]
            reply = self.post(
                "/api/sessions", {**form, "captcha_id": captcha_id, "captcha_answer": captcha_answer(captcha_id)}
            )
        return reply

    def login_sms(self, phone: str) -> Reply:
        sent = self.send_code(phone, "login")
        assert sent.status == 200, sent.body
        return self.post("/api/sessions", {"method": "sms_code", "phone": phone, "sms_code": last_code(phone)})


def remember_cookies(cookies: dict[str, str], set_cookie_values: list[str]) -> None:
    """Keep what Set-Cookie headers set, and forget what they clear (Max-Age=0), as a browser does."""
    for value in set_cookie_values:
        jar = SimpleCookie()
        jar.load(value)
        for name, morsel in jar.items():
            if morsel["max-age"] == "0":
                cookies.pop(name, None)
            else:
                cookies[name] = morsel.value


class Browser(_Base):
    """Keeps cookies and sends the CSRF header, as the hall's pages do."""

    def __init__(self, app) -> None:
        super().__init__(app)
        self.cookies: dict[str, str] = {}
        self.send_csrf = True

    def _headers(self) -> dict:
        headers = super()._headers()
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if self.send_csrf and "hall_csrf" in self.cookies:
            headers["X-CSRF-Token"] = self.cookies["hall_csrf"]
        return headers

    def _after(self, response) -> None:
        raw = response.headers.get("Set-Cookie") or response.headers.get("set-cookie")
        remember_cookies(self.cookies, raw if isinstance(raw, list) else ([raw] if raw else []))

    def request(self, method, path, body=None, headers=None):
        if method != "GET" and "hall_csrf" not in self.cookies:
            super().request("GET", "/api/csrf")
        return super().request(method, path, body, headers)


class AppClient(_Base):
    """The mobile app: no cookies, ``X-Hall-Client: app`` and a bearer token."""

    def __init__(self, app) -> None:
        super().__init__(app)
        self.token: str | None = None

    def _headers(self) -> dict:
        headers = {**super()._headers(), "X-Hall-Client": "app"}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        return headers


def login_directly(method_id: str, form: dict, ctx):
    """Begin a login in-process (no HTTP), as the handler does: the registry's method, the flow's step."""
    from chalicelib.flows import login
    from chalicelib.methods import registry

    return login.begin(registry.login_method(method_id), {"method": method_id, **form}, ctx)
