"""亲情号 (family numbers): bind, unbind, the rules and refusals, under concurrency too.

GIVEN a base library of this test's own fictional people (HALL_LOCAL_BASE_LIBRARY_PATH),
WHEN a citizen binds and unbinds relatives through the API,
THEN the rules of chalicelib.domain.family_numbers hold, each refusal with its error id.
"""

from __future__ import annotations

import json
import threading
from datetime import timedelta

import pytest

from chalicelib import clock
from tests.support import make_resident_id, new_citizen

RELATIVE_NAMES = ["陈母亲", "陈父亲", "李外婆", "王外公", "陈小妹", "陈阿姨", "陈叔叔"]


def real_name_user(browser, base_library, name: str = "陈小明"):
    """A citizen who registered with a name and ID the base library matches: 实名用户."""
    citizen = base_library(new_citizen(name=name))
    reply = browser.register(citizen)
    assert reply.status == 201 and reply.body["user"]["level"] == 2, reply.body
    return citizen


def relative(base_library, name: str = "陈母亲", in_library: bool = True):
    person = new_citizen(name=name, id_number=make_resident_id(birth="19620212"))
    return base_library(person) if in_library else person


def bind_form(person, relation: str = "parent", **overrides) -> dict:
    form = {"name": person.name, "id_type": person.id_type, "id_number": person.id_number, "relation": relation}
    form.update(overrides)
    return form


def _session_of(browser):
    from chalicelib import crypto
    from chalicelib.store import sessions

    return sessions.get(crypto.hash_token(browser.cookies["hall_session"]))


def _events(account_id: str) -> list[str]:
    from chalicelib.store import audit

    return [e.event for e in audit.for_subject(f"account#{account_id}")]


# -- binding ------------------------------------------------------------------------------------


def test_a_real_name_citizen_binds_a_relative_who_then_cannot_register(browser, base_library, app):
    # GIVEN a 实名用户 and a relative the base library knows
    real_name_user(browser, base_library)
    mother = relative(base_library)
    # WHEN they bind the relative as 亲情号
    reply = browser.post("/api/family-numbers", bind_form(mother))
    # THEN it is bound, shown masked only, and audited
    assert reply.status == 201, reply.body
    view = reply.body["family_number"]
    assert view["name"] == "陈*"
    assert view["id_number"] == mother.id_number[:4] + "*" * 10 + mother.id_number[-4:]
    assert view["relation_label"] == "父母"
    assert mother.id_number not in json.dumps(reply.body, ensure_ascii=False)
    listed = browser.get("/api/family-numbers").body
    assert [f["binding_id"] for f in listed["family_numbers"]] == [view["binding_id"]]
    assert listed["limit"] == 5
    assert "FamilyNumberBound" in _events(_session_of(browser).account_id)
    # AND the relative's ID is now refused at registration, pointing to appeal type 3
    from tests.support import Browser

    with Browser(app) as other:
        refused = other.register(mother)
    assert refused.status == 409 and refused.body["code"] == "family_number_bound"


def test_a_registered_user_is_told_which_level_is_missing_and_how_to_reach_it(browser, base_library):
    # GIVEN a 注册用户 (the name does not match the base library)
    base_library(new_citizen(name="张三"))
    citizen = new_citizen(name="李四")
    assert browser.register(citizen).body["user"]["level"] == 1
    # WHEN they try to bind a 亲情号
    reply = browser.post("/api/family-numbers", bind_form(relative(base_library)))
    # THEN the refusal names 实名用户 and the way there (个人中心->基本信息修改)
    assert reply.status == 403
    assert reply.body["code"] == "level_too_low"
    assert reply.body["required_level"] == 2
    assert reply.body["current_level"] == 1
    assert reply.body["upgrade_url"] == "/user/profile#real-name"
    assert "实名用户" in reply.body["message"] and "基本信息修改" in reply.body["message"]
    assert browser.get("/api/family-numbers").body["family_numbers"] == []


def test_the_sixth_family_number_is_refused(browser, base_library):
    real_name_user(browser, base_library)
    for name in RELATIVE_NAMES[:5]:
        assert browser.post("/api/family-numbers", bind_form(relative(base_library, name))).status == 201
    reply = browser.post("/api/family-numbers", bind_form(relative(base_library, RELATIVE_NAMES[5])))
    assert reply.status == 409
    assert reply.body["code"] == "family_number_limit"
    assert reply.body["limit"] == 5
    assert len(browser.get("/api/family-numbers").body["family_numbers"]) == 5


def test_an_id_with_its_own_account_cannot_be_bound(browser, base_library, app):
    from tests.support import Browser

    # GIVEN a relative who registered an account of their own
    mother = relative(base_library)
    with Browser(app) as theirs:
        assert theirs.register(mother).status == 201
    real_name_user(browser, base_library)
    # WHEN the citizen binds that ID THEN it is refused: the relative logs in themself
    reply = browser.post("/api/family-numbers", bind_form(mother))
    assert reply.status == 409
    assert reply.body["code"] == "family_number_has_account"
    assert "id_number" in reply.body["fields"]


