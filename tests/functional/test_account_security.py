"""个人中心 and 账号安全: the frame, change password, change phone, 安全记录, 退出其他设备.

GIVEN a registered citizen logged in (a browser keeping cookies, an app with a bearer token),
WHEN they use the user center's pages and the account-security API,
THEN each rule holds and each refusal answers its error id.
"""

from __future__ import annotations

import threading
from datetime import timedelta
from urllib.parse import quote

import pytest

from chalicelib import clock
from tests.support import captcha_answer, last_code, make_phone, messages_to, new_citizen


@pytest.fixture
def citizen(browser):
    c = new_citizen()
    assert browser.register(c).status == 201
    return c


def _html(reply) -> str:
    return reply.body.get("_text", "")


# -- the frame -------------------------------------------------------------------------


def test_the_user_center_sends_a_visitor_to_log_in_and_back(browser):
    reply = browser.get("/user")
    assert reply.status == 302
    assert reply.headers["Location"] == "/login?next=/user"
    login = browser.get("/login?next=/user")
    assert 'data-redirect="/user"' in _html(login)


def test_the_login_page_comes_back_only_to_a_path_of_ours(browser):
    for hostile in ("//evil.example/x", "https://evil.example/", "/\\evil.example", "javascript:alert(1)"):
        page = _html(browser.get("/login?next=" + hostile))
        assert 'data-redirect="/"' in page, hostile


def test_the_user_center_home_shows_the_masked_name_level_and_menu(browser, citizen):
    page = _html(browser.get("/user"))
    assert citizen.name not in page
    assert citizen.name[0] + "*" in page
    assert "注册用户" in page or "实名用户" in page
    for label in (
        "个人中心",
        "基本信息",
        "账号安全",
        "账号绑定",
        "亲情号",
        "我的权益单",
        "我的缴费记录",
        "我的社保记录",
        "我的公积金记录",
        "我的医保记录",
        "我的失业保险记录",
        "我的工伤保险记录",
        "我的生育保险记录",
    ):
        assert f">{label}</a>" in page, label
    assert '<a href="/user" aria-current="page">个人中心</a>' in page
    assert page.count('aria-current="page"') == 1


def test_every_menu_entry_is_a_page_in_the_frame_and_none_says_coming_soon(browser, citizen):
    from chalicelib.handlers.user_center import MENU

    for item in (i for i in MENU if i.group == "account"):
        reply = browser.get(item.href)
        assert reply.status == 200, item.href
        page = _html(reply)
        assert "即将开放" not in page, item.href
        assert f'aria-current="page">{item.label}</a>' in page, item.href


# -- helpers -----------------------------------------------------------------------------

NEW_PASSWORD = "Xin#mima2025"


def _post_solving_captcha(client, path: str, form: dict):
    """Post as the page does: when the hall asks for the graphic captcha, solve it and post again."""
    reply = client.post(path, form)
    if reply.body.get("code") == "captcha_required" or reply.body.get("captcha_required"):
        challenge = client.post("/api/captchas")
        captcha_id = challenge.body["captcha_id"]
        reply = client.post(path, {**form, "captcha_id": captcha_id, "captcha_answer": captcha_answer(captcha_id)})
    return reply


def _change_password(client, old: str, new: str = NEW_PASSWORD, **extra):
    form = {"old_password": old, "password": new, "password_confirm": new, **extra}
    return _post_solving_captcha(client, "/api/account/password", form)


def _lock_failures(account_id: str) -> int:
    from chalicelib.store import lockouts

    return lockouts.get(lockouts.account_subject(account_id)).failures


def _account_id(phone: str) -> str:
    from chalicelib.citizen_data import phone_mac
    from chalicelib.store import accounts

    return accounts.find_account_ids([accounts.phone_claim_key(phone_mac(phone))])[
        accounts.phone_claim_key(phone_mac(phone))
    ]


def _events(account_id: str) -> list[str]:
    from chalicelib.store import audit

    return [event.event for event in audit.for_subject(f"account#{account_id}")]


# -- 修改密码 ---------------------------------------------------------------------------


