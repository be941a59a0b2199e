"""账号关联: a federated login the hall cannot log in yet, finished on the link step.

GIVEN a provider vouched for someone (the resolution made a ``link#<id>`` record bound to the
browser by its ``hall_link`` cookie),
WHEN the citizen proves the account (password, or an SMS code to its phone), or gives what a
new account needs,
THEN the link (claim + the account's ``links`` entry + ``Linked``) commits with the session, once,
in that browser only; every refusal has its error id.

The records are made in-process by chalicelib.methods.federation exactly as the providers'
callbacks make them (the callbacks themselves are tested end to end in test_jszw_login.py,
test_alipay_login.py and test_essc_login.py).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import timedelta

import pytest

from chalicelib import clock
from tests.support import Browser, captcha_answer, last_code, make_phone, messages_to, new_citizen


@dataclass(frozen=True)
class Vouched:
    subject: str
    name: str
    id_number: str
    phone: str | None
    assurance: int


def _ctx():
    from chalicelib.context import RequestContext

    return RequestContext(client_ip="127.0.0.1", request_id="test")


def _hand_over(browser, step) -> str:
    """The browser the provider sent back: it holds the link step's cookie."""
    from chalicelib.flows.login import LinkRequired

    assert isinstance(step, LinkRequired), step
    assert step.browser_secret
    browser.cookies["hall_link"] = step.browser_secret
    return step.flow_id


def jszw_link(browser, citizen, *, assurance: int = 1, subject: str = "jszw-test-1") -> str:
    """江苏政务 vouched for ``citizen`` (by default unverified: the account must be proved)."""
    from chalicelib.methods import federation

    vouched = Vouched(subject, citizen.name, citizen.id_number, citizen.phone, assurance)
    return _hand_over(browser, federation.resolve("jszw", "jszw_oidc", "", vouched, _ctx()))


def alipay_link(browser, user_id: str = "2088102000009999") -> str:
    from chalicelib.methods import federation

    return _hand_over(browser, federation.resolve_linked("alipay", "alipay", "", user_id, _ctx()))


def finish(browser, link_id: str, **form):
    return browser.post(f"/api/login-links/{link_id}", form)


def finish_by_password(browser, link_id: str, password: str):
    """Prove by password as a citizen would: solve the captcha when the hall asks for it."""
    reply = finish(browser, link_id, proof="password", password=password)
    if reply.body.get("code") == "captcha_required":
        challenge = browser.post("/api/captchas").body["captcha_id"]
        reply = finish(
            browser,
            link_id,
            proof="password",
            password=password,
            captcha_id=challenge,
            captcha_answer=captcha_answer(challenge),
        )
    return reply


def send_link_code(browser, link_id: str):
    clock.advance(timedelta(seconds=61))  # the phone was sent its registration code a moment ago
    challenge = browser.post("/api/captchas").body["captcha_id"]
    return browser.post(
        f"/api/login-links/{link_id}/sms-codes",
        {"captcha_id": challenge, "captcha_answer": captcha_answer(challenge)},
    )


def _account(citizen):
    from chalicelib.ops import lookup

    return lookup.find_account(None, citizen.id_number)


def _events(account_id: str) -> list:
    from chalicelib.store import audit, lockouts

    return audit.for_subject(lockouts.account_subject(account_id))


@pytest.fixture
def citizen(browser):
    person = new_citizen(name="周杰")
    assert browser.register(person).status == 201
    browser.delete("/api/sessions/current")
    return person


# -- proving an account -------------------------------------------------------------------


