"""用户申诉 (appeals) of the first three types: each step, each refusal, one winner per ID.

证件号码被占用 (take-over), 移动电话已被占用 (phone release) and 亲情号解绑 are proved by 人脸认证 of
the person named on the ID; tests/face_support.py plays the provider's signed callback.
"""

from __future__ import annotations

import threading
from datetime import timedelta

from chalicelib import clock
from chalicelib.citizen_data import id_number_mac, identifier_mac, phone_mac, protect_id_number, protect_name
from chalicelib.context import RequestContext
from chalicelib.errors import HallError
from chalicelib.store import accounts, audit
from chalicelib.store import appeals as appeal_store
from tests.face_support import complete_face_check
from tests.support import Browser, last_code, new_citizen

APPEAL_COOKIE = "hall_appeal"


def _start(browser, citizen, kind: str, **overrides):
    form = {
        "appeal_type": kind,
        "id_type": citizen.id_type,
        "id_number": citizen.id_number,
        "name": citizen.name,
        "face_consent": True,
        **overrides,
    }
    return browser.post("/api/appeals", form)


def _verified(browser, citizen, kind: str):
    """An appeal through 填写证件信息 and 人脸认证 (the provider reported a pass)."""
    started = _start(browser, citizen, kind)
    assert started.status == 201, started.body
    face_id = started.body["face"]["face_id"]
    assert complete_face_check(face_id).status == 200
    passed = browser.post(f"/api/appeals/{started.body['appeal_id']}/face", {"face_id": face_id})
    return started.body["appeal_id"], passed


def _registered(app, citizen) -> tuple[Browser, str]:
    """``citizen`` registered (and logged in) in a browser of their own; their account id."""
    b = Browser(app)
    reply = b.register(citizen)
    assert reply.status == 201, reply.body
    key = accounts.id_claim_key(citizen.id_type, id_number_mac(citizen.id_number))
    return b, accounts.find_account_ids([key])[key]


def _events(subject: str) -> list[str]:
    return [e.event for e in audit.for_subject(subject)]


# -- 填写证件信息 ---------------------------------------------------------------------------------


def test_the_first_step_answers_alike_whether_or_not_the_id_is_registered(app, browser):
    # GIVEN one ID with an account and one without
    holder = new_citizen(name="李四")
    _registered(app, holder)
    stranger = new_citizen()
    # WHEN an appeal is begun for each
    taken = _start(browser, new_citizen(name="陈小红", id_number=holder.id_number), "id_number_taken")
    free = _start(Browser(app), stranger, "id_number_taken")
    # THEN both answer the same way: the appeal's number, step 2 (人脸识别) and the face check's QR
    assert taken.status == free.status == 201
    assert set(taken.body) == set(free.body)
    assert taken.body["step_label"] == "人脸识别" and taken.body["status"] == "filed"
    assert taken.body["face"]["status"] == "authorization_pending"
    # AND the browser holds the appeal's binding cookie (HttpOnly) and the face check's
    set_cookie = str(taken.headers.get("Set-Cookie") or taken.headers.get("set-cookie"))
    assert APPEAL_COOKIE in browser.cookies and "hall_face" in browser.cookies
    assert f"{APPEAL_COOKIE}=" in set_cookie and "HttpOnly" in set_cookie


def test_the_first_step_checks_fields_and_consent(browser):
    citizen = new_citizen()
    bad = _start(browser, citizen, "id_number_taken", id_number="110105194912310021", name="张3")
    assert bad.status == 400 and bad.body["code"] == "validation_failed"
    assert set(bad.body["fields"]) == {"id_number", "name"}
    no_consent = _start(browser, citizen, "id_number_taken", face_consent=False)
    assert no_consent.status == 400 and no_consent.body["code"] == "face_consent_required"
    other = _start(browser, citizen, "other")
    assert other.status == 400 and "appeal_type" in other.body["fields"]


def test_repeated_appeals_for_one_id_are_throttled_per_day(app):
    # GIVEN five appeals begun today for one ID, from five browsers
    citizen = new_citizen()
    for _ in range(5):
        assert _start(Browser(app), citizen, "phone_taken").status == 201
    # WHEN a sixth is begun
    reply = _start(Browser(app), citizen, "family_number_bound")
    # THEN it is refused until the China day ends, before any face check is started
    assert reply.status == 429 and reply.body["code"] == "appeal_throttled"
    assert reply.headers["Retry-After"] == str(reply.body["retry_after"])
    assert "face" not in reply.body
    # AND another ID is not affected
    assert _start(Browser(app), new_citizen(), "phone_taken").status == 201


