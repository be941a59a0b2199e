"""在线办理, 办件 and 好差评: what a citizen applies for, follows and evaluates.

* 在线办理 (:func:`apply`): a 个人 办事 service from the catalogue (chalicelib.catalogue.services),
  refused with ``level_too_low`` below its level (the session's snapshot: no read); its form is
  drawn from the service's ``form_fields`` and read by chalicelib.domain.cases; the case is made
  in 办理中 with a new 办件编号. The page sends an idempotency key: the key, the case, its claim
  and the counters commit in one transaction (a conditional put of ``apply#<account>#<key>``),
  so a retry with the same key answers the same case, and the same key with another form is
  refused. Powertools Idempotency is not used: its record is written apart from the case (a crash
  between them leaves the key "in progress" with no case) and it stores the response; here the
  key and the case commit together or not at all.
* The three cards (:func:`home`): counts from the counters item (one GetItem).
* Lists and a case's page (:func:`list_cases`, :func:`case_detail`): only the citizen's own.
* 好差评 (:func:`evaluate`): once, on the five-point scale; a comment required for the two lowest.
* The back office (:func:`back_office_update`): its signed callback (chalicelib.platforms.
  back_office) moves a case 办理中 → 已办结, which puts it in 待评价.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta

from pydantic import BaseModel, ConfigDict, Field

from chalicelib import crypto
from chalicelib.clock import CHINA, to_epoch
from chalicelib.context import RequestContext
from chalicelib.domain import cases as rules
from chalicelib.domain.levels import AuthLevel, LevelShortfall, shortfall
from chalicelib.errors import HallError
from chalicelib.guards import rate_limits
from chalicelib.observability import logger
from chalicelib.store import cases as store

__all__ = [
    "ApplicationForm",
    "EvaluationForm",
    "apply",
    "apply_page",
    "back_office_update",
    "case_detail",
    "evaluate",
    "home",
    "list_cases",
    "service_for",
]

# How long a page's idempotency key keeps answering its case.
KEY_LIFETIME = timedelta(hours=24)
# How far a back-office callback's timestamp may be from the hall's clock, and how long its
# nonce is kept (past that window, so a replay inside it always finds the nonce).
CALLBACK_SKEW = timedelta(minutes=5)
PAGE_SIZE = 20


class ApplicationForm(BaseModel):
    model_config = ConfigDict(extra="ignore")

    idempotency_key: str = Field(max_length=64)  # every string field has its limit (handlers/request_limits.py)
    fields: dict = {}  # each value's limit is the service's form field's (domain/cases.validate_form)


class EvaluationForm(BaseModel):
    model_config = ConfigDict(extra="ignore")

    grade: str = Field(max_length=20)
    comment: str | None = Field(default=None, max_length=rules.COMMENT_MAX)


def _china(moment: datetime | None) -> str | None:
    return moment.astimezone(CHINA).strftime("%Y-%m-%d %H:%M") if moment else None


def service_for(code: str):
    """A 个人 办事 service of the catalogue, or ``not_found``."""
    from chalicelib.catalogue import services

    service = services.get(code) if isinstance(code, str) and len(code) <= 40 else None
    if service is None or service.kind != "办事" or service.audience != "个人":
        raise HallError.not_found()
    return service


def _department(service) -> str:
    department = (service.guide or {}).get("受理部门") or "经办机构"
    return department if isinstance(department, str) else "、".join(department)


def _form_fields(service) -> list[dict]:
    return [
        {"name": f["name"], "label": f["label"], "kind": f["kind"], "required": bool(f["required"])}
        for f in service.form_fields
    ]


# -- 在线办理 ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ApplyPage:
    service: object
    fields: list[dict]
    department: str
    missing: LevelShortfall | None


def apply_page(session, code: str) -> ApplyPage:
    """What the 在线办理 page shows: the form, or which level is missing and how to reach it."""
    service = service_for(code)
    return ApplyPage(
        service, _form_fields(service), _department(service), shortfall(session.level, AuthLevel(service.min_level))
    )


def _digest(code: str, values: dict[str, str]) -> str:
    # Keyed: the form may carry personal data, so no plain hash of it is stored.
    return crypto.mac("case_application", json.dumps([code, sorted(values.items())], ensure_ascii=False))


def apply(session, code: str, form: ApplicationForm, ctx: RequestContext) -> tuple[dict, bool]:
    """Make a case in 办理中 (or answer the one this key made): (its view, whether it is new)."""
    service = service_for(code)
    missing = shortfall(session.level, AuthLevel(service.min_level))
    if missing is not None:
        raise HallError.level_too_low(missing)
    try:
        key = rules.normalize_idempotency_key(form.idempotency_key)
    except rules.InvalidValue as exc:
        raise HallError.validation_failed({"idempotency_key": str(exc)}) from None
    now = ctx.now
    values, errors = rules.validate_form(_form_fields(service), form.fields, now.astimezone(CHINA).date())
    if errors:
        raise HallError.validation_failed(errors)
    digest = _digest(service.code, values)
    window = rate_limits.application_window(session.account_id, ctx)  # counted in the case's transaction
    for _ in range(3):
        new = store.NewCase(
            case_id=rules.new_case_id(now.astimezone(CHINA).date()),
            account_id=session.account_id,
            service_code=service.code,
            service_name=service.name,
            department=_department(service),
            form_cipher=crypto.encrypt("case_form", json.dumps(values, ensure_ascii=False)),
            applied_at=now,
            note="网上申请已提交，办理中",
            idempotency_key=key,
            request_digest=digest,
            key_valid_until=now + KEY_LIFETIME,
            window=window,
        )
        try:
            case = store.create(new)
        except store.CaseNumberTakenError:
            continue  # another case holds the number drawn: draw again
        except store.ApplicationKeyUsedError:
            return _earlier_application(session, key, digest), False
        except store.ApplicationLimitError:
            rate_limits.application_window_full(window, ctx)
        logger.append_keys(case_created=True)
        return _view(case), True
    raise HallError.internal_error()


def _earlier_application(session, key: str, digest: str) -> dict:
    stored = store.get_application(session.account_id, key)
    if stored is None or stored.request_digest != digest:
        raise HallError.application_key_reused()
    case = store.get(session.account_id, stored.case_id)
    if case is None:  # pragma: no cover - the key and its case were written together
        raise HallError.application_key_reused()
    return _view(case)


# -- reading -------------------------------------------------------------------------------------


_HISTORY_LABELS = {"handling": "办理中", "finished": "已办结", "evaluated": "已评价"}


def _view(case: store.Case, with_form: bool = False) -> dict:
    view = {
        "case_id": case.case_id,
        "service_code": case.service_code,
        "service_name": case.service_name,
        "department": case.department,
        "status": case.status,
        "status_label": rules.CaseStatus(case.status).label,
        "applied_at": _china(case.applied_at),
        "finished_at": _china(case.finished_at),
        "due": case.due,
        "url": f"/user/cases/{case.case_id}",
        "history": [
            {"at": _china(c.at), "status": c.status, "label": _HISTORY_LABELS.get(c.status, c.status), "note": c.note}
            for c in case.history
        ],
        "evaluation": None,
    }
    if case.grade:
        grade = rules.Grade(case.grade)
        view["evaluation"] = {
            "grade": grade.value,
            "grade_label": grade.label,
            "comment": crypto.decrypt("case_comment", case.comment_cipher) if case.comment_cipher else "",
            "evaluated_at": _china(case.evaluated_at),
        }
    if with_form and case.form_cipher:
        values = json.loads(crypto.decrypt("case_form", case.form_cipher))
        view["form"] = [{"label": label, "value": values[name]} for name, label in _labels(case, values)]
    return view


def _labels(case: store.Case, values: dict) -> list[tuple[str, str]]:
    """The form's field names with the labels the service gives them (the name if it no longer does)."""
    from chalicelib.catalogue import services

    service = services.get(case.service_code)
    known = {f["name"]: f["label"] for f in (service.form_fields if service else ())}
    return [(name, known.get(name, name)) for name in values]