def test_an_account_proved_by_its_password_is_linked_with_the_session(browser, citizen):
    from chalicelib.methods import federation
    from chalicelib.store import accounts

    # GIVEN 江苏政务 vouched (unverified) for a person whose ID number has an account
    link_id = jszw_link(browser, citizen)
    page = browser.get(f"/login/link/{link_id}")
    assert page.status == 200
    text = page.body["_text"]
    assert "江苏政务登录：账号关联" in text and "使用账号密码验证" in text and "使用短信验证码验证" in text
    # WHEN the citizen gives the account's password
    reply = finish_by_password(browser, link_id, citizen.password)
    # THEN a session, by the provider's method
    assert reply.status == 200, reply.body
    assert reply.body["user"]["name"] == "周*" and reply.body["user"]["login_method"] == "jszw_oidc"
    # AND the link: claim, the account's map entry and the audit event, written together
    account = _account(citizen)
    assert set(account.links) == {"jszw"}
    assert account.links["jszw"]["subject_mac"] == federation.subject_mac("jszw", "jszw-test-1")
    key = accounts.link_claim_key("jszw", federation.subject_mac("jszw", "jszw-test-1"))
    assert accounts.find_account_ids([key]) == {key: account.account_id}
    linked = [e for e in _events(account.account_id) if e.event == "Linked"]
    assert len(linked) == 1 and linked[0].detail["provider"] == "jszw" and linked[0].detail["proof"] == "password"
    # AND the next login through the provider goes straight in
    browser.delete("/api/sessions/current")
    from chalicelib.flows.login import Authenticated

    again = federation.resolve(
        "jszw", "jszw_oidc", "", Vouched("jszw-test-1", citizen.name, citizen.id_number, None, 1), _ctx()
    )
    assert isinstance(again, Authenticated) and again.account.account_id == account.account_id


def test_an_account_proved_by_an_sms_code_to_its_own_phone_is_linked(browser, citizen):
    link_id = jszw_link(browser, citizen)
    # WHEN the citizen asks for a code: it goes to the account's bound phone (not a typed one)
    sent = send_link_code(browser, link_id)
    assert sent.status == 200, sent.body
    assert sent.body["phone_masked"] == citizen.phone[:3] + "****" + citizen.phone[-4:]
    assert "账号关联验证码" in messages_to(citizen.phone)[0]
    reply = finish(browser, link_id, proof="sms_code", sms_code=last_code(citizen.phone))
    assert reply.status == 200, reply.body
    assert set(_account(citizen).links) == {"jszw"}


def test_an_account_with_login_protection_is_not_proved_by_its_password_alone(browser, citizen):
    import pyotp

    from chalicelib import clock

    # GIVEN the account's holder turned on 登录保护 with an authenticator
    assert browser.login_password(citizen.phone, citizen.password).status == 200
    started = browser.post("/api/account/login-protection/authenticator", {"password": citizen.password})
    code = pyotp.TOTP(started.body["secret"]).at(clock.now())
    assert browser.post("/api/account/login-protection/authenticator/confirm", {"code": code}).status == 200
    browser.delete("/api/sessions/current")
    # WHEN 江苏政务 vouches (unverified) for the person and the link step is given the password
    link_id = jszw_link(browser, citizen)
    refused = finish_by_password(browser, link_id, citizen.password)
    # THEN no session and no link: the code to the account's phone proves it instead
    assert refused.status == 400 and "登录保护" in refused.body["fields"]["proof"]
    assert not _account(citizen).links
    assert send_link_code(browser, link_id).status == 200
    reply = finish(browser, link_id, proof="sms_code", sms_code=last_code(citizen.phone))
    assert reply.status == 200, reply.body
    assert set(_account(citizen).links) == {"jszw"}


def test_wrong_passwords_on_the_link_step_count_toward_the_accounts_lock(browser, citizen):
    link_id = jszw_link(browser, citizen)
    # WHEN five wrong passwords are given on the link step
    for _ in range(4):
        reply = finish_by_password(browser, link_id, "Wrong#2024x")
        assert reply.status == 401 and reply.body["code"] == "invalid_credentials"
    fifth = finish_by_password(browser, link_id, "Wrong#2024x")
    assert fifth.status == 423 and fifth.body["code"] == "account_locked"
    # THEN the account is locked for password login too, right password or not
    login = browser.login_password(citizen.id_number, citizen.password)
    assert login.status == 423 and login.body["code"] == "account_locked"
    # AND nothing was linked
    assert _account(citizen).links == {}


