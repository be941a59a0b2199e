"""在线办理, 办件 and 好差评 through the API.

GIVEN citizens of this test's own base library and the hall's service catalogue,
WHEN they apply for a service, the back office (its local counterpart, signing as the real one)
finishes the case, and they evaluate it,
THEN the counters of the three cards follow every change, the level and the form are enforced,
a retried application gives the same case, and an evaluation is given once, never changed.
"""

from __future__ import annotations

import threading
import uuid
from datetime import timedelta

import pytest

from chalicelib import clock
from tests.support import new_citizen

# 高校毕业生接收手续办理: 实名用户; three required fields and an optional one.
SERVICE = "JY0001"
FIELDS = {"school_or_employer": "南京大学", "major": "计算机科学与技术", "contact_phone": "13800001111"}
# 创业担保贷款申请: 实人用户.
REAL_PERSON_SERVICE = "JY0010"


def real_name_citizen(browser, base_library, name: str = "陈小明"):
    citizen = base_library(new_citizen(name=name))
    reply = browser.register(citizen)
    assert reply.status == 201 and reply.body["user"]["level"] == 2, reply.body
    return citizen


def _key() -> str:
    return uuid.uuid4().hex


def apply(browser, code: str = SERVICE, fields: dict | None = None, key: str | None = None):
    body = {"idempotency_key": key or _key(), "fields": FIELDS if fields is None else fields}
    return browser.post(f"/api/services/{code}/applications", body)


def counts(browser) -> dict:
    reply = browser.get("/api/cases")
    assert reply.status == 200, reply.body
    return {card["list"]: card["count"] for card in reply.body["cards"]}


def finish(browser, case_id: str, **overrides):
    from devtools.stubs import back_office

    return browser.post(
        "/api/back-office/callback", back_office.callback(case_id, clock.to_epoch(clock.now()), **overrides)
    )


def _session(browser):
    from chalicelib import crypto
    from chalicelib.store import sessions

    return sessions.get(crypto.hash_token(browser.cookies["hall_session"]))


# -- 在线办理 ------------------------------------------------------------------------------------


def test_an_application_makes_a_case_in_handling_with_its_number_and_counts(browser, base_library):
    real_name_citizen(browser, base_library)
    assert counts(browser) == {"handling": 0, "finished": 0, "due": 0}
    # WHEN the citizen applies with the service's form
    reply = apply(browser)
    # THEN a case is made in 办理中 with a 22-digit 办件编号, the service's name and 受理部门
    assert reply.status == 201, reply.body
    case = reply.body["case"]
    assert len(case["case_id"]) == 22 and case["case_id"].startswith("320000")
    assert case["service_name"] == "高校毕业生接收手续办理"
    assert case["department"] == "参保地公共就业人才服务机构"
    assert case["status"] == "handling" and case["status_label"] == "办理中"
    assert [h["label"] for h in case["history"]] == ["办理中"]
    assert reply.body["next"] == f"/user/cases/{case['case_id']}"
    # AND the cards count it, the 办理中 list shows it, its page shows what was filled in
    assert counts(browser) == {"handling": 1, "finished": 0, "due": 0}
    listed = browser.get("/api/cases?status=handling").body["cases"]
    assert [c["case_id"] for c in listed] == [case["case_id"]]
    assert browser.get("/api/cases?status=due").body["cases"] == []
    detail = browser.get(f"/api/cases/{case['case_id']}").body["case"]
    assert {"label": "专业", "value": "计算机科学与技术"} in detail["form"]
    page = browser.get(f"/user/cases/{case['case_id']}")
    assert page.status == 200 and "参保地公共就业人才服务机构" in page.body["_text"]


def test_lists_are_newest_first_and_paged(browser, base_library, monkeypatch):
    from chalicelib.flows.user_center import cases

    monkeypatch.setattr(cases, "PAGE_SIZE", 2)
    real_name_citizen(browser, base_library)
    made = []
    for _ in range(3):
        made.append(apply(browser).body["case"]["case_id"])
        clock.advance(timedelta(seconds=1))
    first = browser.get("/api/cases?status=handling").body
    assert [c["case_id"] for c in first["cases"]] == made[::-1][:2]
    second = browser.get(f"/api/cases?status=handling&after={first['next_after']}").body
    assert [c["case_id"] for c in second["cases"]] == made[:1]
    assert counts(browser)["handling"] == 3


