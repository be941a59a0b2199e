"""The 用户申诉 flow (appeals), the four types of the manual's section 04.

证件号码被占用, 移动电话已被占用 and 亲情号解绑 begin alike: 证件类型, 证件号码 and 姓名 (and the
consent to 人脸认证) store the appeal and its flow record, counted against the ID's appeals
today before anything else is done, and start a face check of the person named (the QR the
citizen scans). The page polls the check; once it passed, the page hands its id back and the
step commits together with the check's consumption (single use, same browser):

* 证件号码被占用: 人脸识别 → 设置新密码. The account holding the ID is given to the verified
  person (store.appeals.take_over_writes); its sessions are revoked after the commit.
* 移动电话已被占用: 人脸识别 → 新手机号 + 短信验证. The phone leaves the account holding it and
  joins the appellant's account when there is one (store.appeals.bind_phone_writes).
* 亲情号解绑: 人脸认证 → 完成申诉, at once (store.family_numbers.release_writes).

Whether an ID is registered or bound is said only after 人脸认证 proved the person. 其他 is a
ticket: category, text, a contact phone proved by SMS; its 申诉编号 and that phone look it up,
and staff answer it (comment, resolve, reject: :func:`staff_comment`, :func:`staff_decide`).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Annotated

from annotated_types import MaxLen

from chalicelib import crypto, idempotency, settings
from chalicelib.citizen_data import identifier_mac, phone_mac, protect_id_number, protect_name, protect_phone
from chalicelib.clock import CHINA
from chalicelib.context import RequestContext
from chalicelib.domain import appeals as rules
from chalicelib.domain import identity, passwords
from chalicelib.domain.appeals import AppealStatus, AppealType
from chalicelib.domain.codes import Purpose, validate_sms_code
from chalicelib.domain.levels import AuthLevel
from chalicelib.errors import HallError
from chalicelib.methods.browser_binding import binding_hash
from chalicelib.methods.sms_code import codes
from chalicelib.observability import count, logger
from chalicelib.store import accounts, audit, records
from chalicelib.store import appeals as store
from chalicelib.store.errors import LimitExceededError
from chalicelib.store.lockouts import account_subject, identifier_subject

__all__ = [
    "SMS_PURPOSE",
    "AppealStartForm",
    "DecisionForm",
    "FaceForm",
    "LookupForm",
    "NoteForm",
    "PasswordForm",
    "PhoneForm",
    "Started",
    "TicketForm",
    "bind_phone",
    "check_face",
    "file_ticket",
    "lookup",
    "set_password",
    "staff_comment",
    "staff_decide",
    "staff_get",
    "staff_list",
    "start",
]

METHOD = "appeal"  # the method id in audit events
SMS_PURPOSE = Purpose.APPEAL
IDENTIFIED, VERIFIED, DONE = "identified", "verified", "done"  # the flow record's steps
CITIZEN = "citizen"


# -- forms (the request bodies; the handlers parse straight into them) ---------------------------


@dataclass(frozen=True)
class AppealStartForm:
    appeal_type: Annotated[str, MaxLen(40)]
    id_type: Annotated[str, MaxLen(40)]
    id_number: Annotated[str, MaxLen(40)]
    name: Annotated[str, MaxLen(80)]
    face_consent: bool = False


@dataclass(frozen=True)
class FaceForm:
    face_id: Annotated[str, MaxLen(64)]


@dataclass(frozen=True)
class PasswordForm:
    password: Annotated[str, MaxLen(64)]
    password_confirm: Annotated[str, MaxLen(64)]


@dataclass(frozen=True)
class PhoneForm:
    phone: Annotated[str, MaxLen(20)]
    sms_code: Annotated[str, MaxLen(10)]


@dataclass(frozen=True)
class TicketForm:
    category: Annotated[str, MaxLen(40)]
    text: Annotated[str, MaxLen(2000)]
    phone: Annotated[str, MaxLen(20)]
    sms_code: Annotated[str, MaxLen(10)]


@dataclass(frozen=True)
class LookupForm:
    appeal_id: Annotated[str, MaxLen(40)]
    phone: Annotated[str, MaxLen(20)]


@dataclass(frozen=True)
class NoteForm:
    note: Annotated[str, MaxLen(2000)]


@dataclass(frozen=True)
class DecisionForm:
    decision: Annotated[str, MaxLen(20)]
    note: Annotated[str, MaxLen(2000)]


@dataclass(frozen=True)
class Started:
    """The first step's answer: the appeal, the secret binding it to this browser, the face check."""

    appeal_id: str
    browser_secret: str
    max_age: int
    face: object  # methods.face.service.FaceStarted
    view: dict


