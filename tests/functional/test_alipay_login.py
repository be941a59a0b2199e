"""支付宝登录 through the local 支付宝 (authorize page and gateway), over real HTTP.

The simulator (devtools/stubs/alipay_sim.py) runs as its own process with its own key pair;
the hall (in-process, DynamoDB Local) talks to it exactly as to Alipay: the authorize
redirect, then alipay.system.oauth.token and alipay.user.info.share, each request signed
RSA2 with the hall's app key and each answer verified with the simulator's public key.
"""

from __future__ import annotations

import base64
import io
import re
import subprocess
import sys
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from devtools import dynamodb_local, stack
from devtools.stubs import alipay_sim
from tests.support import Citizen, make_phone

HALL = "http://127.0.0.1:8000"  # the hall's public base URL in the tests' settings (the default)
LINKED = alipay_sim.USERS[0]  # 小明, preset-linked to 陈小明 in the dev stack
UNLINKED = alipay_sim.USERS[2]


@pytest.fixture(scope="session")
def alipay_keys(tmp_path_factory):
    return stack.alipay_keys(tmp_path_factory.mktemp("alipay-keys"))


@pytest.fixture(scope="session")
def alipay_server(alipay_keys):
    port = dynamodb_local.free_port()
    process = stack.start_alipay_sim(port, HALL, alipay_keys, test_hooks=True)
    yield f"http://127.0.0.1:{port}"
    process.terminate()
    process.wait(timeout=10)


@pytest.fixture
def sim(alipay_server, alipay_keys, monkeypatch):
    port = int(alipay_server.rsplit(":", 1)[1])
    for name, value in stack.alipay_env(port, HALL, alipay_keys).items():
        monkeypatch.setenv(name, value)
    return alipay_server


def linked_citizen(browser) -> Citizen:
    """陈小明 registered in the hall, with the Alipay user 小明 linked to his account."""
    from chalicelib import clock
    from chalicelib.methods import federation
    from chalicelib.ops import lookup
    from chalicelib.store import accounts

    citizen = Citizen(name="陈小明", id_number="320102199003071239", phone=make_phone())
    assert browser.register(citizen).status == 201
    browser.delete("/api/sessions/current")
    account = lookup.find_account(citizen.phone, None)
    assert accounts.put_link(
        "alipay", federation.subject_mac("alipay", LINKED.user_id), account.account_id, clock.now()
    )
    return citizen


def begin(browser) -> str:
    started = browser.get("/login/start/alipay")
    assert started.status == 302, started.body
    assert "hall_oauth" in browser.cookies
    return started.headers["Location"]


def _decode_qr(page_html: str) -> str:
    import zxingcpp
    from PIL import Image

    data = re.search(r'src="data:image/png;base64,([^"]+)" alt="支付宝登录二维码"', page_html).group(1)
    results = zxingcpp.read_barcodes(Image.open(io.BytesIO(base64.b64decode(data))))
    assert len(results) == 1
    return results[0].text


def at_alipay(sim: str, location: str, user=LINKED, decision: str = "allow") -> str:
    """The PC shows the 支付宝 QR; the "phone" opens it, picks the user and presses 授权 (or 取消);
    the path of the hall's callback the PC page is then sent to."""
    assert location.startswith(f"{sim}/oauth2/publicAppAuthorize.htm?")
    query = parse_qs(urlsplit(location).query)
    assert query["scope"] == ["auth_user"] and query["app_id"] == [alipay_sim.APP_ID] and query["state"]
    assert query["redirect_uri"] == [f"{HALL}/login/callback/alipay"]
    pc = requests.get(location)
    assert pc.status_code == 200 and "支付宝扫码登录" in pc.text
    phone_url = _decode_qr(pc.text)
    assert phone_url.startswith(f"{sim}/phone/")
    phone = requests.get(phone_url)
    assert "授权" in phone.text and "取消" in phone.text
    done = requests.post(phone_url, data={"user_id": user.user_id, "decision": decision})
    assert done.status_code == 200
    status = requests.get(phone_url.replace("/phone/", "/ticket/")).json()
    assert status["redirect"].startswith(f"{HALL}/login/callback/alipay?")
    return status["redirect"][len(HALL) :]


