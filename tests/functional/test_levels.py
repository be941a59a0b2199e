"""认证等级 (identity levels): 注册 → 实名 by 基本信息修改, 实名 → 实人 by 人脸认证, the rule a
service applies, and the level snapshot of every session of the account.

GIVEN a base library of this test's own fictional people,
WHEN a citizen corrects the name or passes a face check,
THEN the level rises once, every session (browsers' and apps') shows it, and each refusal
has its error id.
"""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest

from chalicelib import clock
from chalicelib.domain.levels import AuthLevel
from tests.face_support import complete_face_check
from tests.support import new_citizen


def registered_user(browser, base_library, true_name: str = "陈小明", typed_name: str = "陈晓明"):
    """A 注册用户: registered with a name the base library does not match (a typing slip)."""
    citizen = new_citizen(name=true_name)
    base_library(citizen)
    reply = browser.register(citizen, name=typed_name)
    assert reply.status == 201 and reply.body["user"]["level"] == 1, reply.body
    return citizen


def _account_id(browser) -> str:
    from chalicelib import crypto
    from chalicelib.store import sessions

    return sessions.get(crypto.hash_token(browser.cookies["hall_session"])).account_id


def _events(account_id: str) -> list[str]:
    from chalicelib.store import audit

    return [e.event for e in audit.for_subject(f"account#{account_id}")]


# -- 注册用户 → 实名用户 ----------------------------------------------------------------------------


def test_correcting_the_name_makes_a_real_name_user_in_every_session(browser, app_client, base_library):
    citizen = registered_user(browser, base_library)
    # GIVEN the same account also logged in on the app
    app_login = app_client.login_password(citizen.phone, citizen.password)
    app_client.token = app_login.body["token"]
    assert app_client.get("/api/me").body["user"]["level"] == 1
    # WHEN the citizen corrects the name on 基本信息
    reply = browser.post("/api/profile/name", {"name": citizen.name})
    # THEN the account is 实名用户, and both sessions say so without logging in again
    assert reply.status == 200, reply.body
    assert reply.body["user"]["level"] == 2 and reply.body["user"]["level_label"] == "实名用户"
    assert browser.get("/api/me").body["user"]["level"] == 2
    me = app_client.get("/api/me").body["user"]
    assert me["level"] == 2 and me["level_label"] == "实名用户" and me["name"] == "陈*"
    assert "NameCorrected" in _events(_account_id(browser))
    # AND the ID number is unchanged (it cannot be changed)
    assert me["id_number"] == citizen.id_number[:4] + "*" * 10 + citizen.id_number[-4:]


def test_a_name_that_still_does_not_match_is_refused_with_the_tries_left(browser, base_library):
    registered_user(browser, base_library)
    reply = browser.post("/api/profile/name", {"name": "陈大明"})
    assert reply.status == 400
    assert reply.body["code"] == "name_mismatch"
    assert reply.body["tries_left"] == 4
    assert "name" in reply.body["fields"]
    assert browser.get("/api/me").body["user"]["level"] == 1


def test_the_sixth_name_check_in_a_day_is_refused_even_with_the_right_name(browser, base_library):
    citizen = registered_user(browser, base_library)
    tries = [browser.post("/api/profile/name", {"name": "陈大明"}).body["tries_left"] for _ in range(5)]
    assert tries == [4, 3, 2, 1, 0]
    reply = browser.post("/api/profile/name", {"name": citizen.name})
    assert reply.status == 429
    assert reply.body["code"] == "name_correction_limit"
    assert int(reply.headers["Retry-After"]) == reply.body["retry_after"]
    assert browser.get("/api/me").body["user"]["level"] == 1
    # The next China day has five checks again.
    clock.advance(timedelta(seconds=reply.body["retry_after"]))
    assert browser.login_password(citizen.phone, citizen.password).status == 200
    assert browser.post("/api/profile/name", {"name": citizen.name}).body["user"]["level"] == 2


