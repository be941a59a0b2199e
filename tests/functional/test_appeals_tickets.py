"""用户申诉 → 其他: tickets with a 申诉编号, 申诉查询, and the staff API and command line."""

from __future__ import annotations

import threading

from chalicelib.ops.__main__ import main as ops
from tests.support import Browser, last_code, make_phone, messages_to

TEXT = "我的账户无法登录，提示证件号码已被注册，请帮忙核实处理。"


def _file(browser, phone, **overrides):
    sent = browser.send_code(phone, "appeal")
    assert sent.status == 200, sent.body
    form = {"category": "login", "text": TEXT, "phone": phone, "sms_code": last_code(phone), **overrides}
    return browser.post("/api/appeal-tickets", form)


def _staff(app, credential: str | None = "ok"):
    """The staff's client: no cookies, the operator credential header (dev stage)."""
    from chalicelib.flows import appeals

    staff = Browser(app)
    staff.send_csrf = False
    if credential == "ok":
        credential = appeals.operator_credential()
    if credential is not None:
        staff.extra_headers = {"X-Hall-Operator": credential}
    return staff


def test_a_ticket_gets_a_number_the_citizen_looks_up_with_the_phone(app, browser):
    # GIVEN a citizen who proved the contact phone by SMS
    phone = make_phone()
    # WHEN they file a 其他 ticket
    filed = _file(browser, phone)
    # THEN it has an 18-digit 申诉编号, is 待处理, and an SMS tells them the number
    assert filed.status == 201, filed.body
    number = filed.body["appeal_id"]
    assert len(number) == 18 and number.isdigit()
    assert filed.body["status"] == "open" and filed.body["status_label"] == "待处理"
    assert any(number in text for text in messages_to(phone))
    # AND the number with that phone finds it, from any browser
    found = Browser(app).post("/api/appeal-tickets/lookup", {"appeal_id": number, "phone": phone})
    assert found.status == 200 and found.body["category_label"] == "无法登录"
    assert [h["status"] for h in found.body["history"]] == ["open"]
    # AND another phone does not, nor does another number: the same answer for both
    other = Browser(app).post("/api/appeal-tickets/lookup", {"appeal_id": number, "phone": make_phone()})
    unknown = Browser(app).post("/api/appeal-tickets/lookup", {"appeal_id": "202601011234567890", "phone": phone})
    assert other.status == unknown.status == 404
    assert other.body["code"] == unknown.body["code"] == "appeal_not_found"


def test_a_ticket_needs_its_fields_and_a_right_code(browser):
    phone = make_phone()
    bad = _file(browser, phone, category="weather", text="太短")
    assert bad.status == 400 and set(bad.body["fields"]) == {"category", "text"}
    wrong = "000000" if last_code(phone) != "000000" else "111111"
    refused = browser.post(
        "/api/appeal-tickets", {"category": "login", "text": TEXT, "phone": phone, "sms_code": wrong}
    )
    assert refused.status == 400 and refused.body["code"] == "sms_code_invalid"


def test_tickets_from_one_phone_are_limited_per_day(browser):
    phone = make_phone()
    for _ in range(3):
        assert _file(browser, phone).status == 201
    fourth = _file(browser, phone)
    assert fourth.status == 429 and fourth.body["code"] == "rate_limited"


def test_lookups_from_one_address_are_limited(browser):
    phone = make_phone()
    form = {"appeal_id": "202601011234567890", "phone": phone}
    replies = [browser.post("/api/appeal-tickets/lookup", form) for _ in range(21)]
    assert [r.body["code"] for r in replies[:20]] == ["appeal_not_found"] * 20
    assert replies[20].status == 429 and replies[20].body["code"] == "rate_limited"


# -- staff ---------------------------------------------------------------------------------------


def test_the_staff_api_requires_the_operator_credential(app):
    for credential in (None, "not-the-credential"):
        reply = _staff(app, credential).get("/api/admin/appeals")
        assert reply.status == 401 and reply.body["code"] == "operator_required"


