"""江苏政务登录 (OpenID Connect) through the local 统一身份认证平台, over real HTTP.

The provider (devtools/stubs/jszw_idp.py, Authlib's server side) runs as its own process;
the hall (in-process, DynamoDB Local) talks to it exactly as to the real platform: discovery,
the authorize redirect with PKCE, the code exchange and the ID token's signature.
"""

from __future__ import annotations

import html
import re
import subprocess
import sys
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from devtools import dynamodb_local, stack
from tests.support import Citizen, make_phone

HALL = "http://127.0.0.1:8000"  # the hall's public base URL in the tests' settings (the default)
PASSWORD = "Jszw@2024"


@pytest.fixture(scope="session")
def jszw_idp():
    port = dynamodb_local.free_port()
    process = stack.start_jszw_idp(port, HALL, test_hooks=True)
    yield f"http://127.0.0.1:{port}"
    process.terminate()
    process.wait(timeout=10)


@pytest.fixture
def idp(jszw_idp, monkeypatch):
    port = int(jszw_idp.rsplit(":", 1)[1])
    for name, value in stack.jszw_env(port, HALL).items():
        monkeypatch.setenv(name, value)
    return jszw_idp


def begin(browser) -> str:
    started = browser.get("/login/start/jszw_oidc")
    assert started.status == 302, started.body
    assert "hall_oauth" in browser.cookies
    return started.headers["Location"]


def at_provider(idp: str, location: str, username: str, decision: str = "allow") -> str:
    """Log in on the provider's page as a citizen would (account, password, the 验证码 shown),
    press 授权 (or 拒绝); the hall's callback path the provider sends the browser to."""
    assert location.startswith(f"{idp}/authorize?")
    query = parse_qs(urlsplit(location).query)
    assert query["code_challenge_method"] == ["S256"] and query["nonce"] and query["state"]
    citizen = requests.Session()
    page = citizen.get(location)
    assert "江苏政务服务 统一身份认证平台" in page.text and "请输入您的身份证号码/手机号码/用户名" in page.text
    captcha = re.search(r'data-testid="idp-captcha">(\d{4})<', page.text).group(1)
    next_url = html.unescape(re.search(r'name="next" value="([^"]+)"', page.text).group(1))
    consent = citizen.post(
        f"{idp}/login", data={"username": username, "password": PASSWORD, "captcha": captcha, "next": next_url}
    )
    assert consent.status_code == 200 and "授权" in consent.text, consent.text
    action = html.unescape(re.search(r'<form method="post" action="([^"]+)"', consent.text).group(1))
    back = citizen.post(f"{idp}{action}", data={"decision": decision}, allow_redirects=False)
    assert back.status_code == 302, back.text
    assert back.headers["Location"].startswith(f"{HALL}/login/callback/jszw_oidc?")
    return back.headers["Location"][len(HALL) :]


def login(browser, idp: str, username: str):
    return browser.get(at_provider(idp, begin(browser), username))


def test_a_first_login_creates_a_real_name_account_and_the_second_uses_the_link(browser, idp):
    # GIVEN 孙丽, verified by the platform, in the base library, with no account in the hall
    # WHEN she logs in through 江苏政务 for the first time
    back = login(browser, idp, "sunli")
    # THEN the hall answers the callback with a 302 home and the session cookie
    assert back.status == 302, back.body
    assert back.headers["Location"] == "/"
    me = browser.get("/api/me").body["user"]
    assert me["name"] == "孙*" and me["level"] == 2 and me["login_method"] == "jszw_oidc"
    assert me["phone"] == "137****1111"
    # AND after logging out, the second login finds the same account by its link
    from chalicelib.ops import lookup

    first = lookup.find_account(None, "320104199304180028")
    browser.delete("/api/sessions/current")
    assert login(browser, idp, "13700001111").status == 302  # by phone number this time
    assert browser.get("/api/me").body["user"]["name"] == "孙*"
    assert lookup.find_account(None, "320104199304180028").account_id == first.account_id