def test_a_wrong_sms_code_is_refused_and_links_nothing(browser, citizen):
    link_id = jszw_link(browser, citizen)
    assert send_link_code(browser, link_id).status == 200
    code = last_code(citizen.phone)
    wrong = "000000" if code != "000000" else "111111"
    reply = finish(browser, link_id, proof="sms_code", sms_code=wrong)
    assert reply.status == 400 and reply.body["code"] == "sms_code_invalid"
    assert _account(citizen).links == {}


def test_an_expired_link_step_is_refused(browser, citizen):
    link_id = jszw_link(browser, citizen)
    clock.advance(timedelta(minutes=10, seconds=1))
    reply = finish_by_password(browser, link_id, citizen.password)
    assert reply.status == 400 and reply.body["code"] == "link_expired"
    page = browser.get(f"/login/link/{link_id}")
    assert (
        page.status == 200
        and "账号关联已超时" in page.body["_text"]
        and 'data-code="link_expired"' in page.body["_text"]
    )


def test_the_link_step_works_only_in_the_browser_the_provider_sent_back(app, browser, citizen):
    link_id = jszw_link(browser, citizen)
    with Browser(app) as other:
        reply = finish_by_password(other, link_id, citizen.password)
        assert reply.status == 403 and reply.body["code"] == "link_other_browser"
        other.cookies["hall_link"] = "a-guess"
        guessed = finish_by_password(other, link_id, citizen.password)
        assert guessed.status == 403 and guessed.body["code"] == "link_other_browser"
    # (its own browser still can)
    assert finish_by_password(browser, link_id, citizen.password).status == 200


def test_a_link_step_is_used_once(browser, citizen):
    link_id = jszw_link(browser, citizen)
    assert finish_by_password(browser, link_id, citizen.password).status == 200
    again = finish_by_password(browser, link_id, citizen.password)
    assert again.status == 400 and again.body["code"] == "link_used"
    unknown = finish_by_password(browser, "no-such-link", citizen.password)
    assert unknown.status == 400 and unknown.body["code"] == "link_used"


def test_an_account_already_tied_to_another_account_of_the_provider_is_not_tied_again(browser, citizen):
    assert (
        finish_by_password(browser, jszw_link(browser, citizen, subject="jszw-first"), citizen.password).status == 200
    )
    browser.delete("/api/sessions/current")
    # WHEN another 江苏政务 account vouches for the same person
    link_id = jszw_link(browser, citizen, subject="jszw-second")
    assert "该账号已绑定其他江苏政务账号" in browser.get(f"/login/link/{link_id}").body["_text"]
    reply = finish_by_password(browser, link_id, citizen.password)
    assert reply.status == 409 and reply.body["code"] == "link_provider_taken"
    assert browser.get("/api/me").status == 401


def test_a_verified_identity_whose_name_differs_is_asked_to_prove_the_account(browser, citizen):
    from dataclasses import replace

    # GIVEN a verified (jszw:L2) identity with the account's ID number but another name
    link_id = jszw_link(browser, replace(citizen, name="周杰伦"), assurance=2)
    assert "验证账号" in browser.get(f"/login/link/{link_id}").body["_text"]
    assert finish_by_password(browser, link_id, citizen.password).status == 200


# -- 支付宝: the citizen says which ID number ------------------------------------------------


def test_an_alipay_user_with_a_new_id_number_registers_and_is_linked(browser):
    from chalicelib.flows.login import Authenticated
    from chalicelib.methods import federation

    link_id = alipay_link(browser)
    assert "填写证件信息" in browser.get(f"/login/link/{link_id}").body["_text"]
    # WHEN the citizen gives an ID number no account holds (陈小明, in the base library)
    said = browser.post(
        f"/api/login-links/{link_id}/identify", {"id_type": "resident_id", "id_number": "320102199003071239"}
    )
    assert said.status == 200 and said.body == {"step": "register"}
    assert "完善注册信息" in browser.get(f"/login/link/{link_id}").body["_text"]
    # AND 姓名 + 移动电话 + SMS code + the agreement
    phone = make_phone()
    assert browser.send_code(phone, "register").status == 200
    form = {"proof": "new_account", "name": "陈小明", "phone": phone, "sms_code": last_code(phone)}
    refused = finish(browser, link_id, **form)
    assert refused.status == 400 and "agreement" in refused.body["fields"]
    reply = finish(browser, link_id, **form, agreement_accepted=True)
    # THEN the account, at the base library's level, linked in the same transaction
    assert reply.status == 200, reply.body
    user = reply.body["user"]
    assert user["name"] == "陈*" and user["level"] == 2 and user["login_method"] == "alipay"
    account = _account(new_citizen(id_number="320102199003071239"))
    assert set(account.links) == {"alipay"} and account.password_hash is None
    events = {e.event for e in _events(account.account_id)}
    assert {"Registered", "Linked", "LoginSucceeded"} <= events
    # AND the next Alipay login goes straight in
    again = federation.resolve_linked("alipay", "alipay", "", "2088102000009999", _ctx())
    assert isinstance(again, Authenticated) and again.account.account_id == account.account_id