def test_changing_the_password_ends_every_other_session_and_keeps_this_one(app, browser, citizen):
    from tests.support import AppClient, Browser

    # GIVEN the citizen logged in on a second browser and in the app too
    with Browser(app) as other, AppClient(app) as phone:
        assert other.login_password(citizen.phone, citizen.password).status == 200
        phone.token = phone.login_password(citizen.id_number, citizen.password).body["token"]
        assert phone.get("/api/me").status == 200

        # WHEN they change the password here
        reply = _change_password(browser, citizen.password)

        # THEN it is changed, the other browser and the app are logged out, this browser is not
        assert reply.status == 200, reply.body
        assert reply.body["sessions_ended"] == 2
        assert browser.get("/api/me").status == 200
        assert other.get("/api/me").status == 401
        assert phone.get("/api/me").status == 401
    # AND the new password logs in, the old one does not
    browser.delete("/api/sessions/current")
    assert browser.login_password(citizen.phone, citizen.password).body["code"] == "invalid_credentials"
    assert browser.login_password(citizen.phone, NEW_PASSWORD).status == 200
    # AND the bound phone heard of it, and the change is in the security log
    assert any("登录密码已修改" in text for text in messages_to(citizen.phone))
    assert "PasswordChanged" in _events(_account_id(citizen.phone))


def test_a_wrong_old_password_counts_toward_the_lock(app, browser, citizen):
    from tests.support import Browser

    account_id = _account_id(citizen.phone)
    # GIVEN three wrong passwords at login, from another browser
    with Browser(app) as other:
        for _ in range(3):
            assert other.login_password(citizen.phone, "Wrong#pass1").body["code"] == "invalid_credentials"
    assert _lock_failures(account_id) == 3
    # WHEN the logged-in citizen types the 原密码 wrong
    fourth = _change_password(browser, "Wrong#pass2")
    assert fourth.status == 401 and fourth.body["code"] == "old_password_invalid", fourth.body
    assert fourth.body["fields"] == {"old_password": "原密码错误"}
    assert _lock_failures(account_id) == 4
    # THEN the fifth wrong one locks the account, for login and for this page alike
    fifth = _change_password(browser, "Wrong#pass3")
    assert fifth.status == 423 and fifth.body["code"] == "account_locked", fifth.body
    assert _change_password(browser, citizen.password).body["code"] == "account_locked"
    browser.delete("/api/sessions/current")
    assert browser.login_password(citizen.phone, citizen.password).body["code"] == "account_locked"
    assert "AccountLocked" in _events(account_id)


def test_the_same_password_is_refused_before_any_try_is_spent(browser, citizen):
    reply = _change_password(browser, citizen.password, citizen.password)
    assert reply.status == 400 and reply.body["code"] == "password_unchanged"
    assert reply.body["fields"] == {"password": "新密码不能与原密码相同"}
    assert _lock_failures(_account_id(citizen.phone)) == 0


def test_the_new_password_follows_the_registration_rule(browser, citizen):
    weak = _change_password(browser, citizen.password, "abcdefgh")
    assert weak.status == 400 and weak.body["code"] == "validation_failed"
    assert "password" in weak.body["fields"]
    # the old password was right: its try was given back
    assert _lock_failures(_account_id(citizen.phone)) == 0
    mismatch = browser.post(
        "/api/account/password",
        {"old_password": citizen.password, "password": NEW_PASSWORD, "password_confirm": NEW_PASSWORD + "x"},
    )
    assert mismatch.body["fields"] == {"password_confirm": "两次输入的密码不一致"}
    with_id = _change_password(browser, citizen.password, "a#" + citizen.id_number)
    assert with_id.body["fields"]["password"] == "密码不能包含证件号码"


def test_account_security_needs_a_session_and_csrf(browser):
    assert browser.post("/api/account/password", {}).body["code"] == "unauthenticated"
    assert browser.post("/api/account/phone", {}).body["code"] == "unauthenticated"
    assert browser.delete("/api/sessions/others").body["code"] == "unauthenticated"
    assert browser.get("/api/account/security-events").status == 401
    browser.send_csrf = False
    assert browser.post("/api/account/password", {}).body["code"] == "csrf_failed"


# -- 修改移动电话 ------------------------------------------------------------------------


def _send_change_code(client, phone: str):
    clock.advance(timedelta(seconds=61))  # one code a minute per phone, across purposes
    sent = client.send_code(phone, "change_phone")
    assert sent.status == 200, sent.body
    return last_code(phone)


def _change_phone(client, phone: str, code: str, password: str, **extra):
    form = {"phone": phone, "sms_code": code, "password": password, **extra}
    return _post_solving_captcha(client, "/api/account/phone", form)