def test_a_linked_alipay_user_is_logged_in(browser, sim):
    # GIVEN 陈小明's account, linked to the Alipay user 小明
    linked_citizen(browser)
    # WHEN he chooses 支付宝, scans the QR and presses 授权 on the phone
    back = browser.get(at_alipay(sim, begin(browser)))
    # THEN the hall answers the callback with a 302 home and the session cookie
    assert back.status == 302, back.body
    assert back.headers["Location"] == "/"
    me = browser.get("/api/me").body["user"]
    assert me["name"] == "陈*" and me["login_method"] == "alipay"


def test_an_unlinked_alipay_user_says_an_id_number_proves_its_account_and_is_linked(browser, sim):
    from tests.functional.test_login_link import send_link_code
    from tests.support import last_code, new_citizen

    # GIVEN a hall account, and an Alipay user linked to no account (Alipay gives no ID number)
    citizen = new_citizen(name="路人甲")
    assert browser.register(citizen).status == 201
    browser.delete("/api/sessions/current")
    back = browser.get(at_alipay(sim, begin(browser), user=UNLINKED))
    # THEN no session yet: on to the link step, which asks for the ID number
    assert back.status == 302 and back.headers["Location"].startswith("/login/link/")
    page = browser.get(back.headers["Location"])
    assert "支付宝登录：账号关联" in page.body["_text"] and "证件号码" in page.body["_text"]
    assert browser.get("/api/me").status == 401
    # WHEN he gives the account's ID number and the code sent to the account's phone
    link_id = back.headers["Location"].rsplit("/", 1)[1]
    said = browser.post(
        f"/api/login-links/{link_id}/identify", {"id_type": "resident_id", "id_number": citizen.id_number}
    )
    assert said.body == {"step": "prove"}
    assert send_link_code(browser, link_id).status == 200
    done = browser.post(f"/api/login-links/{link_id}", {"proof": "sms_code", "sms_code": last_code(citizen.phone)})
    assert done.status == 200 and done.body["user"]["login_method"] == "alipay"
    # AND the next Alipay login goes straight in
    browser.delete("/api/sessions/current")
    again = browser.get(at_alipay(sim, begin(browser), user=UNLINKED))
    assert again.status == 302 and again.headers["Location"] == "/"


def test_an_answer_whose_signature_does_not_verify_is_refused(browser, sim):
    linked_citizen(browser)
    callback = at_alipay(sim, begin(browser))
    # GIVEN the gateway's next answer is changed after it was signed (a forged user id)
    assert requests.post(f"{sim}/_test/tamper-next-response").status_code == 200
    reply = browser.get(callback)
    assert reply.status == 502
    assert reply.body["code"] == "alipay_signature_invalid"
    assert browser.get("/api/me").status == 401


def test_the_gateway_refuses_a_request_signed_with_another_key(sim, tmp_path):
    from chalicelib.methods.alipay import signature

    # GIVEN a request signed with a key that is not the hall's app key
    other = stack.alipay_keys(tmp_path)
    params = {
        "app_id": alipay_sim.APP_ID,
        "method": "alipay.system.oauth.token",
        "charset": "utf-8",
        "sign_type": "RSA2",
        "timestamp": "2026-01-01 00:00:00",
        "version": "1.0",
        "grant_type": "authorization_code",
        "code": "whatever",
    }
    forged = signature.sign_params(params, signature.load_private_key(other["hall_app_private"].read_text()))
    reply = requests.post(f"{sim}/gateway.do", data=forged)
    # THEN the gateway refuses it as Alipay does (unsigned, isv.invalid-signature)
    assert reply.json() == {
        "error_response": {
            "code": "40002",
            "msg": "Invalid Arguments",
            "sub_code": "isv.invalid-signature",
            "sub_msg": "验签出错",
        }
    }


def test_a_hall_signing_with_the_wrong_key_is_refused_by_the_gateway(browser, sim, monkeypatch, tmp_path):
    linked_citizen(browser)
    callback = at_alipay(sim, begin(browser))
    # GIVEN the hall's configured app private key is not the one Alipay holds the public half of
    other = stack.alipay_keys(tmp_path / "other")
    monkeypatch.setenv("HALL_ALIPAY_APP_PRIVATE_KEY", other["hall_app_private"].read_text())
    reply = browser.get(callback)
    assert reply.status == 503
    assert reply.body["code"] == "alipay_unavailable"
    assert browser.get("/api/me").status == 401