def test_an_id_bound_by_another_account_or_already_by_this_one_is_refused(browser, base_library, app):
    from tests.support import Browser

    mother = relative(base_library)
    with Browser(app) as sibling:
        real_name_user(sibling, base_library, name="陈大明")
        assert sibling.post("/api/family-numbers", bind_form(mother)).status == 201
        # the same account again: already its own
        again = sibling.post("/api/family-numbers", bind_form(mother, relation="other"))
        assert again.status == 409 and again.body["code"] == "family_number_already_yours"
    real_name_user(browser, base_library)
    reply = browser.post("/api/family-numbers", bind_form(mother))
    assert reply.status == 409
    assert reply.body["code"] == "family_number_taken"


def test_a_name_the_base_library_does_not_match_is_refused(browser, base_library):
    real_name_user(browser, base_library)
    mother = relative(base_library)
    reply = browser.post("/api/family-numbers", bind_form(mother, name="陈某某"))
    assert reply.status == 400
    assert reply.body["code"] == "family_number_mismatch"
    assert "name" in reply.body["fields"]
    unknown = relative(base_library, in_library=False)
    assert browser.post("/api/family-numbers", bind_form(unknown)).body["code"] == "family_number_mismatch"


def test_the_form_is_checked_field_by_field(browser, base_library):
    real_name_user(browser, base_library)
    reply = browser.post(
        "/api/family-numbers",
        {"name": "陈3", "id_type": "resident_id", "id_number": "110105194912310021", "relation": "neighbour"},
    )
    assert reply.status == 400
    assert reply.body["code"] == "validation_failed"
    assert set(reply.body["fields"]) == {"name", "id_number", "relation"}


def test_the_base_library_being_down_is_said_and_binds_nothing(browser, base_library, monkeypatch):
    from chalicelib.platforms import base_library as platform

    real_name_user(browser, base_library)
    mother = relative(base_library)

    class Down:
        def verify(self, *_args):
            return platform.Verdict.UNAVAILABLE

    monkeypatch.setattr(platform, "library", lambda: Down())
    reply = browser.post("/api/family-numbers", bind_form(mother))
    assert reply.status == 503 and reply.body["code"] == "base_library_unavailable"
    assert browser.get("/api/family-numbers").body["family_numbers"] == []


def test_base_library_checks_for_binding_are_limited_per_day(browser, base_library):
    real_name_user(browser, base_library)
    mother = relative(base_library)
    for _ in range(10):
        assert browser.post("/api/family-numbers", bind_form(mother, name="陈某某")).status == 400
    reply = browser.post("/api/family-numbers", bind_form(mother))
    assert reply.status == 429
    assert reply.body["code"] == "family_check_limit"
    assert int(reply.headers["Retry-After"]) == reply.body["retry_after"] > 0
    # The next China day has room again.
    clock.advance(timedelta(seconds=reply.body["retry_after"]))
    browser.login_password(browser_citizen_phone(browser), "Jshall#2024")
    assert browser.post("/api/family-numbers", bind_form(mother)).status == 201


def browser_citizen_phone(browser) -> str:
    """The phone of the browser's account (to log in again after the clock moved past the session)."""
    from chalicelib import crypto
    from chalicelib.store import accounts

    account = accounts.get(_session_of(browser).account_id) if "hall_session" in browser.cookies else None
    if account is None:
        raise AssertionError("no session")
    return crypto.decrypt("phone", account.phone_cipher)


# -- unbinding ----------------------------------------------------------------------------------


def test_the_binder_unbinds_and_the_relative_can_register(browser, base_library, app):
    from tests.support import Browser

    real_name_user(browser, base_library)
    mother = relative(base_library)
    binding_id = browser.post("/api/family-numbers", bind_form(mother)).body["family_number"]["binding_id"]
    # WHEN the binder unbinds
    reply = browser.delete(f"/api/family-numbers/{binding_id}")
    # THEN the binding is gone, audited, and the relative may register
    assert reply.status == 200, reply.body
    assert reply.body["unbound"]["binding_id"] == binding_id
    assert browser.get("/api/family-numbers").body["family_numbers"] == []
    assert "FamilyNumberUnbound" in _events(_session_of(browser).account_id)
    with Browser(app) as theirs:
        assert theirs.register(mother).status == 201
    # AND unbinding again finds nothing
    again = browser.delete(f"/api/family-numbers/{binding_id}")
    assert again.status == 404 and again.body["code"] == "family_number_not_found"


def test_only_the_binder_can_unbind(browser, base_library, app):
    from tests.support import Browser

    real_name_user(browser, base_library)
    binding_id = browser.post("/api/family-numbers", bind_form(relative(base_library))).body["family_number"][
        "binding_id"
    ]
    with Browser(app) as stranger:
        real_name_user(stranger, base_library, name="王小明")
        assert stranger.delete(f"/api/family-numbers/{binding_id}").body["code"] == "family_number_not_found"
    assert len(browser.get("/api/family-numbers").body["family_numbers"]) == 1


def test_family_numbers_need_a_session(browser):
    assert browser.get("/api/family-numbers").body["code"] == "unauthenticated"
    assert browser.post("/api/family-numbers", {}).status == 401