# -- helpers ----------------------------------------------------------------------------------------


def _face():
    from chalicelib.methods.face import service

    return service


def _owner(appeal_id: str) -> str:
    return f"appeal#{appeal_id}"


def _retry_after(window_end: datetime, now: datetime) -> int:
    return max(int((window_end - now).total_seconds()) + 1, 1)


def _day_window(name: str, subject: str, limit: int, now: datetime) -> records.RateWindow:
    local = now.astimezone(CHINA)
    day_end = (local + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
    key = records.rate_window_key(name, subject[:32], local.strftime("%Y%m%d"))
    return records.RateWindow(key, limit, day_end)


def _kind_of_form(value: str) -> AppealType:
    kind = AppealType.find(value)
    if kind is None or not kind.verified_by_face:
        raise HallError.validation_failed({"appeal_type": "请选择申诉类型"})
    return kind


def _person(form: AppealStartForm, ctx: RequestContext) -> tuple[identity.DocumentType, str, str]:
    fields: dict[str, str] = {}
    doc_type, id_number, name = identity.validate_person(
        form.id_type, form.id_number, form.name, ctx.now.date(), fields
    )
    if fields:
        raise HallError.validation_failed(fields)
    return doc_type, id_number, name


def _step_name(kind: AppealType, index: int) -> str:
    return kind.steps[min(index, len(kind.steps) - 1)]


def _bound_flow(appeal_id: str, ctx: RequestContext, kind: AppealType | None = None) -> store.AppealFlow:
    """The in-progress appeal, if this browser began it and it has not expired (checked in that
    order: another browser learns nothing of its state)."""
    flow = store.get_flow(appeal_id) if appeal_id and len(appeal_id) <= 40 else None
    if flow is None or (kind is not None and flow.appeal_type != kind.value):
        raise HallError.appeal_not_found()
    if not ctx.browser_secret or not crypto.equal(binding_hash(ctx.browser_secret), flow.binding_hash):
        raise HallError.appeal_other_browser()
    if flow.expired(ctx.now):
        raise HallError.appeal_expired()
    return flow


def _require_step(flow: store.AppealFlow, step: str) -> AppealType:
    kind = AppealType(flow.appeal_type)
    if flow.step != step:
        # Which step must come first: 人脸认证 (index 1) before anything after it; the end is the end.
        if flow.step == DONE:
            raise HallError.appeal_step_invalid(_step_name(kind, len(kind.steps) - 1))
        raise HallError.appeal_step_invalid(_step_name(kind, 1))
    return kind


def _refused(exc: store.AppealRefusedError) -> HallError:
    """What a cancelled step's transaction tells the citizen, from which items were not as read."""
    if "face" in exc.labels:
        return HallError.face_check_used()
    if "flow" in exc.labels:
        # Taken meanwhile (a double submit), or expired on the way.
        return HallError.appeal_expired()
    return HallError.appeal_conflict()


def _commit(items, window: records.RateWindow | None = None) -> None:
    try:
        store.commit(items, window)
    except store.AppealRefusedError as exc:
        count("AppealRefused", reason=exc.labels[0])
        raise _refused(exc) from None


def _notify(phone_cipher_or_phone: str, text: str, *, encrypted: bool) -> None:
    """An SMS notice; a failure is logged, never the citizen's problem."""
    from chalicelib.platforms import sms

    try:
        phone = crypto.decrypt("phone", phone_cipher_or_phone) if encrypted else phone_cipher_or_phone
        sms.sender().send(phone, text)
    except Exception:
        logger.exception("appeal notice not sent")


# -- 证件号码被占用, 移动电话已被占用, 亲情号解绑: the first step -----------------------------------


def start(form: AppealStartForm, ctx: RequestContext) -> Started:
    """填写证件信息: store the appeal (counted against the ID's appeals today first) and start
    the face check of the person named. Answers alike whether or not the ID is registered."""
    kind = _kind_of_form(form.appeal_type)
    doc_type, id_number, name = _person(form, ctx)
    if form.face_consent is not True:
        raise HallError.face_consent_required()
    id_protected, name_protected = protect_id_number(id_number), protect_name(name)
    appeal_id = rules.new_appeal_id(ctx.now.astimezone(CHINA).date())
    secret = crypto.new_token()
    valid_until = ctx.now + rules.APPEAL_LIFETIME
    window = _day_window("appeal_id_day", id_protected.mac, rules.APPEALS_PER_ID_PER_DAY, ctx.now)
    new = store.NewAppeal(
        appeal_id=appeal_id,
        appeal_type=kind.value,
        binding_hash=binding_hash(secret),
        id_type=doc_type.value,
        id_number=id_protected,
        name=name_protected,
        status=AppealStatus.FILED.value,
        step=IDENTIFIED,
        valid_until=valid_until,
    )
    try:
        store.begin(new, ctx.now, window)
    except LimitExceededError:
        count("RateLimited", limit="appeal_id_day")
        raise HallError.appeal_throttled(_retry_after(window.ends_at, ctx.now)) from None
    face = _face()
    started = face.start(
        face.FacePerson(doc_type.value, id_number, name), face.FacePurpose.APPEAL, _owner(appeal_id), ctx, True
    )
    count("AppealFiled", kind=kind.value)
    logger.append_keys(event="appeal filed", appeal_type=kind.value)
    view = {
        "appeal_id": appeal_id,
        "appeal_type": kind.value,
        "step": 2,
        "step_label": kind.steps[1],
        "status": AppealStatus.FILED.value,
        "expires_at": valid_until.isoformat(),
    }
    max_age = int(rules.APPEAL_LIFETIME.total_seconds()) + 60
    return Started(appeal_id, secret, max_age, started, view)


# -- 人脸认证 passed ----------------------------------------------------------------------------


def check_face(appeal_id: str, form: FaceForm, ctx: RequestContext, face_secret: str | None) -> dict:
    """The page's face check passed: consume it with the appeal's move to its next step. For
    亲情号解绑 that step is the end: the binding is released in the same transaction."""
    flow = _bound_flow(appeal_id, ctx)
    kind = _require_step(flow, IDENTIFIED)
    face = _face()
    consumed = store.labelled(
        face.passed(form.face_id, _owner(appeal_id), face.FacePurpose.APPEAL, face_secret, ctx), "face"
    )
    if kind is AppealType.FAMILY_NUMBER_BOUND:
        return _release_family(flow, consumed, ctx)
    if kind is AppealType.ID_NUMBER_TAKEN and not _id_is_held(flow):
        raise HallError.appeal_not_needed(kind)
    verified = store.Change(ctx.now, AppealStatus.VERIFIED.value, CITIZEN)
    _commit(
        [
            consumed,
            store.flow_step(appeal_id, flow.binding_hash, ctx.now, IDENTIFIED, VERIFIED),
            store.change_write(appeal_id, 1, AppealStatus.FILED.value, verified),
        ]
    )
    count("AppealVerified", kind=kind.value)
    return {"appeal_id": appeal_id, "status": AppealStatus.VERIFIED.value, "step": 3, "step_label": kind.steps[2]}


def _id_is_held(flow: store.AppealFlow) -> bool:
    """Whether an account holds the appeal's ID: its claim alone says so (one BatchGetItem; the
    claim and its account are written together, and accounts are never deleted)."""
    key = accounts.id_claim_key(flow.id_type, flow.id_mac)
    return key in accounts.find_account_ids([key])


def _holder_of_id(flow: store.AppealFlow) -> accounts.Account | None:
    key = accounts.id_claim_key(flow.id_type, flow.id_mac)
    account_id = accounts.find_account_ids([key]).get(key)
    return accounts.get(account_id) if account_id else None


def _release_family(flow: store.AppealFlow, consumed, ctx: RequestContext) -> dict:
    from chalicelib.store import family_numbers

    kind = AppealType.FAMILY_NUMBER_BOUND
    release = family_numbers.release_writes(flow.id_type, flow.id_mac, ctx.now)
    if release is None:
        raise HallError.appeal_not_needed(kind)
    done = store.Change(ctx.now, AppealStatus.COMPLETED.value, CITIZEN, "亲情号绑定关系已解除")
    _commit(
        [
            consumed,
            store.flow_step(flow.appeal_id, flow.binding_hash, ctx.now, IDENTIFIED, DONE),
            store.change_write(flow.appeal_id, 1, AppealStatus.FILED.value, done),
            *release,
        ]
    )
    count("AppealCompleted", kind=kind.value)
    logger.append_keys(event="appeal completed", appeal_type=kind.value)
    return {"appeal_id": flow.appeal_id, "status": AppealStatus.COMPLETED.value, "step": 3, "step_label": kind.steps[2]}


# -- 证件号码被占用: 设置新密码 -----------------------------------------------------------------


def set_password(appeal_id: str, form: PasswordForm, ctx: RequestContext) -> dict:
    """The verified person takes the account holding their ID: new password, their name, level
    实人用户; its phone, links and 亲情号 let go; every session revoked."""
    flow = _bound_flow(appeal_id, ctx, AppealType.ID_NUMBER_TAKEN)
    kind = _require_step(flow, VERIFIED)
    id_number = crypto.decrypt("id_number", flow.id_cipher)
    name = crypto.decrypt("name", flow.name_cipher)
    fields = {}
    try:
        passwords.check_password(form.password, id_number=id_number, phone=None, name=name)
    except passwords.PasswordRuleError as exc:
        fields["password"] = exc.message
    if form.password != form.password_confirm:
        fields["password_confirm"] = "两次输入的密码不一致"  # noqa: S105 - a message, not a password
    if fields:
        raise HallError.validation_failed(fields)
    account = _holder_of_id(flow)
    if account is None:
        raise HallError.appeal_not_needed(kind)
    old_phone = crypto.decrypt("phone", account.phone_cipher) if account.phone_cipher else None
    events = [
        audit.event(
            account_subject(account.account_id),
            "AccountReclaimed",
            ctx.now,
            method=METHOD,
            appeal_id=appeal_id,
            phone_removed=account.phone_masked or None,
            links_removed=sorted(account.links or {}),
            family_released=len(account.family or {}),
        )
    ]
    if old_phone:
        # The previous holder's side: their phone's own security events say the account went.
        events.append(
            audit.event(
                identifier_subject(identifier_mac(old_phone)),
                "AccountReleasedByAppeal",
                ctx.now,
                method=METHOD,
                appeal_id=appeal_id,
                id_masked=account.id_masked,
            )
        )
    done = store.Change(ctx.now, AppealStatus.COMPLETED.value, CITIZEN, "账户已由证件持有人找回")
    _commit(
        [
            *store.take_over_writes(
                account,
                passwords.hash_password(form.password),
                protect_name(name),
                int(AuthLevel.REAL_PERSON),
                flow.started_at,
                ctx.now,
            ),
            store.flow_step(appeal_id, flow.binding_hash, ctx.now, VERIFIED, DONE),
            store.change_write(appeal_id, 2, AppealStatus.VERIFIED.value, done, account_id=account.account_id),
            *events,
        ]
    )
    from chalicelib.store import sessions as session_store

    revoked = session_store.delete_for_account(account.account_id)
    if old_phone:
        _notify(
            old_phone,
            "【江苏人社】您使用的网办大厅账户已由证件持有人通过用户申诉找回，本手机号已解除绑定。",
            encrypted=False,
        )
    count("AppealCompleted", kind=kind.value)
    logger.append_keys(event="appeal completed", appeal_type=kind.value, account_id=account.account_id, revoked=revoked)
    return {"appeal_id": appeal_id, "status": AppealStatus.COMPLETED.value, "step": 4, "step_label": kind.steps[3]}


# -- 移动电话已被占用: 新手机号 + 短信验证 --------------------------------------------------------


def bind_phone(appeal_id: str, form: PhoneForm, ctx: RequestContext) -> dict:
    """The phone (proved by SMS) leaves the account holding it and joins the appellant's account,
    or is simply freed when the appellant has none (they can now register with it)."""
    flow = _bound_flow(appeal_id, ctx, AppealType.PHONE_TAKEN)
    kind = _require_step(flow, VERIFIED)
    fields = {}
    phone = ""
    try:
        phone = identity.validate_phone(form.phone)
    except identity.InvalidValue as exc:
        fields["phone"] = str(exc)
    try:
        validate_sms_code(form.sms_code)
    except identity.InvalidValue as exc:
        fields["sms_code"] = str(exc)
    if fields:
        raise HallError.validation_failed(fields)
    codes.verify(phone, SMS_PURPOSE, form.sms_code, ctx)
    protected = protect_phone(phone)
    phone_key = accounts.phone_claim_key(protected.mac)
    id_key = accounts.id_claim_key(flow.id_type, flow.id_mac)
    held = accounts.find_account_ids([phone_key, id_key])
    holder = accounts.get(held[phone_key]) if phone_key in held else None
    appellant = accounts.get(held[id_key]) if id_key in held else None
    if holder is not None and appellant is not None and holder.account_id == appellant.account_id:
        raise HallError.appeal_not_needed(kind)
    events = []
    if holder is not None:
        events.append(
            audit.event(
                account_subject(holder.account_id),
                "PhoneReleased",
                ctx.now,
                method=METHOD,
                appeal_id=appeal_id,
                phone=protected.masked,
            )
        )
    if appellant is not None:
        events.append(
            audit.event(
                account_subject(appellant.account_id),
                "PhoneBound",
                ctx.now,
                method=METHOD,
                appeal_id=appeal_id,
                phone=protected.masked,
            )
        )
    note = "移动电话已绑定到申诉人账户" if appellant is not None else "移动电话已解除占用，可用于注册"
    done = store.Change(ctx.now, AppealStatus.COMPLETED.value, CITIZEN, note)
    _commit(
        [
            *store.bind_phone_writes(protected, holder, appellant, ctx.now),
            store.flow_step(appeal_id, flow.binding_hash, ctx.now, VERIFIED, DONE),
            store.change_write(
                appeal_id, 2, AppealStatus.VERIFIED.value, done, account_id=holder.account_id if holder else None
            ),
            *events,
        ]
    )
    if appellant is not None:
        # The appellant's sessions show their phone (masked): show the new one.
        from chalicelib.store import sessions as session_store

        refreshed = accounts.get(appellant.account_id)
        if refreshed is not None:
            session_store.refresh_for_account(refreshed)
    count("AppealCompleted", kind=kind.value)
    logger.append_keys(event="appeal completed", appeal_type=kind.value, phone=protected.masked)
    return {
        "appeal_id": appeal_id,
        "status": AppealStatus.COMPLETED.value,
        "step": 4,
        "step_label": kind.steps[3],
        "phone_masked": protected.masked,
        "bound_to_account": appellant is not None,
    }


# -- 其他: tickets ------------------------------------------------------------------------------


def file_ticket(form: TicketForm, ctx: RequestContext, idempotency_key: str | None = None) -> dict:
    """A 其他 ticket: the contact phone proved by SMS, counted against that phone's tickets today.
    With the client's ``Idempotency-Key``, the same ticket sent again is filed once and answered
    the same (``chalicelib/idempotency.py``); the same key with another ticket is refused."""
    fields = {}
    category = text = phone = None
    try:
        category = rules.Category(form.category)
    except ValueError:
        fields["category"] = "请选择问题类别"
    try:
        text = rules.validate_text(form.text)
    except identity.InvalidValue as exc:
        fields["text"] = str(exc)
    try:
        phone = identity.validate_phone(form.phone)
    except identity.InvalidValue as exc:
        fields["phone"] = str(exc)
    try:
        validate_sms_code(form.sms_code)
    except identity.InvalidValue as exc:
        fields["sms_code"] = str(exc)
    if fields:
        raise HallError.validation_failed(fields)
    if idempotency_key is None:
        return _file_ticket(form, category, text, phone, ctx)
    filed: list[dict] = []

    def run() -> dict:
        filed.append(_file_ticket(form, category, text, phone, ctx))
        return {"appeal_id": filed[-1]["appeal_id"]}

    digest = idempotency.request_digest("appeal_ticket", dataclasses.asdict(form))
    result, _ = idempotency.once(idempotency.APPEAL_TICKET, idempotency_key, phone_mac(phone), digest, run)
    if filed:
        return filed[0]
    appeal = store.get(result["appeal_id"])
    if appeal is None:
        raise HallError.appeal_not_found()
    return _citizen_view(appeal)


def _file_ticket(form: TicketForm, category: rules.Category, text: str, phone: str, ctx: RequestContext) -> dict:
    # The code's use commits with the ticket: a transaction that fails leaves it for the retry.
    code_use = store.labelled(codes.accept(phone, SMS_PURPOSE, form.sms_code, ctx), "sms_code")
    protected = protect_phone(phone)
    window = _day_window("appeal_phone_day", protected.mac, rules.TICKETS_PER_PHONE_PER_DAY, ctx.now)
    appeal_id = rules.new_appeal_id(ctx.now.astimezone(CHINA).date())
    try:
        appeal = store.file_ticket(
            appeal_id,
            AppealType.OTHER.value,
            AppealStatus.OPEN.value,
            category.value,
            crypto.encrypt("appeal_text", text),
            protected,
            ctx.now,
            window,
            events=(code_use,),
        )
    except LimitExceededError:
        count("RateLimited", limit="appeal_phone_day")
        raise HallError.rate_limited(_retry_after(window.ends_at, ctx.now)) from None
    except store.AppealRefusedError:
        raise HallError.sms_code_expired() from None  # the code was used meanwhile (the ticket sent twice)
    _notify(
        phone,
        f"【江苏人社】您的用户申诉已提交，申诉编号{appeal_id}，可凭申诉编号和本手机号查询处理进展。",
        encrypted=False,
    )
    count("AppealFiled", kind=AppealType.OTHER.value)
    logger.append_keys(event="appeal filed", appeal_type=AppealType.OTHER.value)
    return _citizen_view(appeal)


def lookup(form: LookupForm, ctx: RequestContext) -> dict:
    """申诉查询: a ticket by its 申诉编号 and contact phone (limited per client address)."""
    fields = {}
    appeal_id = phone = ""
    try:
        appeal_id = rules.normalize_appeal_id(form.appeal_id)
    except identity.InvalidValue as exc:
        fields["appeal_id"] = str(exc)
    try:
        phone = identity.validate_phone(form.phone)
    except identity.InvalidValue as exc:
        fields["phone"] = str(exc)
    if fields:
        raise HallError.validation_failed(fields)
    hour = ctx.now.replace(minute=0, second=0, microsecond=0)
    try:
        records.hit_rate_limit(
            "appeal_lookup_client_hour",
            crypto.mac("client_ip", ctx.client_ip)[:32],
            hour.strftime("%Y%m%d%H"),
            rules.LOOKUPS_PER_CLIENT_PER_HOUR,
            hour + timedelta(hours=1),
        )
    except LimitExceededError:
        count("RateLimited", limit="appeal_lookup_client_hour")
        raise HallError.rate_limited(_retry_after(hour + timedelta(hours=1), ctx.now)) from None
    appeal = store.get(appeal_id)
    # Under any crypto suite: a ticket filed before a switch to 国密 keeps its phone's MAC.
    phone_macs = crypto.macs("phone", phone, any_suite=True)
    if appeal is None or not appeal.phone_mac or not any(crypto.equal(appeal.phone_mac, m) for m in phone_macs):
        raise HallError.appeal_not_found()
    return _citizen_view(appeal)


def _history_view(appeal: store.Appeal) -> list[dict]:
    return [
        {
            "at": change.at.isoformat(),
            "status": change.status,
            "status_label": AppealStatus(change.status).label,
            "by": "citizen" if change.by == CITIZEN else "staff",
            "note": change.note,
        }
        for change in appeal.history
    ]


def _citizen_view(appeal: store.Appeal) -> dict:
    kind = AppealType(appeal.appeal_type)
    status = AppealStatus(appeal.status)
    view = {
        "appeal_id": appeal.appeal_id,
        "appeal_type": kind.value,
        "appeal_type_label": kind.label,
        "status": status.value,
        "status_label": status.label,
        "filed_at": appeal.filed_at.isoformat(),
        "history": _history_view(appeal),
    }
    if appeal.category:
        view["category"] = appeal.category
        view["category_label"] = rules.Category(appeal.category).label
    if appeal.phone_masked:
        view["phone_masked"] = appeal.phone_masked
    return view


# -- staff (the admin API and the ops command line) ------------------------------------------------


def staff_list(status: str | None, limit: int = 50) -> list[dict]:
    try:
        wanted = AppealStatus(status or AppealStatus.OPEN.value)
    except ValueError:
        raise HallError.validation_failed({"status": "不支持的申诉状态"}) from None
    return [_staff_view(appeal) for appeal in store.list_by_status(wanted.value, limit=min(max(limit, 1), 100))]


def _staff_view(appeal: store.Appeal, with_text: bool = False) -> dict:
    view = _citizen_view(appeal)
    view["history"] = [
        {**entry, "by": change.by} for entry, change in zip(view["history"], appeal.history, strict=True)
    ]
    view.update(
        {
            "id_masked": appeal.id_masked,
            "name_masked": appeal.name_masked,
            "account_id": appeal.account_id,
            "updated_at": appeal.updated_at.isoformat(),
        }
    )
    if with_text and appeal.text_cipher:
        view["text"] = crypto.decrypt("appeal_text", appeal.text_cipher)
    return view


def _staff_appeal(appeal_id: str) -> store.Appeal:
    try:
        appeal_id = rules.normalize_appeal_id(appeal_id)
    except identity.InvalidValue:
        raise HallError.appeal_not_found() from None
    appeal = store.get(appeal_id)
    if appeal is None:
        raise HallError.appeal_not_found()
    return appeal


def staff_get(appeal_id: str) -> dict:
    return _staff_view(_staff_appeal(appeal_id), with_text=True)


def _staff_change(appeal_id: str, status: AppealStatus, note: str, operator: str, now: datetime) -> store.Appeal:
    try:
        note = rules.validate_note(note)
    except identity.InvalidValue as exc:
        raise HallError.validation_failed({"note": str(exc)}) from None
    appeal = _staff_appeal(appeal_id)
    if appeal.appeal_type != AppealType.OTHER.value or not AppealStatus(appeal.status).staff_may_act:
        raise HallError.appeal_closed()
    allowed = tuple(s.value for s in AppealStatus if s.staff_may_act)
    try:
        return store.staff_change(appeal, allowed, store.Change(now, status.value, operator, note))
    except store.AppealRefusedError:
        # Changed since read: closed meanwhile, or another operator's comment got in first.
        current = store.get(appeal.appeal_id)
        if current is not None and not AppealStatus(current.status).staff_may_act:
            raise HallError.appeal_closed() from None
        raise HallError.appeal_conflict() from None


def staff_comment(appeal_id: str, form: NoteForm, operator: str, now: datetime) -> dict:
    """A comment the citizen sees in 申诉查询; the ticket is 处理中 from then on."""
    appeal = _staff_change(appeal_id, AppealStatus.IN_PROGRESS, form.note, operator, now)
    logger.append_keys(event="appeal commented", operator=operator)
    return _staff_view(appeal)


_DECISIONS = {"resolve": AppealStatus.RESOLVED, "reject": AppealStatus.REJECTED}


def staff_decide(appeal_id: str, form: DecisionForm, operator: str, now: datetime) -> dict:
    """办结 (resolve) or 驳回 (reject) a ticket, with the note the citizen reads; an SMS tells them."""
    status = _DECISIONS.get(form.decision)
    if status is None:
        raise HallError.validation_failed({"decision": "请选择办结或驳回"})
    appeal = _staff_change(appeal_id, status, form.note, operator, now)
    if appeal.phone_cipher:
        _notify(
            appeal.phone_cipher,
            f"【江苏人社】您的申诉（编号{appeal.appeal_id}）{status.label}，可凭申诉编号和本手机号查询处理意见。",
            encrypted=True,
        )
    count("AppealDecided", decision=status.value)
    logger.append_keys(event="appeal decided", operator=operator, decision=status.value)
    return _staff_view(appeal)


def operator_credential() -> str:
    """The dev stage's operator credential for the staff API: a keyed MAC of a fixed label under
    the stage's own keys (made per machine by ``make run``), printed by ``ops appeals credential``."""
    if not settings.get().is_dev:
        raise HallError.operator_required()
    return crypto.mac("operator_credential", "appeals-staff")[:40]
