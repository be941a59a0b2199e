"""The prod IAM policy grants what the Lambda code calls, on exactly the template's tables, and no more.

DynamoDB calls are recorded at botocore's client (below PynamoDB, above the
wire) while a functional run walks every route and the lockout-cleanup
schedule against DynamoDB Local; each call is turned into the IAM actions and
resource ARNs AWS would authorise, and evaluated against .chalice/policy-prod.json.
"""

from __future__ import annotations

import fnmatch
import json
import re
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import botocore.client
import pytest

from chalicelib import clock, settings
from chalicelib.jobs import lockout_cleanup
from chalicelib.store.models import ALL_MODELS
from infra import build
from tests.support import new_citizen

ROOT = build.ROOT
POLICY = json.loads((ROOT / ".chalice/policy-prod.json").read_text(encoding="utf-8"))
TEMPLATE = json.loads(build.TEMPLATE_PATH.read_text(encoding="utf-8"))
PROD_PREFIX = TEMPLATE["Parameters"]["TablePrefix"]["Default"]
PARTITION = "aws-cn"
REGION = "cn-north-1"
ACCOUNT = "000000000000"
VARIABLES = {"${aws:PrincipalAccount}": ACCOUNT}


def _statements() -> list[dict]:
    return POLICY["Statement"]


def _as_list(value) -> list[str]:
    return value if isinstance(value, list) else [value]


def _resolve(pattern: str) -> str:
    for variable, value in VARIABLES.items():
        pattern = pattern.replace(variable, value)
    return pattern


def _conditions_hold(statement: dict, resource: str) -> bool:
    """The condition keys this policy uses; any other makes the statement not apply (fail closed)."""
    context = {"aws:ResourceAccount": resource.split(":")[4], "aws:PrincipalAccount": ACCOUNT}
    for operator, keys in statement.get("Condition", {}).items():
        if operator != "StringEquals":
            if operator.startswith("ForAnyValue:") and all(k.startswith("kms:") for k in keys):
                continue  # KMS alias conditions: not part of the DynamoDB checks here
            return False
        for key, expected in keys.items():
            if key not in context or context[key] != _resolve(expected):
                return False
    return True


def allowed(action: str, resource: str) -> bool:
    """IAM's Allow for identity policies: wildcards ``*`` and ``?``, and the conditions above."""
    for statement in _statements():
        if statement["Effect"] != "Allow":
            continue
        if not any(fnmatch.fnmatchcase(action.lower(), a.lower()) for a in _as_list(statement["Action"])):
            continue
        if not any(fnmatch.fnmatchcase(resource, _resolve(r)) for r in _as_list(statement["Resource"])):
            continue
        if _conditions_hold(statement, resource):
            return True
    return False


def _in_our_account(pattern: str) -> str:
    """A ``arn:...:*:*:...`` pattern as the ARN it matches in this region and account."""
    head, rest = pattern.split(":table/", 1) if ":table/" in pattern else (pattern, None)
    parts = head.split(":")
    parts[3], parts[4] = REGION, ACCOUNT
    return ":".join(parts) + (f":table/{rest}" if rest is not None else "")


def table_arn(table: str, index: str | None = None) -> str:
    arn = f"arn:{PARTITION}:dynamodb:{REGION}:{ACCOUNT}:table/{table}"
    return f"{arn}/index/{index}" if index else arn


def _template_tables() -> dict[str, list[str]]:
    """Prod table name → its index names (global and local), from the template."""
    out = {}
    for resource in TEMPLATE["Resources"].values():
        if resource["Type"] == "AWS::DynamoDB::Table":
            props = resource["Properties"]
            name = props["TableName"]["Fn::Sub"].replace("${TablePrefix}", PROD_PREFIX)
            indexes = props.get("GlobalSecondaryIndexes", []) + props.get("LocalSecondaryIndexes", [])
            out[name] = [i["IndexName"] for i in indexes]
    return out


# -- recording what the code calls ---------------------------------------------------------------


@dataclass(frozen=True)
class Grant:
    action: str
    table: str
    index: str | None = None