def home(session) -> dict:
    """The three cards: 办理中, 已办结, 待评价 with their counts (one GetItem)."""
    counts = store.counts(session.account_id)
    return {
        "cards": [
            {
                "list": which.value,
                "label": which.label,
                "count": getattr(counts, which.value),
                "url": f"/user/cases?status={which.value}",
            }
            for which in rules.CaseList
        ]
    }


def _which(raw: str | None) -> rules.CaseList:
    try:
        return rules.CaseList(raw or "handling")
    except ValueError:
        raise HallError.validation_failed({"status": "请选择办理中、已办结或待评价"}) from None


def list_cases(session, which: str | None, after: str | None = None) -> dict:
    """A page of one list, newest first (one Query inside the citizen's partition)."""
    chosen = _which(which)
    page = store.list_cases(session.account_id, chosen.value, PAGE_SIZE, (after or "")[:400] or None)
    return {
        "status": chosen.value,
        "status_label": chosen.label,
        "cases": [_view(c) for c in page.cases],
        "next_after": page.next_after,
    }


def _own_case(session, case_id: str) -> store.Case:
    try:
        number = rules.normalize_case_id(case_id)
    except rules.InvalidValue:
        raise HallError.not_found() from None
    case = store.get(session.account_id, number)
    if case is None:
        raise HallError.not_found()
    return case