def test_five_checks_at_once_on_the_last_try_leave_no_more_than_five_checks(browser, base_library):
    from chalicelib import crypto
    from chalicelib.context import RequestContext
    from chalicelib.errors import HallError
    from chalicelib.flows import levels
    from chalicelib.store import sessions

    registered_user(browser, base_library)
    session = sessions.get(crypto.hash_token(browser.cookies["hall_session"]))
    outcomes: list[str] = []
    barrier = threading.Barrier(8)

    def attempt():
        barrier.wait()
        try:
            levels.correct_name(session, levels.NameForm(name="陈大明"), RequestContext(client_ip="198.51.100.3"))
        except HallError as exc:
            outcomes.append(exc.code)

    threads = [threading.Thread(target=attempt) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["name_correction_limit"] * 3 + ["name_mismatch"] * 5


def test_two_corrections_at_once_raise_the_level_once(browser, base_library):
    from chalicelib import crypto
    from chalicelib.context import RequestContext
    from chalicelib.errors import HallError
    from chalicelib.flows import levels
    from chalicelib.store import sessions

    citizen = registered_user(browser, base_library)
    session = sessions.get(crypto.hash_token(browser.cookies["hall_session"]))
    outcomes: list[str] = []
    barrier = threading.Barrier(2)

    def attempt():
        barrier.wait()
        try:
            levels.correct_name(session, levels.NameForm(name=citizen.name), RequestContext())
            outcomes.append("raised")
        except HallError as exc:
            outcomes.append(exc.code)

    threads = [threading.Thread(target=attempt) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["level_already_reached", "raised"], outcomes
    assert _events(_account_id(browser)).count("NameCorrected") == 1


def test_a_real_name_user_has_nothing_to_correct(browser, base_library):
    citizen = base_library(new_citizen())
    assert browser.register(citizen).body["user"]["level"] == 2
    reply = browser.post("/api/profile/name", {"name": citizen.name})
    assert reply.status == 409 and reply.body["code"] == "level_already_reached"


def test_the_corrected_name_is_checked_before_a_try_is_spent(browser, base_library):
    registered_user(browser, base_library)
    reply = browser.post("/api/profile/name", {"name": "陈3"})
    assert reply.status == 400 and reply.body["code"] == "validation_failed" and "name" in reply.body["fields"]
    assert browser.post("/api/profile/name", {"name": "陈大明"}).body["tries_left"] == 4


def test_the_base_library_being_down_leaves_the_level(browser, base_library, monkeypatch):
    from chalicelib.platforms import base_library as platform

    citizen = registered_user(browser, base_library)

    class Down:
        def verify(self, *_args):
            return platform.Verdict.UNAVAILABLE

    monkeypatch.setattr(platform, "library", lambda: Down())
    reply = browser.post("/api/profile/name", {"name": citizen.name})
    assert reply.status == 503 and reply.body["code"] == "base_library_unavailable"
    assert browser.get("/api/me").body["user"]["level"] == 1


# -- 实名用户 → 实人用户 ----------------------------------------------------------------------------


def real_name_user(browser, base_library):
    citizen = base_library(new_citizen())
    assert browser.register(citizen).body["user"]["level"] == 2
    return citizen


def test_a_passed_face_check_makes_a_real_person_user_in_every_session(browser, app_client, base_library):
    citizen = real_name_user(browser, base_library)
    app_client.token = app_client.login_password(citizen.phone, citizen.password).body["token"]
    # WHEN the citizen consents and starts 人脸认证
    started = browser.post("/api/profile/face-checks", {"face_consent": True})
    assert started.status == 202, started.body
    face_id = started.body["face"]["face_id"]
    assert started.body["face"]["qr_image"].startswith("data:image/png;base64,")
    # AND the provider reports a pass
    assert complete_face_check(face_id, passed=True).status == 200
    reply = browser.post(f"/api/profile/face-checks/{face_id}/complete", {})
    # THEN the account is 实人用户 in every session
    assert reply.status == 200, reply.body
    assert reply.body["user"]["level"] == 3
    assert browser.get("/api/me").body["user"]["level_label"] == "实人用户"
    assert app_client.get("/api/me").body["user"]["level"] == 3
    assert "LevelRaised" in _events(_account_id(browser))
    # AND the check is spent, and the account has nothing more to reach
    again = browser.post(f"/api/profile/face-checks/{face_id}/complete", {})
    assert again.status == 409 and again.body["code"] == "level_already_reached"
    assert browser.post("/api/profile/face-checks", {"face_consent": True}).body["code"] == "level_already_reached"


def test_face_verification_needs_a_real_name_user_and_consent(browser, base_library):
    registered_user(browser, base_library)
    reply = browser.post("/api/profile/face-checks", {"face_consent": True})
    assert reply.status == 403
    assert reply.body["code"] == "level_too_low"
    assert reply.body["required_level"] == 2 and reply.body["upgrade_url"] == "/user/profile#real-name"


def test_face_verification_asks_for_consent_first(browser, base_library):
    real_name_user(browser, base_library)
    reply = browser.post("/api/profile/face-checks", {})
    assert reply.status == 400 and reply.body["code"] == "face_consent_required"


def test_a_failed_or_pending_face_check_raises_nothing(browser, base_library):
    from chalicelib.errors import HallError

    real_name_user(browser, base_library)
    face_id = browser.post("/api/profile/face-checks", {"face_consent": True}).body["face"]["face_id"]
    pending = browser.post(f"/api/profile/face-checks/{face_id}/complete", {})
    assert pending.body["code"] == "face_check_pending"
    assert complete_face_check(face_id, passed=False).status == 200
    failed = browser.post(f"/api/profile/face-checks/{face_id}/complete", {})
    assert failed.body["code"] == HallError.face_check_denied().code
    assert browser.get("/api/me").body["user"]["level"] == 2


def test_another_accounts_face_check_raises_nothing(browser, base_library, app):
    from tests.support import Browser

    real_name_user(browser, base_library)
    face_id = browser.post("/api/profile/face-checks", {"face_consent": True}).body["face"]["face_id"]
    complete_face_check(face_id, passed=True)
    with Browser(app) as other:
        real_name_user(other, base_library)
        other.cookies["hall_face"] = browser.cookies["hall_face"]  # even with the first browser's secret
        reply = other.post(f"/api/profile/face-checks/{face_id}/complete", {})
        assert reply.body["code"] == "face_check_invalid"
        assert other.get("/api/me").body["user"]["level"] == 2


def test_the_profile_page_offers_the_next_step(browser, base_library):
    assert browser.get("/user/profile").status == 302
    citizen = registered_user(browser, base_library)
    html = browser.get("/user/profile").body["_text"]
    assert "基本信息修改" in html and "修改姓名" in html and "注册用户" in html
    browser.post("/api/profile/name", {"name": citizen.name})
    html = browser.get("/user/profile?upgraded=real_name").body["_text"]
    assert "您已成为实名用户" in html and "开始人脸认证" in html and "修改姓名" not in html


@pytest.mark.parametrize("level", [1, 2, 3])
def test_require_level_lets_through_what_the_snapshot_allows(level):
    from chalicelib.errors import HallError
    from chalicelib.handlers import web

    class Snapshot:
        pass

    session = Snapshot()
    session.level = level
    if level >= 2:
        assert web.require_level(session, AuthLevel.REAL_NAME) is session
    else:
        with pytest.raises(HallError) as refused:
            web.require_level(session, AuthLevel.REAL_NAME)
        assert refused.value.code == "level_too_low" and refused.value.status == 403