def test_a_verified_citizen_with_an_account_is_linked_when_id_and_name_match(browser, idp):
    # GIVEN 陈小明 registered in the hall (password and phone of his own)
    citizen = Citizen(name="陈小明", id_number="320102199003071239", phone=make_phone())
    assert browser.register(citizen).status == 201
    browser.delete("/api/sessions/current")
    # WHEN he logs in through 江苏政务, which verified him (same ID number and name)
    assert login(browser, idp, "320102199003071239").status == 302
    # THEN it is his account, and the link is written (audited)
    me = browser.get("/api/me").body["user"]
    assert me["name"] == "陈*" and me["phone"] == citizen.phone[:3] + "****" + citizen.phone[-4:]
    from chalicelib.ops import lookup
    from chalicelib.store import audit, lockouts

    account = lookup.find_account(citizen.phone, None)
    events = [e.event for e in audit.for_subject(lockouts.account_subject(account.account_id))]
    assert "Linked" in events


def test_an_unverified_identity_with_an_account_proves_it_by_password_and_is_linked(browser, idp):
    from tests.functional.test_login_link import finish_by_password

    # GIVEN 周杰 holds a hall account; the platform has not verified him (jszw:L1)
    citizen = Citizen(name="周杰", id_number="320113198808080815", phone=make_phone())
    assert browser.register(citizen).status == 201
    browser.delete("/api/sessions/current")
    # WHEN he logs in through 江苏政务 THEN no session yet: on to the link step, in this browser only
    back = login(browser, idp, "zhoujie")
    assert back.status == 302 and back.headers["Location"].startswith("/login/link/")
    assert "hall_link" in browser.cookies
    page = browser.get(back.headers["Location"])
    assert page.status == 200 and "江苏政务登录：账号关联" in page.body["_text"] and "验证账号" in page.body["_text"]
    assert browser.get("/api/me").status == 401
    # AND his account's password links it and logs him in
    link_id = back.headers["Location"].rsplit("/", 1)[1]
    done = finish_by_password(browser, link_id, citizen.password)
    assert done.status == 200 and done.body["user"]["login_method"] == "jszw_oidc"
    # AND the next 江苏政务 login goes straight in
    browser.delete("/api/sessions/current")
    assert login(browser, idp, "zhoujie").headers["Location"] == "/"


def test_a_state_the_hall_did_not_make_is_refused(browser, idp):
    begin(browser)
    reply = browser.get("/login/callback/jszw_oidc?state=forged&code=whatever")
    assert reply.status == 400
    assert reply.body["code"] == "oidc_state_invalid"


def test_a_callback_in_another_browser_is_refused(browser, app, idp):
    from tests.support import Browser

    callback = at_provider(idp, begin(browser), "sunli")
    # WHEN the callback (code and state) is opened in a browser that did not begin the login
    with Browser(app) as other:
        reply = other.get(callback)
    # THEN it gets nothing, and the state stays usable by its own browser
    assert reply.status == 400 and reply.body["code"] == "oidc_state_invalid"
    assert browser.get(callback).status == 302


def test_a_replayed_state_is_refused(browser, idp):
    callback = at_provider(idp, begin(browser), "sunli")
    assert browser.get(callback).status == 302
    again = browser.get(callback)
    assert again.status == 400
    assert again.body["code"] == "oidc_state_used"


def test_an_expired_state_is_refused(browser, idp):
    from chalicelib import clock

    callback = at_provider(idp, begin(browser), "sunli")
    clock.advance(timedelta(minutes=10, seconds=1))
    reply = browser.get(callback)
    assert reply.status == 400
    assert reply.body["code"] == "oidc_state_expired"


def test_a_refusal_at_the_providers_authorization_step_logs_nobody_in(browser, idp):
    reply = browser.get(at_provider(idp, begin(browser), "sunli", decision="deny"))
    assert reply.status == 400
    assert reply.body["code"] == "oidc_access_denied"


def test_a_code_redeemed_with_another_pkce_verifier_is_refused(browser, idp):
    from chalicelib import crypto
    from chalicelib.store.models import OAuthStateRecordModel

    location = begin(browser)
    callback = at_provider(idp, location, "sunli")
    # GIVEN the stored verifier is not the one whose challenge the provider was sent
    state = parse_qs(urlsplit(location).query)["state"][0]
    record = OAuthStateRecordModel.get(f"oauth#{state}")
    record.update(actions=[OAuthStateRecordModel.verifier_cipher.set(crypto.encrypt("pkce_verifier", "x" * 64))])
    # THEN the provider refuses the code, and the hall says so
    reply = browser.get(callback)
    assert reply.status == 502
    assert reply.body["code"] == "oidc_token_invalid"
    assert browser.get("/api/me").status == 401