# -- for other flows: the relative's identity, and the appeal's release -------------------------


def test_the_binder_gets_the_relatives_identity_while_bound(browser, base_library):
    from chalicelib.errors import HallError
    from chalicelib.flows import family_numbers as flow

    real_name_user(browser, base_library)
    mother = relative(base_library)
    binding_id = browser.post("/api/family-numbers", bind_form(mother)).body["family_number"]["binding_id"]
    seen = flow.relative_for_records(_session_of(browser), binding_id)
    assert (seen.id_number, seen.name, seen.relation) == (mother.id_number, mother.name, "parent")
    browser.delete(f"/api/family-numbers/{binding_id}")
    with pytest.raises(HallError) as refused:
        flow.relative_for_records(_session_of(browser), binding_id)
    assert refused.value.code == "family_number_not_found"


def test_release_writes_free_the_id_and_the_binder_sees_it_gone(browser, base_library):
    from pynamodb.transactions import TransactWrite

    from chalicelib.citizen_data import id_number_mac
    from chalicelib.store import family_numbers, tables

    real_name_user(browser, base_library)
    mother = relative(base_library)
    assert browser.post("/api/family-numbers", bind_form(mother)).status == 201
    assert family_numbers.release_writes("resident_id", id_number_mac(make_resident_id()), clock.now()) is None
    # WHEN an appeal (亲情号解绑) commits the release writes in its own transaction
    writes = family_numbers.release_writes("resident_id", id_number_mac(mother.id_number), clock.now())
    assert writes is not None and len(writes) == 3
    with TransactWrite(connection=tables.connection()) as tx:
        for write in writes:
            write.add_to(tx)
    # THEN the binder's list is empty, the release is in their security log, the ID is free
    assert browser.get("/api/family-numbers").body["family_numbers"] == []
    assert "FamilyNumberReleased" in _events(_session_of(browser).account_id)
    assert family_numbers.release_writes("resident_id", id_number_mac(mother.id_number), clock.now()) is None


# -- concurrency --------------------------------------------------------------------------------


def _bind_all(jobs) -> list[str]:
    """Run (session, form) binds at the same moment, in-process as the handler does; the outcomes."""
    from chalicelib.context import RequestContext
    from chalicelib.errors import HallError
    from chalicelib.flows import family_numbers as flow

    outcomes: list[str] = []
    barrier = threading.Barrier(len(jobs))

    def attempt(session, form):
        barrier.wait()
        try:
            flow.bind(session, flow.BindForm(**form), RequestContext(client_ip="198.51.100.9"))
            outcomes.append("bound")
        except HallError as exc:
            outcomes.append(exc.code)

    threads = [threading.Thread(target=attempt, args=job) for job in jobs]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return outcomes


def test_six_binds_at_once_bind_exactly_five(browser, base_library):
    real_name_user(browser, base_library)
    session = _session_of(browser)
    forms = [bind_form(relative(base_library, name)) for name in RELATIVE_NAMES[:6]]
    outcomes = _bind_all([(session, form) for form in forms])
    assert sorted(outcomes) == ["bound"] * 5 + ["family_number_limit"], outcomes
    assert len(browser.get("/api/family-numbers").body["family_numbers"]) == 5


def test_two_accounts_binding_one_id_at_once_leave_one_binder(browser, base_library, app):
    from tests.support import Browser

    mother = relative(base_library)
    real_name_user(browser, base_library)
    with Browser(app) as sibling:
        real_name_user(sibling, base_library, name="陈大明")
        outcomes = _bind_all([(_session_of(browser), bind_form(mother)), (_session_of(sibling), bind_form(mother))])
        assert sorted(outcomes) == ["bound", "family_number_taken"], outcomes
        lists = [
            browser.get("/api/family-numbers").body["family_numbers"],
            sibling.get("/api/family-numbers").body["family_numbers"],
        ]
    assert sorted(len(found) for found in lists) == [0, 1]


# -- the page -----------------------------------------------------------------------------------


def test_the_family_page_lists_the_bindings_and_needs_a_login(browser, base_library):
    assert browser.get("/user/family").status == 302
    real_name_user(browser, base_library)
    browser.post("/api/family-numbers", bind_form(relative(base_library)))
    page = browser.get("/user/family")
    assert page.status == 200
    html = page.body["_text"]
    assert "亲情号" in html and "陈*" in html and "解绑" in html and "添加亲情号" in html


def test_the_demo_seeding_binds_chen_mothers_id_to_chen_xiaoming(browser, capsys):
    from pathlib import Path

    from chalicelib.ops.__main__ import main

    assert main(["seed-demo", "--file", str(Path(__file__).resolve().parents[2] / "demo/citizens.json")]) == 0
    capsys.readouterr()
    assert browser.login_password("13800138000", "Jshall#2024").status == 200
    bound = browser.get("/api/family-numbers").body["family_numbers"]
    assert [(f["name"], f["id_number"], f["relation_label"]) for f in bound] == [("陈*", "3201**********0044", "父母")]