def test_an_alipay_user_whose_id_number_has_an_account_proves_it(browser, citizen):
    link_id = alipay_link(browser)
    said = browser.post(
        f"/api/login-links/{link_id}/identify", {"id_type": "resident_id", "id_number": citizen.id_number}
    )
    assert said.body == {"step": "prove"}
    assert send_link_code(browser, link_id).status == 200
    reply = finish(browser, link_id, proof="sms_code", sms_code=last_code(citizen.phone))
    assert reply.status == 200, reply.body
    assert reply.body["user"]["login_method"] == "alipay"
    assert set(_account(citizen).links) == {"alipay"}


def test_an_alipay_user_may_say_an_id_number_three_times_per_login(browser):
    link_id = alipay_link(browser)
    for _ in range(3):
        number = new_citizen().id_number
        said = browser.post(f"/api/login-links/{link_id}/identify", {"id_type": "resident_id", "id_number": number})
        assert said.status == 200
    fourth = browser.post(
        f"/api/login-links/{link_id}/identify", {"id_type": "resident_id", "id_number": new_citizen().id_number}
    )
    assert fourth.status == 429 and fourth.body["code"] == "link_identify_exhausted"
    assert fourth.headers.get("Retry-After")


def test_an_id_number_is_not_asked_when_the_provider_vouched_for_it(browser, citizen):
    link_id = jszw_link(browser, citizen)
    said = browser.post(f"/api/login-links/{link_id}/identify", {"id_type": "resident_id", "id_number": "x"})
    assert said.status == 400 and said.body["code"] == "link_used"


# -- a new account the provider vouched for, without a phone (电子社保卡) ---------------------


def test_an_essc_holder_without_an_account_gives_a_phone_then_is_logged_in(app, browser):
    from devtools.stubs import essc_platform

    # GIVEN a browser showing the 电子社保卡 QR, and a holder (in the base library) with no account
    begun = browser.post("/api/sessions", {"method": "essc_qr"}).body
    qr_id, code = essc_platform.read_qr(begun["qr_url"])
    body = essc_platform.callback(qr_id, code, "张伟", "320106199508010031", clock.to_epoch(clock.now()))
    platform = Browser(app)
    platform.send_csrf = False
    assert platform.post("/api/essc/callback", body).body["state"] == "link_required"
    # WHEN the page polls THEN it is sent on to the link step, with its cookie
    waiting = browser.post(f"/api/login-flows/{qr_id}", {"method": "essc_qr"})
    assert waiting.status == 202 and waiting.body["status"] == "link_required"
    assert waiting.body["link_url"] == f"/login/link/{qr_id}"
    assert browser.cookies["hall_link"] == browser.cookies["hall_qr"]
    page = browser.get(waiting.body["link_url"])
    assert page.status == 200 and "电子社保卡登录：账号关联" in page.body["_text"] and "张*" in page.body["_text"]
    # AND 移动电话 + SMS code + the agreement create the account at the platform's level, linked
    phone = make_phone()
    assert browser.send_code(phone, "register").status == 200
    reply = finish(browser, qr_id, proof="new_account", phone=phone, sms_code=last_code(phone), agreement_accepted=True)
    assert reply.status == 200, reply.body
    assert reply.body["user"]["name"] == "张*" and reply.body["user"]["level"] == 2
    assert reply.body["user"]["login_method"] == "essc_qr"
    assert set(_account(new_citizen(id_number="320106199508010031")).links) == {"essc"}