def _grants(operation: str, params: dict, prod_name) -> list[Grant]:
    """The IAM authorisations one DynamoDB API call needs (per AWS's DynamoDB IAM reference)."""
    if operation == "TransactWriteItems":
        kinds = {
            "Put": "PutItem",
            "Update": "UpdateItem",
            "Delete": "DeleteItem",
            "ConditionCheck": "ConditionCheckItem",
        }
        return [
            Grant(f"dynamodb:{kinds[kind]}", prod_name(body["TableName"]))
            for item in params["TransactItems"]
            for kind, body in item.items()
        ]
    if operation == "TransactGetItems":
        return [Grant("dynamodb:GetItem", prod_name(item["Get"]["TableName"])) for item in params["TransactItems"]]
    if operation in ("BatchGetItem", "BatchWriteItem"):
        return [Grant(f"dynamodb:{operation}", prod_name(table)) for table in params["RequestItems"]]
    return [Grant(f"dynamodb:{operation}", prod_name(params["TableName"]), params.get("IndexName"))]


@pytest.fixture
def recorded(monkeypatch) -> list[Grant]:
    prefix = settings.get().table_prefix + "-"
    calls: list[Grant] = []

    def prod_name(table: str) -> str:
        assert table.startswith(prefix), table
        return PROD_PREFIX + "-" + table.removeprefix(prefix)

    original = botocore.client.BaseClient._make_api_call

    def recording(self, operation_name, api_params):
        if self.meta.service_model.service_name == "dynamodb":
            calls.extend(_grants(operation_name, api_params, prod_name))
        return original(self, operation_name, api_params)

    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", recording)
    return calls


def _walk_every_flow(browser) -> None:
    """Every route and the schedule, the ways a citizen and the clock drive them."""
    for page in ("/", "/login", "/register", "/faq", "/agreement"):
        assert browser.get(page).status == 200
    citizen, other = new_citizen(), new_citizen(name="林晓")
    assert browser.register(citizen).status == 201
    assert browser.get("/api/me").status == 200
    assert browser.delete("/api/sessions/current").status in (200, 204)
    assert browser.register(other).status == 201
    browser.delete("/api/sessions/current")
    # Five wrong passwords lock the account (and send the notice); a stranger's ID locks too.
    statuses = [browser.login_password(citizen.phone, "Wrong#pass1").status for _ in range(5)]
    assert statuses[-1] == 423
    stranger = new_citizen()
    assert [browser.login_password(stranger.id_number, "Wrong#pass1").status for _ in range(5)][-1] == 423
    # SMS login still works while locked; the other citizen logs in by password after a failure.
    assert browser.login_sms(citizen.phone).status == 200
    browser.delete("/api/sessions/current")
    assert browser.login_password(other.id_number, "Wrong#pass1").status == 401
    assert browser.login_password(other.id_number, other.password).status == 200
    # 扫码登录: the page asks for a QR and polls; the app scans and confirms; the page collects;
    # another QR is cancelled, and a collected one is polled again.
    _walk_qr_login(browser, other)
    # 人脸识别: a host starts a check, the page polls, the provider's callback passes it, the host uses it.
    _walk_face_check(browser, other)
    # 账号关联 and 账号绑定: a federated login proves the account, then the link is undone.
    _walk_login_link(browser, other)
    # 用户申诉: a take-over (revoking the squatter's sessions), a ticket, staff listing and deciding it.
    _walk_appeals(browser)
    # 基本信息修改 (注册 → 实名, every session refreshed), 人脸认证 (→ 实人), 亲情号 bound and unbound.
    _walk_levels_and_family_numbers(browser)
    # 账号安全: 安全记录 (a Query), 退出其他设备 (by_account + BatchWriteItem), password and phone changed.
    _walk_account_security(browser, other)
    # 忘记密码找回 by SMS: the recovery record, its code, the last transaction, every session revoked.
    _walk_recovery(browser)
    # 在线办理, 办件 and 好差评: apply (a retry too), the lists, the back office's callback, an evaluation.
    _walk_cases(browser)
    # 收藏: added twice, listed (one Query) on a catalogue page and the API, removed twice.
    _walk_favourites(browser)
    # A registration sent twice with one Idempotency-Key (Powertools Idempotency's own table).
    _walk_idempotent_registration(browser)
    # Registration conflicts (the transaction's condition checks) answer too.
    clock.advance(timedelta(minutes=2))
    assert browser.register(new_citizen(phone=citizen.phone)).status == 409
    # The schedule, after the locks have ended.
    clock.advance(timedelta(hours=5))
    report = lockout_cleanup.run(clock.now())
    assert report.released == 2
    # 个人信息导出 and 账号注销: 身份验证, the export, a request withdrawn (by 撤销注销, by a login) and
    # one carried out by the daily job 16 days later (a Query of by_cancel_day, one transaction).
    _walk_data_rights(browser)
    # 登录保护: an authenticator bound, a password login's second step (a TOTP code, an SMS code sent),
    # a recovery code used, protection turned off.
    _walk_login_protection(browser)


