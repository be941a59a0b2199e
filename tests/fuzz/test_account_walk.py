"""The stateful walk register → me → logout → login → me → logout, as schemathesis cases.

Each step is a case of the document's own operation, sent in-process through the local
gateway and checked like every fuzzed call (tests/fuzz/test_openapi_fuzz.CHECKS); the state
one answer hands the next (the session cookie and CSRF token of a browser, the bearer token
of an app) is carried as a client carries it. Registration needs an SMS code, which needs
a captcha answer: both come from the dev outbox (GET /api/dev/outbox), itself a documented
operation. Hypothesis draws the citizen (name, phone, password, id number) and the client
(browser or app), a bounded and derandomized number of times.
"""

from __future__ import annotations

import re
import string

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chalicelib.domain.identity import resident_id_check_char
from tests.fuzz.test_openapi_fuzz import CHECKS, schema
from tests.support import remember_cookies

pytestmark = pytest.mark.xdist_group("fuzz")

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂"


@st.composite
def citizens(draw):
    name = draw(st.sampled_from(SURNAMES)) + draw(st.text(alphabet=GIVEN, min_size=1, max_size=2))
    region = draw(st.sampled_from(["320102", "320583", "321002", "110105"]))
    birth = f"{draw(st.integers(1950, 2005))}{draw(st.integers(1, 12)):02d}{draw(st.integers(1, 28)):02d}"
    first17 = f"{region}{birth}{draw(st.integers(0, 999)):03d}"
    phone = (
        "1"
        + draw(st.sampled_from("3456789"))
        + "".join(draw(st.lists(st.sampled_from(string.digits), min_size=9, max_size=9)))
    )
    # The registration rule: 8-20 characters with letters, digits and a symbol.
    password = (
        draw(st.text(alphabet=string.ascii_letters, min_size=3, max_size=6))
        + draw(st.text(alphabet=string.digits, min_size=2, max_size=5))
        + draw(st.sampled_from("#@!%&*"))
        + "Jx"
    )
    return {"name": name, "id_number": first17 + resident_id_check_char(first17), "phone": phone, "password": password}


class Client:
    """Carries what a browser or the app carries between calls; every call is a checked case."""

    def __init__(self, app_client: bool) -> None:
        self.app_client = app_client
        self.cookies: dict[str, str] = {}
        self.token: str | None = None

    def call(self, method: str, path: str, body=None, expect: int | None = None):
        headers = {}
        if self.app_client:
            headers["X-Hall-Client"] = "app"
            if self.token:
                headers["Authorization"] = f"Bearer {self.token}"
        elif "hall_csrf" in self.cookies:
            headers["X-CSRF-Token"] = self.cookies["hall_csrf"]
        operation = schema[path][method]
        kwargs = {} if body is None else {"body": body, "media_type": "application/json"}
        case = operation.Case(headers=headers, cookies=dict(self.cookies), **kwargs)
        response = case.call_and_validate(checks=CHECKS)
        if not self.app_client:
            set_cookies = [
                value for name, values in response.headers.items() if name.lower() == "set-cookie" for value in values
            ]
            remember_cookies(self.cookies, set_cookies)
        answer = response.json() if response.content else {}
        if expect is not None:
            assert response.status_code == expect, (method, path, response.status_code, answer)
        return response.status_code, answer

    def outbox(self) -> list[dict]:
        _, answer = self.call("GET", "/api/dev/outbox", expect=200)
        return answer["entries"]


def _send_code(client: Client, phone: str, purpose: str) -> str:
    if not client.app_client:
        client.call("GET", "/api/csrf", expect=200)
    _, challenge = client.call("POST", "/api/captchas", {}, expect=200)
    answer = next(e["answer"] for e in client.outbox() if e.get("captcha_id") == challenge["captcha_id"])
    body = {"phone": phone, "purpose": purpose, "captcha_id": challenge["captcha_id"], "captcha_answer": answer}
    _, sent = client.call("POST", "/api/sms-codes", body, expect=200)
    assert sent["phone_masked"] == phone[:3] + "****" + phone[-4:]
    texts = [e["text"] for e in client.outbox() if e.get("kind") == "sms" and e.get("to") == sent["phone_masked"]]
    return re.search(r"验证码为(\d{6})", texts[0]).group(1)


def _logged_in(client: Client, answer: dict) -> None:
    assert answer["user"]["name"].endswith("*")
    if client.app_client:
        client.token = answer["token"]
    else:
        assert "hall_session" in client.cookies and client.cookies["hall_csrf"] == answer["csrf_token"]


def _logged_out(client: Client) -> None:
    client.call("DELETE", "/api/sessions/current", expect=200)
    status, answer = client.call("GET", "/api/me")
    assert status == 401 and answer["code"] == "unauthenticated", answer


@settings(max_examples=4, derandomize=True, deadline=None, database=None, suppress_health_check=list(HealthCheck))
@given(citizen=citizens(), app_client=st.booleans())
def test_register_me_logout_login_me_logout(app, citizen, app_client):
    client = Client(app_client)
    code = _send_code(client, citizen["phone"], "register")
    form = {
        "id_type": "resident_id",
        **{k: citizen[k] for k in ("id_number", "name", "phone", "password")},
        "sms_code": code,
        "password_confirm": citizen["password"],
        "agreement_accepted": True,
    }
    _, registered = client.call("POST", "/api/registrations", form, expect=201)
    _logged_in(client, registered)
    _, me = client.call("GET", "/api/me", expect=200)
    assert me["user"]["phone"] == citizen["phone"][:3] + "****" + citizen["phone"][-4:]
    _logged_out(client)

    # The same citizen logs in again, by ID number and password, and the session works until logout.
    if not client.app_client:
        client.call("GET", "/api/csrf", expect=200)
    login = {"method": "password", "identifier": citizen["id_number"], "password": citizen["password"]}
    _, logged_in = client.call("POST", "/api/sessions", login, expect=200)
    _logged_in(client, logged_in)
    _, me_again = client.call("GET", "/api/me", expect=200)
    assert me_again["user"]["id_number"] == me["user"]["id_number"]
    _logged_out(client)
