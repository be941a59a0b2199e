"""A login method of several steps plugs into the login flow without touching the others.

The method here is a stand-in shaped like the coming QR and OIDC methods: it keeps its
state in memory (the real ones keep flow records), begins with a pending QR or a redirect,
and finishes when approved. The flow, the registry and the routes are the real ones.
"""

from __future__ import annotations

import secrets
from functools import cache
from typing import Literal

import pytest

from chalicelib.errors import HallError
from chalicelib.flows.login import Authenticated, Pending, Redirect
from chalicelib.methods import registry
from tests.support import new_citizen


class StandInQrLogin:
    id = "stand_in_qr"

    def __init__(self) -> None:
        self.flows: dict[str, dict] = {}

    @property
    def request_model(self):
        return _request_model()

    def begin(self, form, ctx):
        flow_id = secrets.token_urlsafe(8)
        self.flows[flow_id] = {"account": None, "polls": 0}
        if form.get("redirect"):
            return Redirect(f"https://provider.example/authorize?state={flow_id}")
        return Pending(flow_id, view={"qr": f"hall://login/{flow_id}"}, poll_after=2)

    def proceed(self, flow_id, form, ctx):
        flow = self.flows.get(flow_id)
        if flow is None:
            raise HallError.login_flow_expired()
        flow["polls"] += 1
        if flow["account"] is None:
            return Pending(flow_id, status="slow_down" if flow["polls"] > 3 else "authorization_pending")
        del self.flows[flow_id]  # collected once
        return Authenticated(flow["account"])

    def approve(self, flow_id, account):
        self.flows[flow_id]["account"] = account


@cache
def _request_model():
    from pydantic import BaseModel

    class StandInRequest(BaseModel):
        method: Literal["stand_in_qr"]
        redirect: bool = False
        state: str | None = None

    return StandInRequest


@pytest.fixture
def stand_in(monkeypatch):
    method = StandInQrLogin()
    methods = {**registry.login_methods(), method.id: method}
    monkeypatch.setattr(registry, "login_methods", lambda: methods)
    monkeypatch.setattr(registry, "login_request_model", registry.login_request_model.__wrapped__)
    return method


def _account(browser):
    from chalicelib.ops import lookup

    citizen = new_citizen()
    assert browser.register(citizen).status == 201
    browser.delete("/api/sessions/current")
    return lookup.find_account(citizen.phone, None)


def test_a_pending_login_is_polled_then_collected_as_a_session(browser, stand_in):
    account = _account(browser)
    # GIVEN a login begun by a method of several steps
    begun = browser.post("/api/sessions", {"method": "stand_in_qr"})
    assert begun.status == 202
    assert begun.body["status"] == "authorization_pending"
    assert begun.body["poll_after"] == 2
    flow_id = begun.body["flow_id"]
    # WHEN the page polls before the app approved, it is told to wait
    polled = browser.post(f"/api/login-flows/{flow_id}", {"method": "stand_in_qr"})
    assert polled.status == 202 and polled.body["status"] == "authorization_pending"
    assert browser.get("/api/me").status == 401
    # AND once approved, the next poll opens the session (cookie), once
    stand_in.approve(flow_id, account)
    done = browser.post(f"/api/login-flows/{flow_id}", {"method": "stand_in_qr"})
    assert done.status == 200, done.body
    assert done.body["user"]["login_method"] == "stand_in_qr"
    assert browser.get("/api/me").status == 200
    again = browser.post(f"/api/login-flows/{flow_id}", {"method": "stand_in_qr"})
    assert again.body["code"] == "login_flow_expired"


def test_a_redirect_login_comes_back_with_a_302_and_the_session_cookie(browser, stand_in):
    account = _account(browser)
    begun = browser.post("/api/sessions", {"method": "stand_in_qr", "redirect": True})
    assert begun.status == 302
    location = begun.headers["Location"]
    assert location.startswith("https://provider.example/authorize?state=")
    state = location.rsplit("=", 1)[1]
    stand_in.approve(state, account)
    back = browser.get(f"/login/callback/stand_in_qr?state={state}")
    assert back.status == 302
    assert back.headers["Location"] == "/"
    assert "hall_session" in browser.cookies
    assert browser.get("/api/me").body["user"]["login_method"] == "stand_in_qr"


def test_one_step_methods_have_no_later_step(browser):
    reply = browser.post("/api/login-flows/whatever", {"method": "password", "identifier": "x", "password": "y"})
    assert reply.status == 400
    assert reply.body["code"] == "login_flow_expired"


def test_an_unknown_method_is_refused_by_name(browser):
    reply = browser.post("/api/sessions", {"method": "carrier_pigeon"})
    assert reply.body["code"] == "unknown_login_method"