def _walk_login_protection(browser) -> None:
    import pyotp

    citizen = new_citizen(name="郑安")
    clock.advance(timedelta(minutes=2))
    assert browser.register(citizen).status == 201
    assert browser.get("/user/login-protection").status == 200
    secret = browser.post("/api/account/login-protection/authenticator", {"password": citizen.password}).body["secret"]
    confirm = {"code": pyotp.TOTP(secret).at(clock.now())}
    codes = browser.post("/api/account/login-protection/authenticator/confirm", confirm).body["recovery_codes"]
    browser.delete("/api/sessions/current")
    for way in ("totp", "recovery_code"):
        clock.advance(timedelta(seconds=61))
        step = browser.login_password(citizen.phone, citizen.password).body["flow_id"]
        code = pyotp.TOTP(secret).at(clock.now()) if way == "totp" else codes[0]
        assert browser.post(f"/api/login-steps/{step}", {"way": way, "code": code}).status == 200
    assert browser.get("/api/account/login-protection").status == 200
    assert browser.post("/api/account/login-protection/disable", {"password": citizen.password}).status == 200
    assert browser.post("/api/account/login-protection/sms", {"password": citizen.password}).status == 200
    browser.delete("/api/sessions/current")
    step = browser.login_password(citizen.phone, citizen.password).body["flow_id"]
    assert browser.post(f"/api/login-steps/{step}/sms-codes").status == 200
    browser.delete("/api/sessions/current")


def _walk_data_rights(browser) -> None:
    from chalicelib.jobs import cancellations
    from tests.functional.test_data_export import INJURY, proof
    from tests.support import captcha_answer

    citizen = new_citizen(name="周敏")
    clock.advance(timedelta(minutes=2))
    assert browser.register(citizen).status == 201
    for page in ("/user/data-export", "/user/cancellation"):
        assert browser.get(page).status == 200
    assert browser.request("PUT", f"/api/favourites/{INJURY}").status == 200
    clock.advance(timedelta(seconds=61))
    challenge = browser.post("/api/captchas").body["captcha_id"]
    body = {"captcha_id": challenge, "captcha_answer": captcha_answer(challenge)}
    assert browser.post("/api/account/reauth-codes", body).status == 201
    assert browser.post("/api/account/data-export", {"proof": proof(browser, "export", citizen.password)}).status == 200
    for _ in range(2):
        cancel = {"proof": proof(browser, "cancel", citizen.password)}
        assert browser.post("/api/account/cancellation", cancel).status == 202
        assert browser.get("/api/account/cancellation").status == 200
        if _ == 0:
            assert browser.delete("/api/account/cancellation").status == 200
    browser.delete("/api/sessions/current")
    assert browser.login_sms(citizen.phone).status == 200  # withdraws it in the session's transaction
    cancel = {"proof": proof(browser, "cancel", citizen.password)}
    assert browser.post("/api/account/cancellation", cancel).status == 202
    browser.delete("/api/sessions/current")
    clock.advance(timedelta(days=16))
    assert cancellations.run(clock.now()).deleted == 1


def _walk_idempotent_registration(browser) -> None:
    from tests.support import last_code

    browser.delete("/api/sessions/current")
    clock.advance(timedelta(minutes=2))
    citizen = new_citizen(name="吴重试")
    assert browser.send_code(citizen.phone, "register").status == 200
    form = {
        "id_type": citizen.id_type,
        "id_number": citizen.id_number,
        "name": citizen.name,
        "phone": citizen.phone,
        "sms_code": last_code(citizen.phone),
        "password": citizen.password,
        "password_confirm": citizen.password,
        "agreement_accepted": True,
    }
    key = {"Idempotency-Key": "walk-registration-0123456789"}
    assert [browser.post("/api/registrations", form, headers=key).status for _ in range(2)] == [201, 201]
    browser.delete("/api/sessions/current")