def test_a_cancelled_authorization_logs_nobody_in(browser, sim):
    reply = browser.get(at_alipay(sim, begin(browser), decision="deny"))
    assert reply.status == 400
    assert reply.body["code"] == "alipay_access_denied"
    assert browser.get("/api/me").status == 401


def test_a_replayed_callback_is_refused(browser, sim):
    linked_citizen(browser)
    callback = at_alipay(sim, begin(browser))
    assert browser.get(callback).status == 302
    browser.delete("/api/sessions/current")
    again = browser.get(callback)
    assert again.status == 400
    assert again.body["code"] == "oidc_state_used"


def test_an_auth_code_alipay_did_not_issue_is_refused(browser, sim):
    callback = at_alipay(sim, begin(browser))
    forged = re.sub(r"auth_code=[0-9a-f]+", "auth_code=" + "0" * 32, callback)
    reply = browser.get(forged)
    assert reply.status == 502
    assert reply.body["code"] == "alipay_auth_code_invalid"


def test_a_state_the_hall_did_not_make_is_refused(browser, sim):
    begin(browser)
    reply = browser.get("/login/callback/alipay?state=forged&auth_code=whatever")
    assert reply.status == 400
    assert reply.body["code"] == "oidc_state_invalid"


def test_a_jszw_state_is_not_an_alipay_state(browser, sim):
    # A state made for another provider is refused as unknown (its record names the provider).
    location = begin(browser)
    state = parse_qs(urlsplit(location).query)["state"][0]
    reply = browser.get(f"/login/callback/jszw_oidc?state={state}&code=x")
    assert reply.status == 400
    assert reply.body["code"] == "oidc_state_invalid"


def test_alipay_login_unconfigured_is_unavailable(browser, monkeypatch):
    monkeypatch.delenv("HALL_ALIPAY_APP_ID", raising=False)
    reply = browser.get("/login/start/alipay")
    assert reply.status == 503
    assert reply.body["code"] == "alipay_unavailable"


def test_the_simulator_refuses_a_redirect_uri_it_does_not_know(sim):
    reply = requests.get(
        f"{sim}/oauth2/publicAppAuthorize.htm",
        params={
            "app_id": alipay_sim.APP_ID,
            "scope": "auth_user",
            "redirect_uri": "https://phish.example/cb",
            "state": "s",
        },
        allow_redirects=False,
    )
    assert reply.status_code == 400
    assert "phish.example" not in reply.headers.get("Location", "")


def test_the_simulator_runs_as_its_own_process():
    out = subprocess.run(
        [sys.executable, "-m", "devtools.stubs.alipay_sim", "--help"], capture_output=True, text=True, check=True
    )
    assert "支付宝" in out.stdout


def test_a_logged_in_citizen_binds_alipay_from_account_links(browser, sim):
    from tests.support import new_citizen

    assert browser.register(new_citizen(name="路人甲")).status == 201
    started = browser.post("/api/account/links/alipay")
    assert started.status == 200
    back = browser.get(at_alipay(sim, started.body["location"], user=UNLINKED))
    assert back.status == 302 and back.headers["Location"] == "/user/links"
    rows = {row["provider"]: row for row in browser.get("/api/account/links").body["links"]}
    assert rows["alipay"]["linked"] and not rows["alipay"]["may_bind"]
    # AND the next Alipay login goes straight into this account
    browser.delete("/api/sessions/current")
    assert browser.get(at_alipay(sim, begin(browser), user=UNLINKED)).headers["Location"] == "/"
    assert browser.get("/api/me").body["user"]["name"] == "路*"


def test_binding_an_alipay_account_tied_to_another_account_is_refused(browser, sim):
    from tests.support import new_citizen

    linked_citizen(browser)  # 小明 is tied to 陈小明
    assert browser.register(new_citizen(name="王芳")).status == 201
    started = browser.post("/api/account/links/alipay")
    reply = browser.get(at_alipay(sim, started.body["location"], user=LINKED))
    assert reply.status == 409 and reply.body["code"] == "link_subject_taken"