def test_staff_list_comment_and_resolve_a_ticket(app, browser):
    phone = make_phone()
    number = _file(browser, phone).body["appeal_id"]
    staff = _staff(app)
    # Staff list open tickets and read one, with the citizen's text; the phone stays masked.
    listed = staff.get("/api/admin/appeals?status=open")
    assert listed.status == 200 and number in [a["appeal_id"] for a in listed.body["appeals"]]
    ticket = staff.get(f"/api/admin/appeals/{number}")
    assert ticket.body["text"] == TEXT and ticket.body["phone_masked"] == f"{phone[:3]}****{phone[-4:]}"
    assert phone not in str(ticket.body)
    # A comment makes it 处理中; the citizen sees it.
    commented = staff.post(f"/api/admin/appeals/{number}/comments", {"note": "已收到，正在核实。"})
    assert commented.status == 200 and commented.body["status"] == "in_progress"
    # Resolving closes it, with an SMS to the contact phone.
    resolved = staff.post(f"/api/admin/appeals/{number}/decision", {"decision": "resolve", "note": "已核实处理。"})
    assert resolved.status == 200 and resolved.body["status"] == "resolved"
    assert any("已办结" in text for text in messages_to(phone))
    seen = Browser(app).post("/api/appeal-tickets/lookup", {"appeal_id": number, "phone": phone}).body
    assert [h["status"] for h in seen["history"]] == ["open", "in_progress", "resolved"]
    assert seen["history"][1]["note"] == "已收到，正在核实。" and seen["history"][1]["by"] == "staff"
    # A closed ticket takes no more changes.
    late = staff.post(f"/api/admin/appeals/{number}/decision", {"decision": "reject", "note": "晚了"})
    assert late.status == 409 and late.body["code"] == "appeal_closed"
    assert number not in [a["appeal_id"] for a in staff.get("/api/admin/appeals").body["appeals"]]


def test_staff_decisions_are_checked(app, browser):
    number = _file(browser, make_phone()).body["appeal_id"]
    staff = _staff(app)
    bad = staff.post(f"/api/admin/appeals/{number}/decision", {"decision": "maybe", "note": ""})
    assert bad.status == 400 and bad.body["code"] == "validation_failed"
    assert staff.get("/api/admin/appeals/202601011234567890").body["code"] == "appeal_not_found"
    assert staff.get("/api/admin/appeals?status=lost").status == 400


def test_two_staff_decisions_at_once_leave_one(app, browser):
    from chalicelib import clock
    from chalicelib.errors import HallError
    from chalicelib.flows import appeals

    number = _file(browser, make_phone()).body["appeal_id"]
    outcomes: list[str] = []
    barrier = threading.Barrier(6)

    def decide(i):
        barrier.wait()
        decision = "resolve" if i % 2 else "reject"
        try:
            appeals.staff_decide(number, appeals.DecisionForm(decision, f"意见{i}"), f"op{i}", clock.now())
            outcomes.append(decision)
        except HallError as exc:
            outcomes.append(exc.code)

    threads = [threading.Thread(target=decide, args=(i,)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len([o for o in outcomes if o in ("resolve", "reject")]) == 1, outcomes
    assert set(outcomes) - {"resolve", "reject"} <= {"appeal_closed", "appeal_conflict"}
    history = appeals.staff_get(number)["history"]
    assert history[0]["status"] == "open" and len(history) == 2


def test_the_ops_command_line_lists_comments_and_rejects(browser, capsys):
    phone = make_phone()
    number = _file(browser, phone).body["appeal_id"]
    capsys.readouterr()
    assert ops(["appeals", "list"]) == 0
    assert number in capsys.readouterr().out
    assert ops(["appeals", "comment", number, "--note", "请补充材料", "--operator", "wang"]) == 0
    assert ops(["appeals", "reject", number, "--note", "材料不全", "--operator", "wang"]) == 0
    assert ops(["appeals", "show", number]) == 0
    out = capsys.readouterr().out
    assert "rejected" in out and "ops:wang" in out and TEXT in out
    assert phone not in out
    assert ops(["appeals", "resolve", number, "--note", "x"]) == 1
    assert "appeal_closed" in capsys.readouterr().out


def test_deployed_the_staff_api_sits_behind_iam_and_trusts_only_an_iam_caller(app, monkeypatch):
    from chalice import IAMAuthorizer

    from chalicelib.errors import HallError
    from chalicelib.handlers import appeals_admin

    # Every staff route carries the IAM authorizer (API Gateway checks the SigV4 signature).
    staff_routes = {path: entries for path, entries in app.routes.items() if path.startswith("/api/admin/")}
    assert staff_routes
    for entries in staff_routes.values():
        assert all(isinstance(entry.authorizer, IAMAuthorizer) for entry in entries.values())

    class Request:
        def __init__(self, identity, headers=None):
            self.context = {"identity": identity}
            self.headers = headers or {}

    # Outside the dev stage the caller is the IAM identity API Gateway vouched for...
    monkeypatch.setenv("HALL_STAGE", "prod")
    arn = "arn:aws-cn:iam::111122223333:user/wang"
    assert appeals_admin._operator(Request({"userArn": arn})) == arn
    # ...and the local operator credential counts for nothing there.
    try:
        appeals_admin._operator(Request({}, {"x-hall-operator": "anything"}))
        raise AssertionError("a request without an IAM caller was let through")
    except HallError as exc:
        assert exc.code == "operator_required"