def _walk_qr_login(browser, citizen) -> None:
    from tests.support import AppClient

    browser.delete("/api/sessions/current")
    with AppClient(_app()) as phone:
        phone.token = phone.login_password(citizen.id_number, citizen.password).body["token"]
        for decision, status in (("confirm", 200), ("cancel", 400)):
            qr_id = browser.post("/api/sessions", {"method": "app_qr"}).body["flow_id"]
            assert browser.post(f"/api/login-flows/{qr_id}", {"method": "app_qr"}).status == 202
            assert phone.post(f"/api/qr-logins/{qr_id}/scan").status == 200
            assert phone.post(f"/api/qr-logins/{qr_id}/{decision}").status == 200
            assert browser.post(f"/api/login-flows/{qr_id}", {"method": "app_qr"}).status == status
        assert browser.post(f"/api/qr-logins/{qr_id}/confirm").status == 403
    browser.delete("/api/sessions/current")


def _walk_account_security(browser, citizen) -> None:
    from tests.support import AppClient, captcha_answer, last_code, make_phone

    browser.delete("/api/sessions/current")
    assert browser.login_password(citizen.id_number, citizen.password).status == 200
    with AppClient(_app()) as phone:
        assert phone.login_password(citizen.id_number, citizen.password).status == 200
    assert browser.get("/user/security").status == 200
    assert browser.get("/api/account/security-events").status == 200
    assert browser.delete("/api/sessions/others").status == 200
    new_password = "Xin#mima2025"

    def post_solving_captcha(path: str, form: dict) -> int:
        # The walk's many wrong passwords from one address make the hall ask for the captcha.
        reply = browser.post(path, form)
        if reply.body.get("code") == "captcha_required":
            captcha_id = browser.post("/api/captchas").body["captcha_id"]
            reply = browser.post(path, {**form, "captcha_id": captcha_id, "captcha_answer": captcha_answer(captcha_id)})
        return reply.status

    form = {"old_password": citizen.password, "password": new_password, "password_confirm": new_password}
    assert post_solving_captcha("/api/account/password", form) == 200
    new_phone = make_phone()
    clock.advance(timedelta(minutes=2))
    assert browser.send_code(new_phone, "change_phone").status == 200
    form = {"phone": new_phone, "sms_code": last_code(new_phone), "password": new_password}
    assert post_solving_captcha("/api/account/phone", form) == 200
    assert browser.get("/user/phone").status == 200
    browser.delete("/api/sessions/current")


def _walk_login_link(browser, citizen) -> None:
    from tests.functional.test_login_link import finish, jszw_link, last_code, send_link_code

    browser.delete("/api/sessions/current")
    link_id = jszw_link(browser, citizen)
    assert browser.get(f"/login/link/{link_id}").status == 200
    assert send_link_code(browser, link_id).status == 200
    assert finish(browser, link_id, proof="sms_code", sms_code=last_code(citizen.phone)).status == 200
    assert browser.get("/api/account/links").status == 200
    assert browser.get("/user/links").status == 200
    assert browser.delete("/api/account/links/jszw").status == 200
    browser.delete("/api/sessions/current")


def _walk_face_check(browser, citizen) -> None:
    from chalicelib.context import RequestContext
    from chalicelib.methods.face import service
    from tests.face_support import commit, complete_face_check, start_face_check

    check = start_face_check(browser, citizen)
    assert browser.post(f"/api/face-checks/{check.face_id}").status == 202
    assert complete_face_check(check.face_id).status == 200
    purpose = service.FacePurpose.RECOVERY
    commit(service.passed(check.face_id, check.owner, purpose, check.browser_secret, RequestContext(now=clock.now())))


def _walk_appeals(browser) -> None:
    from tests.functional.test_appeals import _registered, _verified
    from tests.functional.test_appeals_tickets import _file, _staff
    from tests.support import Browser, make_phone

    appellant = new_citizen(name="陈小红")
    _registered(_app(), new_citizen(name="李四", id_number=appellant.id_number))
    appealing = Browser(_app())
    appeal_id, passed = _verified(appealing, appellant, "id_number_taken")
    assert passed.status == 200
    password = {"password": "Chen#Hong2025", "password_confirm": "Chen#Hong2025"}
    assert appealing.post(f"/api/appeals/{appeal_id}/password", password).status == 200
    number = _file(appealing, make_phone()).body["appeal_id"]
    staff = _staff(_app())
    assert staff.get("/api/admin/appeals").status == 200
    decision = {"decision": "resolve", "note": "已处理"}
    assert staff.post(f"/api/admin/appeals/{number}/decision", decision).status == 200