def test_changing_the_phone_moves_the_claim_and_the_snapshots(app, browser, citizen):
    from tests.support import AppClient, Browser

    new_phone = make_phone()
    with AppClient(app) as phone_app:
        phone_app.token = phone_app.login_password(citizen.id_number, citizen.password).body["token"]
        # WHEN the citizen proves the new phone by its code, with their password
        reply = _change_phone(browser, new_phone, _send_change_code(browser, new_phone), citizen.password)
        # THEN it is bound, and every session shows it (this one and the app's)
        assert reply.status == 200, reply.body
        masked = new_phone[:3] + "****" + new_phone[-4:]
        assert reply.body["phone"] == masked
        assert browser.get("/api/me").body["user"]["phone"] == masked
        assert phone_app.get("/api/me").body["user"]["phone"] == masked
    # AND the new phone logs in, the old one no longer does, and the old one is free to register
    with Browser(app) as other:
        assert other.login_sms(new_phone).status == 200
    with Browser(app) as other:
        clock.advance(timedelta(seconds=61))
        assert other.send_code(citizen.phone, "login").status == 200
        refused = other.post(
            "/api/sessions", {"method": "sms_code", "phone": citizen.phone, "sms_code": last_code(citizen.phone)}
        )
        assert refused.status >= 400
    with Browser(app) as newcomer:
        clock.advance(timedelta(seconds=61))
        assert newcomer.register(new_citizen(name="林晓", phone=citizen.phone)).status == 201
    # AND the old phone heard of the change, and the change is in the security log
    assert any("移动电话已修改为" in text for text in messages_to(citizen.phone))
    assert "PhoneChanged" in _events(_account_id(new_phone))


def test_a_phone_held_by_another_account_is_refused_with_the_appeal(app, browser, citizen):
    from tests.support import Browser

    holder = new_citizen(name="王芳")
    with Browser(app) as other:
        assert other.register(holder).status == 201
    reply = _change_phone(browser, holder.phone, _send_change_code(browser, holder.phone), citizen.password)
    assert reply.status == 409 and reply.body["code"] == "phone_taken"
    assert reply.body["appeal"] == "phone_taken" and reply.body["appeal_url"].startswith("/appeal")
    assert browser.get("/api/me").body["user"]["phone"].endswith(citizen.phone[-4:])


def test_a_wrong_code_or_a_code_sent_to_another_phone_is_refused(browser, citizen):
    new_phone, another = make_phone(), make_phone()
    code = _send_change_code(browser, new_phone)
    wrong = "000000" if code != "000000" else "111111"
    reply = _change_phone(browser, new_phone, wrong, citizen.password)
    assert reply.status == 400 and reply.body["code"] == "sms_code_invalid"
    # the password was right: its try was given back
    assert _lock_failures(_account_id(citizen.phone)) == 0
    # a code sent to one phone does not bind another
    elsewhere = _change_phone(browser, another, code, citizen.password)
    assert elsewhere.status == 400 and elsewhere.body["code"] in ("sms_code_expired", "sms_code_invalid")
    # and the right code still works once
    assert _change_phone(browser, new_phone, code, citizen.password).status == 200
    assert _change_phone(browser, new_phone, code, citizen.password).body["code"] == "phone_unchanged"


def test_changing_the_phone_needs_the_right_password(browser, citizen):
    new_phone = make_phone()
    code = _send_change_code(browser, new_phone)
    reply = _change_phone(browser, new_phone, code, "Wrong#pass1")
    assert reply.status == 401 and reply.body["code"] == "old_password_invalid"
    assert reply.body["fields"] == {"password": "原密码错误"}
    assert _lock_failures(_account_id(citizen.phone)) == 1
    missing = browser.post("/api/account/phone", {"phone": new_phone, "sms_code": code})
    assert missing.body["fields"] == {"password": "请输入登录密码"}


def test_the_same_phone_is_refused(browser, citizen):
    code = _send_change_code(browser, citizen.phone)
    reply = _change_phone(browser, citizen.phone, code, citizen.password)
    assert reply.status == 400 and reply.body["code"] == "phone_unchanged"


def test_the_change_phone_purpose_is_one_the_hall_sends_codes_for():
    from chalicelib.domain.codes import Purpose
    from chalicelib.methods import registry

    assert Purpose.CHANGE_PHONE in registry.sms_purposes()