def case_detail(session, case_id: str) -> dict:
    """One of the citizen's own cases, with what they filled in; anyone else's is not found."""
    return _view(_own_case(session, case_id), with_form=True)


def grades() -> list[dict]:
    return [{"value": g.value, "label": g.label, "needs_comment": g.needs_comment} for g in rules.Grade]


# -- 好差评 --------------------------------------------------------------------------------------


def evaluate(session, case_id: str, form: EvaluationForm, ctx: RequestContext) -> dict:
    """Give a 待评价 case its evaluation, once (a conditional write with the counters)."""
    try:
        number = rules.normalize_case_id(case_id)
    except rules.InvalidValue:
        raise HallError.not_found() from None
    try:
        grade = rules.Grade(form.grade)
    except ValueError:
        raise HallError.validation_failed({"grade": "请选择评价等级"}) from None
    try:
        comment = rules.validate_comment(grade, form.comment)
    except rules.InvalidValue as exc:
        raise HallError.validation_failed({"comment": str(exc)}) from None
    cipher = crypto.encrypt("case_comment", comment) if comment else None
    try:
        store.evaluate(session.account_id, number, grade.value, cipher, ctx.now, note=f"评价：{grade.label}")
    except store.CaseStateError:
        # Why it was refused, read after the refused write (nothing was written).
        case = store.get(session.account_id, number)
        if case is None:
            raise HallError.not_found() from None
        if case.grade:
            raise HallError.evaluation_exists() from None
        raise HallError.evaluation_not_due() from None
    logger.append_keys(case_evaluated=grade.value)
    return _view(_own_case(session, number))


# -- the back office -----------------------------------------------------------------------------


def back_office_update(body: dict, now: datetime) -> dict:
    """The back office's signed callback: 办理中 → 已办结. Signature, timestamp and nonce are
    checked before anything is read; the nonce is spent first (a replay fails even when the rest
    does)."""
    from chalicelib.methods.signed_callbacks import SignatureInvalidError
    from chalicelib.platforms import back_office
    from chalicelib.store import callback_nonces

    platform = back_office.configured()
    if platform is None:
        raise HallError.not_found()
    try:
        update = platform.read_callback(body)
    except SignatureInvalidError as exc:
        logger.warning("back-office callback refused", extra={"reason": str(exc)})
        raise HallError.back_office_callback_invalid() from None
    if abs(to_epoch(now) - update.timestamp) > CALLBACK_SKEW.total_seconds():
        logger.warning("back-office callback refused", extra={"reason": "timestamp"})
        raise HallError.back_office_callback_invalid()
    try:
        callback_nonces.use("back_office", update.nonce, now, now + 2 * CALLBACK_SKEW)
    except callback_nonces.NonceReusedError:
        logger.warning("back-office callback refused", extra={"reason": "nonce"})
        raise HallError.back_office_callback_invalid() from None
    try:
        number = rules.normalize_case_id(update.case_id)
    except rules.InvalidValue:
        raise HallError.not_found() from None
    account_id = store.owner_of(number)
    if account_id is None:
        raise HallError.not_found()
    note = rules.clean_note(update.note) or "已办结"
    try:
        store.finish(account_id, number, now, by="back_office", note=note)
    except store.CaseStateError:
        raise HallError.case_not_in_progress() from None
    logger.append_keys(case_finished=True)
    return {"result": "ok", "case_id": number, "status": "finished"}