def _walk_levels_and_family_numbers(browser) -> None:
    import json
    import os
    import tempfile

    from tests.face_support import complete_face_check

    citizen, mother = new_citizen(name="钱多多"), new_citizen(name="钱母亲")
    saved = os.environ.get("HALL_LOCAL_BASE_LIBRARY_PATH")
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "citizens.json")
        people = [{"name": c.name, "id_type": c.id_type, "id_number": c.id_number} for c in (citizen, mother)]
        with open(path, "w", encoding="utf-8") as f:
            json.dump({"base_library": people}, f, ensure_ascii=False)
        os.environ["HALL_LOCAL_BASE_LIBRARY_PATH"] = path
        try:
            browser.delete("/api/sessions/current")
            assert browser.register(citizen, name="钱多").status == 201
            assert browser.post("/api/profile/name", {"name": citizen.name}).status == 200
            assert browser.get("/user/profile").status == 200
            form = {"name": mother.name, "id_type": "resident_id", "id_number": mother.id_number, "relation": "parent"}
            binding = browser.post("/api/family-numbers", form).body["family_number"]
            assert browser.get("/api/family-numbers").status == 200
            assert browser.get("/user/family").status == 200
            assert browser.delete(f"/api/family-numbers/{binding['binding_id']}").status == 200
            face_id = browser.post("/api/profile/face-checks", {"face_consent": True}).body["face"]["face_id"]
            assert complete_face_check(face_id).status == 200
            assert browser.post(f"/api/profile/face-checks/{face_id}/complete", {}).status == 200
        finally:
            if saved is None:
                os.environ.pop("HALL_LOCAL_BASE_LIBRARY_PATH", None)
            else:
                os.environ["HALL_LOCAL_BASE_LIBRARY_PATH"] = saved
            browser.delete("/api/sessions/current")


def _walk_favourites(browser) -> None:
    browser.delete("/api/sessions/current")
    clock.advance(timedelta(minutes=2))
    assert browser.register(new_citizen(name="周收藏")).status == 201
    for _ in range(2):
        assert browser.request("PUT", "/api/favourites/SB0001").status == 200
    assert browser.get("/hall/personal").status == 200
    assert browser.get("/api/favourites").status == 200
    for _ in range(2):
        assert browser.delete("/api/favourites/SB0001").status == 200
    browser.delete("/api/sessions/current")
    # 公示公告: published (as the ops command does), listed and read.
    from chalicelib.flows import notices

    notice = notices.publish("系统维护公告", "本周六夜间系统维护。", "江苏省人力资源和社会保障厅", clock.now())
    assert browser.get("/hall/notices").status == 200
    assert browser.get(f"/hall/notices/{notice.notice_id}").status == 200


def _walk_recovery(browser) -> None:
    import re

    from tests.support import captcha_answer, messages_to

    citizen = new_citizen(name="赵敏")  # its own account: the walk's locks stay for the cleanup to release
    assert browser.register(citizen).status == 201

    def solved() -> dict:
        captcha_id = browser.post("/api/captchas").body["captcha_id"]
        return {"captcha_id": captcha_id, "captcha_answer": captcha_answer(captcha_id)}

    browser.delete("/api/sessions/current")
    form = {"id_type": citizen.id_type, "id_number": citizen.id_number, "name": citizen.name, **solved()}
    assert browser.post("/api/recoveries", form).status == 201
    clock.advance(timedelta(minutes=2))  # the phone's minute since its last code
    sent = browser.post("/api/recoveries/current/sms-codes", {"phone": citizen.phone, **solved()})
    assert sent.status == 200, sent.body
    code = next(m.group(1) for t in messages_to(citizen.phone) if (m := re.search(r"找回密码验证码为(\d{6})", t)))
    verified = browser.post("/api/recoveries/current/sms-verification", {"phone": citizen.phone, "sms_code": code})
    assert verified.status == 200, verified.body
    new = "Recover#2025ok"
    done = browser.post("/api/recoveries/current/password", {"password": new, "password_confirm": new})
    assert done.status == 200, done.body