def test_two_accounts_racing_for_one_new_phone_leave_one_winner(app, monkeypatch):
    """Both requests hold a valid code: a phone has one live code per purpose, so the code check
    is stood in for here; what is under test is the claim's transaction."""
    from chalicelib.context import RequestContext
    from chalicelib.errors import HallError
    from chalicelib.flows import account_settings
    from chalicelib.methods.sms_code import codes
    from tests.support import Browser

    monkeypatch.setattr(codes, "verify", lambda *args, **kwargs: None)
    racers = [new_citizen(), new_citizen(name="林晓")]
    sessions_of = []
    for racer in racers:
        with Browser(app) as client:
            clock.advance(timedelta(seconds=61))
            assert client.register(racer).status == 201
            sessions_of.append(_session_of(client))
    wanted = make_phone()
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def attempt(session, racer):
        form = account_settings.ChangePhoneForm(phone=wanted, sms_code="123456", password=racer.password)
        barrier.wait()
        try:
            account_settings.change_phone(session, form, RequestContext(client_ip="198.51.100.9"))
            outcomes.append("bound")
        except HallError as exc:
            outcomes.append(exc.code)

    threads = [threading.Thread(target=attempt, args=pair) for pair in zip(sessions_of, racers, strict=True)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["bound", "phone_taken"], outcomes
    assert len({_account_id(wanted)}) == 1


def test_a_phone_change_racing_a_registration_with_that_phone_leaves_one_holder(app, browser, citizen):
    from chalicelib.context import RequestContext
    from chalicelib.errors import HallError
    from chalicelib.flows import account_settings, registration

    wanted = make_phone()
    newcomer = new_citizen(name="林晓", phone=wanted)
    change_code = _send_change_code(browser, wanted)
    register_code = None
    clock.advance(timedelta(seconds=61))
    assert browser.send_code(wanted, "register").status == 200
    register_code = last_code(wanted)
    session = _session_of(browser)
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def change():
        form = account_settings.ChangePhoneForm(phone=wanted, sms_code=change_code, password=citizen.password)
        barrier.wait()
        try:
            account_settings.change_phone(session, form, RequestContext(client_ip="198.51.100.9"))
            outcomes.append("changed")
        except HallError as exc:
            outcomes.append(exc.code)

    def register():
        form = registration.RegistrationForm(
            id_type="resident_id",
            id_number=newcomer.id_number,
            name=newcomer.name,
            phone=wanted,
            sms_code=register_code,
            password=newcomer.password,
            password_confirm=newcomer.password,
            agreement_accepted=True,
        )
        barrier.wait()
        try:
            registration.register(form, RequestContext(client_ip="198.51.100.10"))
            outcomes.append("registered")
        except HallError as exc:
            outcomes.append(exc.code)

    threads = [threading.Thread(target=change), threading.Thread(target=register)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) in (["changed", "phone_taken"], ["phone_taken", "registered"]), outcomes


def _session_of(client):
    from chalicelib import crypto
    from chalicelib.store import sessions

    return sessions.get(crypto.hash_token(client.cookies["hall_session"]))


# -- 安全记录 and 退出其他设备 ------------------------------------------------------------


def test_the_security_log_lists_logins_with_method_time_ip_and_device(browser, citizen):
    browser.delete("/api/sessions/current")
    chrome = (
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0 Safari/537.36"
    )
    reply = browser.login_password(citizen.phone, citizen.password)
    assert reply.status == 200
    browser.delete("/api/sessions/current")
    assert (
        browser.request(
            "POST",
            "/api/sessions",
            {"method": "password", "identifier": citizen.phone, "password": citizen.password},
            headers={"User-Agent": chrome},
        ).status
        == 200
    )
    events = browser.get("/api/account/security-events").body["events"]
    newest = events[0]
    assert newest["event"] == "LoginSucceeded" and newest["label"] == "登录"
    assert newest["method"] == "账号密码"
    assert newest["device"] == "Chrome · Windows"
    assert newest["ip"]
    assert len(newest["at"]) == 19  # 2026-11-30 16:47:05, China time
    assert [e["event"] for e in events][-1] == "Registered"
    page = _html(browser.get("/user/security"))
    assert "Chrome · Windows" in page and "账号密码" in page
    assert chrome not in page  # the User-Agent itself is not kept


def test_the_security_log_is_paged_newest_first(browser, citizen, monkeypatch):
    from chalicelib.flows import account_settings

    for _ in range(4):
        clock.advance(timedelta(seconds=1))
        browser.delete("/api/sessions/current")
        assert browser.login_password(citizen.phone, citizen.password).status == 200
    monkeypatch.setattr(account_settings, "PAGE_SIZE", 2)
    first = browser.get("/api/account/security-events").body
    assert len(first["events"]) == 2 and first["next_after"]
    second = browser.get("/api/account/security-events?after=" + quote(first["next_after"])).body
    assert second["events"] and second["events"][0]["at_iso"] < first["events"][-1]["at_iso"]
    # a cursor that is not an event id starts over
    assert browser.get("/api/account/security-events?after=x").body["events"] == first["events"]


def test_leaving_other_devices_ends_every_other_session_and_is_audited(app, browser, citizen):
    from tests.support import AppClient, Browser

    with Browser(app) as other, AppClient(app) as phone:
        assert other.login_password(citizen.phone, citizen.password).status == 200
        phone.token = phone.login_password(citizen.id_number, citizen.password).body["token"]
        reply = browser.delete("/api/sessions/others")
        assert reply.status == 200 and reply.body["sessions_ended"] == 2
        assert browser.get("/api/me").status == 200
        assert other.get("/api/me").status == 401
        assert phone.get("/api/me").status == 401
    assert browser.delete("/api/sessions/others").body["sessions_ended"] == 0
    assert _events(_account_id(citizen.phone))[:2] == ["OtherSessionsRevoked", "OtherSessionsRevoked"]


# -- an account without a phone ------------------------------------------------------------


def _release_phone(phone: str) -> None:
    """As a 用户申诉 (移动电话已被占用) leaves the account that held the phone."""
    from chalicelib.citizen_data import phone_mac
    from chalicelib.store import accounts, tables
    from chalicelib.store.models import AccountModel, ClaimModel

    tables.ready()
    account_id = _account_id(phone)
    ClaimModel(accounts.phone_claim_key(phone_mac(phone))).delete()
    AccountModel(account_id).update(
        actions=[
            AccountModel.phone_mac.remove(),
            AccountModel.phone_cipher.remove(),
            AccountModel.phone_masked.remove(),
        ],
        add_version_condition=False,
    )


def test_an_account_without_a_phone_logs_in_by_id_and_is_sent_to_bind_one(browser, citizen):
    account_id = _account_id(citizen.phone)
    _release_phone(citizen.phone)
    browser.delete("/api/sessions/current")
    # SMS login with the released phone finds no account
    clock.advance(timedelta(seconds=61))
    assert browser.send_code(citizen.phone, "login").status == 200
    assert (
        browser.post(
            "/api/sessions", {"method": "sms_code", "phone": citizen.phone, "sms_code": last_code(citizen.phone)}
        ).status
        >= 400
    )
    # password login by ID number works, and says where to go next
    reply = browser.login_password(citizen.id_number, citizen.password)
    assert reply.status == 200 and reply.body["next"] == "/user/phone"
    assert reply.body["user"]["phone"] is None
    page = _html(browser.get("/user/phone"))
    assert "绑定移动电话" in page and "登录密码" in page
    assert "phone-missing" in _html(browser.get("/user"))
    # wrong passwords lock it without an SMS notice (there is no phone to send it to)
    # and binding a phone by SMS code + password works
    new_phone = make_phone()
    bound = _change_phone(browser, new_phone, _send_change_code(browser, new_phone), citizen.password)
    assert bound.status == 200, bound.body
    assert bound.body["next"] == "/user/security?done=phone_bound"
    assert _account_id(new_phone) == account_id
    assert "PhoneBound" in _events(account_id)
    assert browser.get("/api/me").body["user"]["phone"].endswith(new_phone[-4:])


def test_an_account_without_a_phone_is_locked_without_a_notice(browser, citizen):
    _release_phone(citizen.phone)
    before = len(messages_to(citizen.phone))
    browser.delete("/api/sessions/current")
    statuses = [browser.login_password(citizen.id_number, "Wrong#pass1").status for _ in range(5)]
    assert statuses[-1] == 423
    assert len(messages_to(citizen.phone)) == before


def test_a_change_racing_another_change_of_the_account_writes_nothing(browser, citizen):
    from dataclasses import replace

    from chalicelib.methods.password import login as password_login

    checked_as_read = password_login.check_account_password

    def read_before_another_change(*args, **kwargs):
        # The account as read before another device changed it (its version one behind).
        checked = checked_as_read(*args, **kwargs)
        return replace(checked, account=replace(checked.account, version=checked.account.version - 1))

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(password_login, "check_account_password", read_before_another_change)
        reply = _change_password(browser, citizen.password)
    assert reply.status == 409 and reply.body["code"] == "account_changed"
    browser.delete("/api/sessions/current")
    assert browser.login_password(citizen.phone, citizen.password).status == 200