def test_a_phone_held_by_another_account_is_refused_on_the_link_step(browser, citizen):
    from chalicelib.methods import federation

    holder = new_citizen(name="张伟")
    link_id = _hand_over(
        browser,
        federation.resolve(
            "essc", "essc_qr", "", Vouched(holder.id_number, holder.name, holder.id_number, None, 2), _ctx()
        ),
    )
    assert browser.send_code(citizen.phone, "register").status == 200
    reply = finish(
        browser,
        link_id,
        proof="new_account",
        phone=citizen.phone,
        sms_code=last_code(citizen.phone),
        agreement_accepted=True,
    )
    assert reply.status == 409 and reply.body["code"] == "phone_taken"
    assert _account(holder) is None


# -- races --------------------------------------------------------------------------------


def test_two_first_logins_with_one_subject_at_once_make_one_account_and_one_link():
    from chalicelib.flows.login import Authenticated
    from chalicelib.methods import federation
    from chalicelib.store import accounts

    person = new_citizen(name="孙丽")
    vouched = Vouched("jszw-race", person.name, person.id_number, person.phone, 2)
    results, errors = [], []

    def first_login():
        try:
            results.append(federation.resolve("jszw", "jszw_oidc", "", vouched, _ctx()))
        except Exception as exc:
            errors.append(exc)

    threads = [threading.Thread(target=first_login) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors
    assert all(isinstance(step, Authenticated) for step in results) and len(results) == 6
    account = _account(person)
    assert {step.account.account_id for step in results} == {account.account_id}
    key = accounts.link_claim_key("jszw", federation.subject_mac("jszw", "jszw-race"))
    assert accounts.find_account_ids([key]) == {key: account.account_id}
    assert set(account.links) == {"jszw"}
    assert [e.event for e in _events(account.account_id)].count("Registered") == 1


def test_two_link_steps_of_one_subject_finishing_at_once_make_one_link(app, citizen):
    from chalicelib.store import accounts

    # GIVEN two browsers, each sent back by the provider for the same provider account
    browsers = [Browser(app), Browser(app)]
    links = [jszw_link(b, citizen, subject="jszw-same") for b in browsers]
    for b in browsers:
        b.get("/api/csrf")
    replies = []

    def prove(b, link_id):
        replies.append(finish_by_password(b, link_id, citizen.password))

    threads = [threading.Thread(target=prove, args=pair) for pair in zip(browsers, links, strict=True)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(r.status for r in replies) == [200, 400], [r.body for r in replies]
    assert [r.body["code"] for r in replies if r.status == 400] == ["login_flow_expired"]
    account = _account(citizen)
    assert set(account.links) == {"jszw"}
    linked = [e for e in _events(account.account_id) if e.event == "Linked"]
    assert len(linked) == 1
    assert accounts.find_account_ids([accounts.link_claim_key("jszw", account.links["jszw"]["subject_mac"])])


def test_one_link_step_finished_twice_at_once_creates_one_account(browser):
    from chalicelib.methods import federation

    holder = new_citizen(name="张伟")
    link_id = _hand_over(
        browser,
        federation.resolve(
            "essc", "essc_qr", "", Vouched(holder.id_number, holder.name, holder.id_number, None, 2), _ctx()
        ),
    )
    phone = make_phone()
    assert browser.send_code(phone, "register").status == 200
    form = {"proof": "new_account", "phone": phone, "sms_code": last_code(phone), "agreement_accepted": True}
    replies = []
    threads = [threading.Thread(target=lambda: replies.append(finish(browser, link_id, **form))) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [r.status for r in replies].count(200) == 1, [r.body for r in replies]
    # (the others: the code was used, or the record was)
    assert {r.body["code"] for r in replies if r.status != 200} <= {"sms_code_expired", "link_used"}
    assert _account(holder) is not None