def _walk_cases(browser) -> None:
    from tests.functional.test_cases import FIELDS, SERVICE, finish

    citizen = new_citizen(name="孙丽")
    with _base_library_of(citizen):
        assert browser.register(citizen).status == 201
    body = {"idempotency_key": "walk-cases-0123456789", "fields": FIELDS}
    case_id = browser.post(f"/api/services/{SERVICE}/applications", body).body["case"]["case_id"]
    assert browser.post(f"/api/services/{SERVICE}/applications", body).status == 200
    for status in ("handling", "finished", "due"):
        assert browser.get(f"/api/cases?status={status}").status == 200
    assert browser.get("/user").status == 200
    assert browser.get(f"/services/{SERVICE}/apply").status == 200
    assert finish(browser, case_id).status == 200
    assert browser.get(f"/user/cases/{case_id}").status == 200
    assert browser.post(f"/api/cases/{case_id}/evaluation", {"grade": "satisfied"}).status == 200
    assert browser.post(f"/api/cases/{case_id}/evaluation", {"grade": "satisfied"}).status == 409
    browser.delete("/api/sessions/current")


def _base_library_of(citizen):
    """The base library holding ``citizen`` for a while (so they register as 实名用户)."""
    import json
    import os
    import tempfile
    from contextlib import contextmanager

    @contextmanager
    def holding():
        saved = os.environ.get("HALL_LOCAL_BASE_LIBRARY_PATH")
        with tempfile.TemporaryDirectory() as folder:
            path = os.path.join(folder, "citizens.json")
            person = {"name": citizen.name, "id_type": citizen.id_type, "id_number": citizen.id_number}
            with open(path, "w", encoding="utf-8") as f:
                json.dump({"base_library": [person]}, f, ensure_ascii=False)
            os.environ["HALL_LOCAL_BASE_LIBRARY_PATH"] = path
            try:
                yield
            finally:
                if saved is None:
                    os.environ.pop("HALL_LOCAL_BASE_LIBRARY_PATH", None)
                else:
                    os.environ["HALL_LOCAL_BASE_LIBRARY_PATH"] = saved

    return holding()


def _app():
    from app import app

    return app


@pytest.fixture
def flow_grants(browser, recorded) -> set[Grant]:
    _walk_every_flow(browser)
    assert recorded, "the recorder saw no DynamoDB call"
    return set(recorded)


# -- the checks ------------------------------------------------------------------------------------


def test_every_dynamodb_call_of_the_flows_is_allowed(flow_grants):
    denied = sorted(
        (g.action, table_arn(g.table, g.index))
        for g in flow_grants
        if not allowed(g.action, table_arn(g.table, g.index))
    )
    assert denied == []


def test_the_policy_grants_no_dynamodb_action_or_query_target_the_code_does_not_use(flow_grants):
    granted_actions = {a for s in _statements() for a in _as_list(s["Action"]) if a.startswith("dynamodb:")}
    assert granted_actions == {g.action for g in flow_grants}
    granted_queries = {
        _in_our_account(r)
        for s in _statements()
        if "dynamodb:Query" in _as_list(s["Action"])
        for r in _as_list(s["Resource"])
    }
    assert granted_queries == {table_arn(g.table, g.index) for g in flow_grants if g.action == "dynamodb:Query"}


def test_the_policy_names_exactly_the_templates_tables_and_indexes():
    tables = _template_tables()
    assert len(tables) == len(ALL_MODELS)
    known = {table_arn(t) for t in tables} | {table_arn(t, i) for t, indexes in tables.items() for i in indexes}
    dynamodb_statements = [s for s in _statements() if any(a.startswith("dynamodb:") for a in _as_list(s["Action"]))]
    named = {r for s in dynamodb_statements for r in _as_list(s["Resource"])}
    assert {_in_our_account(r) for r in named} <= known, named
    # Only region and account are wildcards, and the account is pinned to the function's own.
    assert all(r.startswith(f"arn:{PARTITION}:dynamodb:*:*:table/") for r in named)
    assert not any("*" in r.split(":table/", 1)[1] or "?" in r for r in named)
    for statement in dynamodb_statements:
        assert statement["Condition"] == {"StringEquals": {"aws:ResourceAccount": "${aws:PrincipalAccount}"}}
    item_statement = next(s for s in _statements() if "dynamodb:GetItem" in _as_list(s["Action"]))
    assert {_in_our_account(r) for r in item_statement["Resource"]} == {table_arn(t) for t in tables}