def test_a_retry_with_the_same_key_answers_the_same_case(browser, base_library):
    real_name_citizen(browser, base_library)
    key = _key()
    first = apply(browser, key=key)
    again = apply(browser, key=key)
    assert first.status == 201 and again.status == 200
    assert again.body["case"]["case_id"] == first.body["case"]["case_id"]
    assert counts(browser)["handling"] == 1
    # The same key with another form is refused (nothing is made).
    other = apply(browser, key=key, fields={**FIELDS, "major": "法学"})
    assert other.status == 409 and other.body["code"] == "application_key_reused"
    assert counts(browser)["handling"] == 1


def test_retries_at_once_make_one_case(browser, base_library):
    from chalicelib.context import RequestContext
    from chalicelib.flows.user_center import cases

    real_name_citizen(browser, base_library)
    session = _session(browser)
    form = cases.ApplicationForm(idempotency_key=_key(), fields=FIELDS)
    made, barrier = [], threading.Barrier(6)

    def attempt():
        barrier.wait()
        made.append(cases.apply(session, SERVICE, form, RequestContext(client_ip="198.51.100.3")))

    threads = [threading.Thread(target=attempt) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(made) == 6
    assert len({case["case_id"] for case, _ in made}) == 1
    assert sorted(created for _, created in made) == [False] * 5 + [True]
    assert counts(browser)["handling"] == 1


def test_an_account_files_at_most_its_days_applications_even_at_once(browser, base_library, monkeypatch):
    from chalicelib.context import RequestContext
    from chalicelib.errors import HallError
    from chalicelib.flows.user_center import cases

    # GIVEN a day's limit of 3 applications per account
    monkeypatch.setenv("HALL_APPLICATIONS_DAILY_LIMIT", "3")
    citizen = real_name_citizen(browser, base_library)
    session = _session(browser)
    outcomes, barrier = [], threading.Barrier(6)

    def attempt():
        form = cases.ApplicationForm(idempotency_key=_key(), fields=FIELDS)
        barrier.wait()
        try:
            outcomes.append(cases.apply(session, SERVICE, form, RequestContext(client_ip="198.51.100.3"))[1])
        except HallError as exc:
            outcomes.append(exc.code)

    # WHEN six different applications arrive at once
    threads = [threading.Thread(target=attempt) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    # THEN three make cases and three are refused, counted before any case is made
    assert sorted(map(str, outcomes)) == ["True"] * 3 + ["application_limit"] * 3, outcomes
    assert counts(browser)["handling"] == 3
    refused = apply(browser)
    assert refused.status == 429 and refused.body["code"] == "application_limit"
    assert int(refused.headers["Retry-After"]) > 0
    # AND the next China day there is room again
    clock.advance(timedelta(days=1))
    assert browser.login_password(citizen.id_number, citizen.password).status == 200
    assert apply(browser).status == 201


def test_the_form_is_read_by_the_services_fields(browser, base_library):
    real_name_citizen(browser, base_library)
    reply = apply(browser, fields={"school_or_employer": "南京大学", "contact_phone": "12345"})
    assert reply.status == 400 and reply.body["code"] == "validation_failed"
    assert set(reply.body["fields"]) == {"major", "contact_phone"}
    no_key = browser.post(f"/api/services/{SERVICE}/applications", {"idempotency_key": "x", "fields": FIELDS})
    assert no_key.status == 400 and "idempotency_key" in no_key.body["fields"]
    assert counts(browser)["handling"] == 0
    # A service that is not a citizen's 办事 (or no service at all) cannot be applied for.
    assert apply(browser, code="NOPE9999").status == 404


def test_a_service_above_the_citizens_level_says_which_level_and_how(browser, base_library):
    real_name_citizen(browser, base_library)
    reply = apply(browser, code=REAL_PERSON_SERVICE, fields={})
    assert reply.status == 403 and reply.body["code"] == "level_too_low"
    assert reply.body["required_level_label"] == "实人用户"
    assert reply.body["upgrade_url"] == "/user/profile#real-person"
    assert counts(browser)["handling"] == 0
    page = browser.get(f"/services/{REAL_PERSON_SERVICE}/apply")
    assert page.status == 200 and "该业务需要实人用户办理" in page.body["_text"]
    assert 'data-module="case-apply"' not in page.body["_text"]
    # The page of a service within the level draws its form from the service's fields.
    form = browser.get(f"/services/{SERVICE}/apply").body["_text"]
    assert 'data-module="case-apply"' in form and "毕业院校或工作单位" in form


def test_a_registered_user_is_refused_a_real_name_service(browser):
    citizen = new_citizen()
    assert browser.register(citizen).body["user"]["level"] == 1  # not in the base library
    reply = apply(browser)
    assert reply.status == 403 and reply.body["code"] == "level_too_low"
    assert reply.body["upgrade_url"] == "/user/profile#real-name"


def test_cases_need_a_session_and_are_only_the_citizens_own(browser, base_library, app):
    from tests.support import Browser

    real_name_citizen(browser, base_library)
    case_id = apply(browser).body["case"]["case_id"]
    with Browser(app) as other:
        assert other.get("/api/cases").status == 401
        assert other.get(f"/user/cases/{case_id}").status == 302
        real_name_citizen(other, base_library, name="林晓")
        assert other.get(f"/api/cases/{case_id}").status == 404
        assert other.post(f"/api/cases/{case_id}/evaluation", {"grade": "satisfied"}).status == 404
        assert counts(other) == {"handling": 0, "finished": 0, "due": 0}


# -- the back office -------------------------------------------------------------------------------


def test_the_back_office_finishes_a_case_once_and_it_waits_for_evaluation(browser, base_library):
    real_name_citizen(browser, base_library)
    case_id = apply(browser).body["case"]["case_id"]
    reply = finish(browser, case_id)
    assert reply.status == 200, reply.body
    assert counts(browser) == {"handling": 0, "finished": 1, "due": 1}
    assert [c["case_id"] for c in browser.get("/api/cases?status=due").body["cases"]] == [case_id]
    assert [c["case_id"] for c in browser.get("/api/cases?status=finished").body["cases"]] == [case_id]
    case = browser.get(f"/api/cases/{case_id}").body["case"]
    assert case["status_label"] == "已办结" and case["due"] is True
    assert [h["label"] for h in case["history"]] == ["办理中", "已办结"]
    assert case["history"][-1]["note"] == "经审核，准予办理"
    # A second 办结 (a fresh nonce) is refused: the case is not 办理中 any more.
    again = finish(browser, case_id)
    assert again.status == 409 and again.body["code"] == "case_not_in_progress"
    assert counts(browser) == {"handling": 0, "finished": 1, "due": 1}
    assert finish(browser, "32000020240101" + "00000000").status == 404


def test_the_back_offices_callback_must_be_signed_fresh_and_new(browser, base_library):
    from cryptography.hazmat.primitives.asymmetric import rsa

    from devtools.stubs import back_office

    real_name_citizen(browser, base_library)
    case_id = apply(browser).body["case"]["case_id"]
    stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    forged = finish(browser, case_id, key=stranger)
    assert forged.status == 401 and forged.body["code"] == "back_office_callback_invalid"
    stale = back_office.callback(case_id, clock.to_epoch(clock.now()) - 600)
    assert browser.post("/api/back-office/callback", stale).body["code"] == "back_office_callback_invalid"
    body = back_office.callback(case_id, clock.to_epoch(clock.now()))
    assert browser.post("/api/back-office/callback", body).status == 200
    replay = browser.post("/api/back-office/callback", body)
    assert replay.status == 401 and replay.body["code"] == "back_office_callback_invalid"
    assert counts(browser) == {"handling": 0, "finished": 1, "due": 1}


def test_the_ops_command_finishes_a_case(browser, base_library, capsys):
    from chalicelib.ops.__main__ import main

    real_name_citizen(browser, base_library)
    case_id = apply(browser).body["case"]["case_id"]
    assert main(["cases", "finish", case_id]) == 0
    assert "已办结" in capsys.readouterr().out
    assert counts(browser) == {"handling": 0, "finished": 1, "due": 1}
    assert main(["cases", "finish", case_id]) == 1
    assert "case_not_in_progress" in capsys.readouterr().out


def test_the_dev_page_finishes_a_case(browser, base_library):
    real_name_citizen(browser, base_library)
    case_id = apply(browser).body["case"]["case_id"]
    assert browser.get(f"/dev/back-office?case={case_id}").status == 200
    reply = browser.post(f"/dev/back-office/cases/{case_id}/finish")
    assert reply.status == 200 and reply.body["status"] == "finished"
    assert counts(browser)["due"] == 1
    assert browser.post("/dev/back-office/cases/abc/finish").body["code"] == "validation_failed"


# -- 好差评 --------------------------------------------------------------------------------------


def _due_case(browser, base_library) -> str:
    real_name_citizen(browser, base_library)
    case_id = apply(browser).body["case"]["case_id"]
    assert finish(browser, case_id).status == 200
    return case_id


def test_a_case_in_handling_cannot_be_evaluated(browser, base_library):
    real_name_citizen(browser, base_library)
    case_id = apply(browser).body["case"]["case_id"]
    reply = browser.post(f"/api/cases/{case_id}/evaluation", {"grade": "satisfied"})
    assert reply.status == 409 and reply.body["code"] == "evaluation_not_due"


@pytest.mark.parametrize("grade", ["dissatisfied", "very_dissatisfied"])
def test_the_two_lowest_grades_need_a_comment(browser, base_library, grade):
    case_id = _due_case(browser, base_library)
    reply = browser.post(f"/api/cases/{case_id}/evaluation", {"grade": grade, "comment": "  "})
    assert reply.status == 400 and reply.body["code"] == "validation_failed"
    assert "请填写评价内容" in reply.body["fields"]["comment"]
    assert counts(browser)["due"] == 1
    done = browser.post(f"/api/cases/{case_id}/evaluation", {"grade": grade, "comment": "等待时间太长"})
    assert done.status == 200, done.body
    assert done.body["case"]["evaluation"]["comment"] == "等待时间太长"


def test_an_evaluation_leaves_due_and_cannot_be_changed_or_given_twice(browser, base_library):
    case_id = _due_case(browser, base_library)
    bad = browser.post(f"/api/cases/{case_id}/evaluation", {"grade": "excellent"})
    assert bad.status == 400 and "grade" in bad.body["fields"]
    # WHEN the citizen gives 满意 without a comment (optional for it)
    reply = browser.post(f"/api/cases/{case_id}/evaluation", {"grade": "satisfied"})
    assert reply.status == 200, reply.body
    assert reply.body["case"]["evaluation"]["grade_label"] == "满意"
    # THEN the case leaves 待评价 but stays in 已办结
    assert counts(browser) == {"handling": 0, "finished": 1, "due": 0}
    assert browser.get("/api/cases?status=due").body["cases"] == []
    assert [c["case_id"] for c in browser.get("/api/cases?status=finished").body["cases"]] == [case_id]
    # AND it can be neither changed nor given again
    again = browser.post(f"/api/cases/{case_id}/evaluation", {"grade": "very_dissatisfied", "comment": "改评价"})
    assert again.status == 409 and again.body["code"] == "evaluation_exists"
    assert browser.get(f"/api/cases/{case_id}").body["case"]["evaluation"]["grade"] == "satisfied"
    assert counts(browser)["due"] == 0


def test_evaluations_at_once_record_one(browser, base_library):
    from chalicelib.context import RequestContext
    from chalicelib.errors import HallError
    from chalicelib.flows.user_center import cases

    case_id = _due_case(browser, base_library)
    session = _session(browser)
    outcomes, barrier = [], threading.Barrier(6)
    grades = ["very_satisfied", "satisfied", "basically_satisfied", "very_satisfied", "satisfied", "satisfied"]

    def attempt(grade):
        barrier.wait()
        try:
            cases.evaluate(
                session, case_id, cases.EvaluationForm(grade=grade), RequestContext(client_ip="198.51.100.3")
            )
            outcomes.append("ok")
        except HallError as exc:
            outcomes.append(exc.code)

    threads = [threading.Thread(target=attempt, args=(g,)) for g in grades]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["evaluation_exists"] * 5 + ["ok"]
    assert counts(browser) == {"handling": 0, "finished": 1, "due": 0}


def test_the_user_center_home_shows_the_cards_with_their_counts(browser, base_library):
    case_id = _due_case(browser, base_library)
    apply(browser)
    home = browser.get("/user").body["_text"]
    assert 'data-testid="case-card-handling"' in home and "待评价" in home
    listed = browser.get("/user/cases?status=due").body["_text"]
    assert case_id in listed and "去评价" in listed
    page = browser.get(f"/user/cases/{case_id}").body["_text"]
    assert 'data-module="case-evaluation"' in page and "非常不满意" in page