@pytest.mark.parametrize("override", [{"aud": "another-client"}, {"nonce": "not-the-hall-s"}, {"iss": "http://x"}])
def test_an_id_token_for_another_audience_or_nonce_is_refused(browser, idp, override):
    location = begin(browser)
    # GIVEN the provider will put a wrong claim into the next ID token it signs
    assert requests.post(f"{idp}/_test/next-id-token", json=override).status_code == 200
    reply = browser.get(at_provider(idp, location, "sunli"))
    assert reply.status == 502
    assert reply.body["code"] == "oidc_token_invalid"
    assert browser.get("/api/me").status == 401


def test_a_redirect_uri_outside_the_allowlist_is_never_sent(browser, idp, monkeypatch):
    # GIVEN the hall's callback (from its public base URL) is not in the allowlist
    monkeypatch.setenv("HALL_JSZW_REDIRECT_URIS", "https://hall.example/login/callback/jszw_oidc")
    reply = browser.get("/login/start/jszw_oidc")
    assert reply.status == 503
    assert reply.body["code"] == "oidc_provider_unavailable"


def test_the_provider_refuses_a_redirect_uri_it_does_not_know(idp):
    # The provider's side of the same rule: its client lists one redirect URI.
    reply = requests.get(
        f"{idp}/authorize",
        params={
            "response_type": "code",
            "client_id": "jshrss-hall",
            "redirect_uri": "https://phish.example/cb",
            "scope": "openid",
            "state": "s",
            "nonce": "n",
            "code_challenge": "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
            "code_challenge_method": "S256",
        },
        allow_redirects=False,
    )
    assert reply.status_code == 400
    assert "phish.example" not in reply.headers.get("Location", "")


def test_only_methods_that_redirect_can_be_started_by_a_link(browser):
    reply = browser.get("/login/start/password")
    assert reply.status == 400
    assert reply.body["code"] == "unknown_login_method"


def test_the_idp_runs_as_its_own_process():
    # The simulator is a module anyone can start (make run does): its help names it.
    out = subprocess.run(
        [sys.executable, "-m", "devtools.stubs.jszw_idp", "--help"], capture_output=True, text=True, check=True
    )
    assert "统一身份认证平台" in out.stdout


def test_a_logged_in_citizen_binds_jszw_from_account_links(browser, idp):
    from chalicelib.ops import lookup
    from chalicelib.store import audit, lockouts

    # GIVEN 陈小明, logged in to his hall account
    citizen = Citizen(name="陈小明", id_number="320102199003071239", phone=make_phone())
    assert browser.register(citizen).status == 201
    # WHEN he presses 去绑定 for 江苏政务 and logs in there
    started = browser.post("/api/account/links/jszw")
    assert started.status == 200 and "hall_oauth" in browser.cookies
    back = browser.get(at_provider(idp, started.body["location"], "chenxm"))
    # THEN he is back on 账号绑定, and the link is his account's
    assert back.status == 302 and back.headers["Location"] == "/user/links"
    rows = {row["provider"]: row for row in browser.get("/api/account/links").body["links"]}
    assert rows["jszw"]["linked"]
    account = lookup.find_account(citizen.phone, None)
    linked = [e for e in audit.for_subject(lockouts.account_subject(account.account_id)) if e.event == "Linked"]
    assert [e.detail["proof"] for e in linked] == ["session"]


def test_binding_jszw_with_another_persons_identity_is_refused(browser, idp):
    citizen = Citizen(name="周杰", id_number="320113198808080815", phone=make_phone())
    assert browser.register(citizen).status == 201
    started = browser.post("/api/account/links/jszw")
    # WHEN the platform account he logs in with is 孙丽's
    reply = browser.get(at_provider(idp, started.body["location"], "sunli"))
    assert reply.status == 409 and reply.body["code"] == "link_identity_mismatch"
    rows = {row["provider"]: row for row in browser.get("/api/account/links").body["links"]}
    assert not rows["jszw"]["linked"]