def test_the_policy_evaluator_denies_what_is_not_granted():
    # The evaluator above must be able to say no, or the checks built on it prove nothing.
    some_table = next(iter(_template_tables()))
    assert allowed("dynamodb:GetItem", table_arn(some_table))
    assert not allowed("dynamodb:Scan", table_arn(some_table))
    assert not allowed("dynamodb:GetItem", table_arn("someone-elses-table"))
    assert not allowed("dynamodb:GetItem", table_arn(some_table).replace(ACCOUNT, "111122223333"))


# Calls in chalicelib/store that become DynamoDB operations → the IAM actions they need.
_STORE_CALLS = {
    r"\.get\(": {"dynamodb:GetItem"},
    r"\.save\(": {"dynamodb:PutItem"},
    r"\.update\(": {"dynamodb:UpdateItem"},
    r"\.delete\(": {"dynamodb:DeleteItem"},
    r"\.query\(": {"dynamodb:Query"},
    r"\.scan\(": {"dynamodb:Scan"},
    r"Model\.count\(": {"dynamodb:Query"},
    r"\.batch_get\(": {"dynamodb:BatchGetItem"},
    r"\.batch_write\(": {"dynamodb:BatchWriteItem"},
    r"\.condition_check\(": {"dynamodb:ConditionCheckItem"},
    r"describe_table\(|Model\.exists\(\)": {"dynamodb:DescribeTable"},
}


def test_every_kind_of_call_in_the_store_layer_has_its_action_granted():
    # A new kind of call (a Scan, a BatchWrite) that no flow above exercises yet still needs the policy.
    used: set[str] = set()
    for path in sorted((ROOT / "chalicelib/store").glob("*.py")):
        if path.name == "tables.py":
            continue  # table creation is for local stacks; AWS tables come from infra/
        source = Path(path).read_text(encoding="utf-8")
        for pattern, actions in _STORE_CALLS.items():
            if re.search(pattern, source):
                used |= actions
    granted = {a for s in _statements() for a in _as_list(s["Action"])}
    assert used - granted == set()


def test_secret_key_and_logs_are_scoped_to_the_templates_resources():
    by_sid = {s["Sid"]: s for s in _statements()}
    secret_name = TEMPLATE["Resources"]["KeysSecret"]["Properties"]["Name"]["Fn::Sub"].replace(
        "${TablePrefix}", PROD_PREFIX
    )
    # Secrets Manager appends "-" and six random characters to a secret's ARN.
    assert by_sid["KeysSecret"]["Resource"] == f"arn:{PARTITION}:secretsmanager:*:*:secret:{secret_name}-??????"
    own_account = {"aws:ResourceAccount": "${aws:PrincipalAccount}"}
    for sid in ("KeysSecret", "HallKey", "SendSms"):
        assert by_sid[sid]["Condition"]["StringEquals"] == own_account
    assert by_sid["KeysSecret"]["Action"] == ["secretsmanager:GetSecretValue"]
    alias = TEMPLATE["Resources"]["HallKeyAlias"]["Properties"]["AliasName"]["Fn::Sub"].replace(
        "${TablePrefix}", PROD_PREFIX
    )
    assert by_sid["HallKey"]["Condition"]["ForAnyValue:StringEquals"] == {"kms:ResourceAliases": alias}
    assert sorted(by_sid["HallKey"]["Action"]) == ["kms:Decrypt", "kms:GenerateDataKey"]
    assert by_sid["SendSms"]["Action"] == ["sms-voice:SendTextMessage"]
    assert sorted(by_sid["Tracing"]["Action"]) == ["xray:PutTelemetryRecords", "xray:PutTraceSegments"]
    # Only the hall's own functions' log groups (chalice deploy names them jiangsu-hall-prod...).
    assert by_sid["Logs"]["Resource"] == f"arn:{PARTITION}:logs:*:*:log-group:/aws/lambda/jiangsu-hall-prod*"
    log_groups = {
        r["Properties"]["LogGroupName"] for r in TEMPLATE["Resources"].values() if r["Type"] == "AWS::Logs::LogGroup"
    }
    assert log_groups and all(fnmatch.fnmatchcase(g, "/aws/lambda/jiangsu-hall-prod*") for g in log_groups)
    everything = {a for s in _statements() for a in _as_list(s["Action"])}
    assert not any(a.endswith("*") for a in everything)