def test_the_throttle_holds_under_parallel_requests(app):
    from chalicelib.flows import appeals

    citizen = new_citizen()
    form = appeals.AppealStartForm("phone_taken", citizen.id_type, citizen.id_number, citizen.name, True)
    outcomes: list[str] = []
    barrier = threading.Barrier(12)

    def attempt():
        barrier.wait()
        try:
            appeals.start(form, RequestContext(now=clock.now()))
            outcomes.append("started")
        except HallError as exc:
            outcomes.append(exc.code)

    threads = [threading.Thread(target=attempt) for _ in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert outcomes.count("started") == 5, outcomes
    assert outcomes.count("appeal_throttled") == 7, outcomes


# -- refusals of the later steps -----------------------------------------------------------------


def test_a_skipped_step_is_refused(browser):
    # GIVEN an appeal whose face check has not been handed back
    citizen = new_citizen()
    started = _start(browser, citizen, "id_number_taken")
    appeal_id = started.body["appeal_id"]
    # WHEN the page jumps to 设置新密码
    reply = browser.post(
        f"/api/appeals/{appeal_id}/password", {"password": "New#Pass2025", "password_confirm": "New#Pass2025"}
    )
    # THEN it is told to pass 人脸识别 first
    assert reply.status == 409 and reply.body["code"] == "appeal_step_invalid"
    assert reply.body["step"] == "人脸识别"
    # AND a face check still pending cannot be handed back either
    pending = browser.post(f"/api/appeals/{appeal_id}/face", {"face_id": started.body["face"]["face_id"]})
    assert pending.status == 400 and pending.body["code"] == "face_check_pending"


def test_a_step_of_another_type_or_an_unknown_appeal_is_not_found(browser):
    started = _start(browser, new_citizen(), "phone_taken")
    wrong_type = browser.post(
        f"/api/appeals/{started.body['appeal_id']}/password", {"password": "New#Pass2025", "password_confirm": "x"}
    )
    assert wrong_type.status == 404 and wrong_type.body["code"] == "appeal_not_found"
    unknown = browser.post("/api/appeals/202601010000000000/face", {"face_id": "x"})
    assert unknown.status == 404 and unknown.body["code"] == "appeal_not_found"


def test_an_appeal_continues_only_in_the_browser_that_began_it(app, browser):
    started = _start(browser, new_citizen(), "family_number_bound")
    face_id = started.body["face"]["face_id"]
    complete_face_check(face_id)
    other = Browser(app)
    reply = other.post(f"/api/appeals/{started.body['appeal_id']}/face", {"face_id": face_id})
    assert reply.status == 403 and reply.body["code"] == "appeal_other_browser"


def test_an_expired_appeal_is_refused(browser):
    # GIVEN an appeal whose face check passed, but 31 minutes after it was begun
    started = _start(browser, new_citizen(), "phone_taken")
    face_id = started.body["face"]["face_id"]
    complete_face_check(face_id)
    clock.advance(timedelta(minutes=31))
    # WHEN the page hands the check back
    reply = browser.post(f"/api/appeals/{started.body['appeal_id']}/face", {"face_id": face_id})
    # THEN the appeal has expired
    assert reply.status == 400 and reply.body["code"] == "appeal_expired"


def test_another_appeals_face_result_is_refused(app, browser):
    # GIVEN two appeals, each in its own browser, and the second one's face check passed
    mine = _start(browser, new_citizen(), "phone_taken")
    theirs_browser = Browser(app)
    theirs = _start(theirs_browser, new_citizen(), "phone_taken")
    complete_face_check(theirs.body["face"]["face_id"])
    # WHEN the first appeal hands in the second one's result (with that browser's face cookie too)
    browser.cookies["hall_face"] = theirs_browser.cookies["hall_face"]
    reply = browser.post(f"/api/appeals/{mine.body['appeal_id']}/face", {"face_id": theirs.body["face"]["face_id"]})
    # THEN it is not accepted: the check was made for another appeal
    assert reply.status == 400 and reply.body["code"] == "face_check_invalid"


def test_a_failed_face_check_does_not_move_the_appeal(browser):
    started = _start(browser, new_citizen(), "id_number_taken")
    face_id = started.body["face"]["face_id"]
    complete_face_check(face_id, passed=False)
    reply = browser.post(f"/api/appeals/{started.body['appeal_id']}/face", {"face_id": face_id})
    assert reply.status == 400 and reply.body["code"] == "access_denied"
    assert appeal_store.get(started.body["appeal_id"]).status == "filed"


def test_a_face_result_is_used_once(app, browser):
    holder = new_citizen(name="李四")
    _registered(app, holder)
    appeal_id, passed = _verified(browser, new_citizen(name="陈小红", id_number=holder.id_number), "id_number_taken")
    assert passed.status == 200, passed.body
    again = browser.post(f"/api/appeals/{appeal_id}/face", {"face_id": "whatever"})
    assert again.status == 409 and again.body["code"] == "appeal_step_invalid"


# -- 证件号码被占用 -------------------------------------------------------------------------------


def test_the_verified_holder_takes_over_the_account_bound_to_their_id(app, browser):
    # GIVEN a squatter who registered the appellant's ID, with a phone, a link and a live session
    appellant = new_citizen(name="陈小红")
    squatter = new_citizen(name="李四", id_number=appellant.id_number)
    squatter_browser, account_id = _registered(app, squatter)
    accounts.put_link("alipay", "subject-mac-1", account_id, clock.now())
    # WHEN the appellant passes 人脸识别 and sets a new password
    appeal_id, passed = _verified(browser, appellant, "id_number_taken")
    assert passed.status == 200 and passed.body["step_label"] == "设置新密码"
    reply = browser.post(
        f"/api/appeals/{appeal_id}/password", {"password": "Chen#Hong2025", "password_confirm": "Chen#Hong2025"}
    )
    # THEN the appeal is complete
    assert reply.status == 200, reply.body
    assert reply.body["status"] == "completed" and reply.body["step_label"] == "完成申诉"
    # AND the appellant logs in with the ID and the new password, as 实人用户 under their own name
    login = Browser(app).login_password(appellant.id_number, "Chen#Hong2025")
    assert login.status == 200, login.body
    assert login.body["user"]["name"] == "陈*" and login.body["user"]["level"] == 3
    assert Browser(app).login_password(appellant.id_number, squatter.password).status == 401
    # AND the squatter's session is revoked, their phone and link are gone with their claims
    assert squatter_browser.get("/api/me").status == 401
    account = accounts.get(account_id)
    assert account.phone_mac is None and account.links == {} and not account.family
    held = accounts.find_account_ids(
        [accounts.phone_claim_key(phone_mac(squatter.phone)), accounts.link_claim_key("alipay", "subject-mac-1")]
    )
    assert held == {}
    assert Browser(app).login_sms(squatter.phone).body["code"] == "phone_not_registered"
    # AND both sides have their events: the account's, and the released phone's
    assert "AccountReclaimed" in _events(f"account#{account_id}")
    assert "AccountReleasedByAppeal" in _events(f"identifier#{identifier_mac(squatter.phone)}")
    # AND the appeal is a record with its history
    appeal = appeal_store.get(appeal_id)
    assert [c.status for c in appeal.history] == ["filed", "verified", "completed"]
    assert appeal.account_id == account_id
    # AND the last step cannot be taken twice
    again = browser.post(
        f"/api/appeals/{appeal_id}/password", {"password": "Chen#Hong2026", "password_confirm": "Chen#Hong2026"}
    )
    assert again.status == 409 and again.body["code"] == "appeal_step_invalid"


def test_the_take_over_releases_the_family_numbers_the_account_bound(app, browser):
    from chalicelib.store import family_numbers

    appellant = new_citizen(name="陈小红")
    squatter = new_citizen(name="李四", id_number=appellant.id_number)
    _, account_id = _registered(app, squatter)
    relative = new_citizen(name="陈大伯")
    family_numbers.bind(
        accounts.get(account_id),
        family_numbers.NewFamilyBinding(
            family_numbers.new_binding_id(),
            relative.id_type,
            protect_id_number(relative.id_number),
            protect_name(relative.name),
            "other",
        ),
        clock.now(),
        min_level=1,
        limit=5,
    )
    assert Browser(app).register(relative).body["code"] == "family_number_bound"
    appeal_id, _ = _verified(browser, appellant, "id_number_taken")
    reply = browser.post(
        f"/api/appeals/{appeal_id}/password", {"password": "Chen#Hong2025", "password_confirm": "Chen#Hong2025"}
    )
    assert reply.status == 200, reply.body
    assert Browser(app).register(relative).status == 201


def test_a_new_password_must_follow_the_rule(app, browser):
    holder = new_citizen(name="李四")
    _registered(app, holder)
    appeal_id, _ = _verified(browser, new_citizen(name="陈小红", id_number=holder.id_number), "id_number_taken")
    weak = browser.post(f"/api/appeals/{appeal_id}/password", {"password": "abc", "password_confirm": "abd"})
    assert weak.status == 400 and set(weak.body["fields"]) == {"password", "password_confirm"}


def test_no_take_over_of_an_id_nobody_registered(browser):
    started = _start(browser, new_citizen(), "id_number_taken")
    face_id = started.body["face"]["face_id"]
    complete_face_check(face_id)
    reply = browser.post(f"/api/appeals/{started.body['appeal_id']}/face", {"face_id": face_id})
    assert reply.status == 409 and reply.body["code"] == "appeal_not_needed"


def test_two_take_overs_of_one_id_at_once_leave_one_winner(app):
    from chalicelib.flows import appeals

    # GIVEN a squatter's account and two appeals for its ID, both through 人脸识别
    appellant = new_citizen(name="陈小红")
    _registered(app, new_citizen(name="李四", id_number=appellant.id_number))
    ready, browsers = [], {}
    for _ in range(2):
        b = Browser(app)
        appeal_id, passed = _verified(b, appellant, "id_number_taken")
        assert passed.status == 200, passed.body
        ready.append((appeal_id, b.cookies[APPEAL_COOKIE]))
        browsers[appeal_id] = b
    # WHEN both set a password at the same moment
    outcomes: list[str] = []
    barrier = threading.Barrier(2)

    def attempt(appeal_id, secret, password):
        barrier.wait()
        try:
            appeals.set_password(
                appeal_id,
                appeals.PasswordForm(password, password),
                RequestContext(now=clock.now(), browser_secret=secret),
            )
            outcomes.append(password)
        except HallError as exc:
            outcomes.append(exc.code)

    threads = [
        threading.Thread(target=attempt, args=(appeal_id, secret, f"Chen#Hong202{i}"))
        for i, (appeal_id, secret) in enumerate(ready)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    # THEN exactly one wins, and its password is the account's
    winners = [o for o in outcomes if o.startswith("Chen#")]
    assert len(winners) == 1 and outcomes.count("appeal_conflict") == 1, outcomes
    assert Browser(app).login_password(appellant.id_number, winners[0]).status == 200
    # AND the loser cannot win later either: the account was reclaimed after its appeal began
    loser = next(a for a, _ in ready if appeal_store.get(a).status != "completed")
    later = browsers[loser].post(
        f"/api/appeals/{loser}/password", {"password": "Chen#Hong2029", "password_confirm": "Chen#Hong2029"}
    )
    assert later.status == 409 and later.body["code"] == "appeal_conflict"
    assert Browser(app).login_password(appellant.id_number, winners[0]).status == 200


# -- 移动电话已被占用 -----------------------------------------------------------------------------


def _phone_step(browser, appeal_id, phone, code=None):
    sent = browser.send_code(phone, "appeal")
    assert sent.status == 200, sent.body
    return browser.post(f"/api/appeals/{appeal_id}/phone", {"phone": phone, "sms_code": code or last_code(phone)})


def test_a_taken_phone_is_released_and_the_appellant_can_register_with_it(app, browser):
    # GIVEN someone registered with the appellant's phone
    holder = new_citizen(name="李四")
    _, holder_id = _registered(app, holder)
    appellant = new_citizen(name="陈小红", phone=holder.phone)
    assert Browser(app).register(appellant).body["code"] == "phone_taken"
    # WHEN the appellant passes 人脸识别 and proves the phone by SMS
    appeal_id, passed = _verified(browser, appellant, "phone_taken")
    assert passed.status == 200 and passed.body["step_label"] == "短信验证"
    reply = _phone_step(browser, appeal_id, holder.phone)
    # THEN the phone is free: the appellant registers with it
    assert reply.status == 200, reply.body
    assert reply.body["bound_to_account"] is False
    assert Browser(app).register(appellant).status == 201
    # AND the holder keeps working by ID number, without a phone, the release in its security log
    assert Browser(app).login_password(holder.id_number, holder.password).status == 200
    assert accounts.get(holder_id).phone_mac is None
    assert "PhoneReleased" in _events(f"account#{holder_id}")


def test_a_taken_phone_is_bound_to_the_appellants_account(app, browser):
    holder = new_citizen(name="李四")
    _, holder_id = _registered(app, holder)
    appellant = new_citizen(name="陈小红")
    appellant_browser, appellant_id = _registered(app, appellant)
    appeal_id, _ = _verified(browser, appellant, "phone_taken")
    reply = _phone_step(browser, appeal_id, holder.phone)
    assert reply.status == 200, reply.body
    assert reply.body["bound_to_account"] is True
    # The appellant's live session shows the new phone (masked).
    assert appellant_browser.get("/api/me").body["user"]["phone"] == f"{holder.phone[:3]}****{holder.phone[-4:]}"
    # The phone now logs the appellant in; their old phone is released.
    login = Browser(app).login_sms(holder.phone)
    assert login.status == 200 and login.body["user"]["name"] == "陈*"
    assert Browser(app).login_sms(appellant.phone).body["code"] == "phone_not_registered"
    assert "PhoneBound" in _events(f"account#{appellant_id}")
    assert "PhoneReleased" in _events(f"account#{holder_id}")


def test_a_wrong_sms_code_is_refused(app, browser):
    holder = new_citizen(name="李四")
    _registered(app, holder)
    appeal_id, _ = _verified(browser, new_citizen(name="陈小红"), "phone_taken")
    sent = browser.send_code(holder.phone, "appeal")
    assert sent.status == 200
    wrong = "000000" if last_code(holder.phone) != "000000" else "111111"
    reply = browser.post(f"/api/appeals/{appeal_id}/phone", {"phone": holder.phone, "sms_code": wrong})
    assert reply.status == 400 and reply.body["code"] == "sms_code_invalid"
    assert appeal_store.get(appeal_id).status == "verified"


# -- 亲情号解绑 -----------------------------------------------------------------------------------


def test_a_family_binding_is_released_and_the_appellant_can_register(app, browser):
    from chalicelib.store import family_numbers

    # GIVEN a binder who bound the appellant's ID as a 亲情号
    binder = new_citizen(name="陈大明")
    _, binder_id = _registered(app, binder)
    appellant = new_citizen(name="陈母亲")
    family_numbers.bind(
        accounts.get(binder_id),
        family_numbers.NewFamilyBinding(
            family_numbers.new_binding_id(),
            appellant.id_type,
            protect_id_number(appellant.id_number),
            protect_name(appellant.name),
            "parent",
        ),
        clock.now(),
        min_level=1,
        limit=5,
    )
    assert Browser(app).register(appellant).body["code"] == "family_number_bound"
    # WHEN the appellant passes 人脸认证
    appeal_id, reply = _verified(browser, appellant, "family_number_bound")
    assert appeal_store.get(appeal_id).status == "completed"
    # THEN the appeal is complete at once (填写证件信息 ● 人脸认证 ● 完成申诉)
    assert reply.status == 200, reply.body
    assert reply.body["status"] == "completed" and reply.body["step_label"] == "完成申诉"
    # AND the binder sees the binding gone, with an event; the appellant registers
    assert not accounts.get(binder_id).family
    assert "FamilyNumberReleased" in _events(f"account#{binder_id}")
    assert Browser(app).register(appellant).status == 201


def test_no_release_for_an_id_nobody_bound(browser):
    started = _start(browser, new_citizen(), "family_number_bound")
    face_id = started.body["face"]["face_id"]
    complete_face_check(face_id)
    reply = browser.post(f"/api/appeals/{started.body['appeal_id']}/face", {"face_id": face_id})
    assert reply.status == 409 and reply.body["code"] == "appeal_not_needed"
