"""The citizen's data rights: 个人信息导出 and 账号注销 (PIPL arts. 45 and 47).

Both start with 身份验证 (re-authentication) for one purpose: the account's password, checked
exactly as login checks it (``methods.password.login.check_account_password``: the try reserved
before the verify, the lock, the captcha), or, for an account without a password, an SMS code
sent only to its bound phone (purpose ``reauth``). It answers a random proof, stored as a hash in
the flows table for five minutes (``store/reauth_proofs.py``), spent by one conditional update:

- 个人信息导出: the proof spent, then the citizen's own data as one JSON document (their own
  name, ID number and phone unmasked; 亲情号 masked: those are other people), audited.
- 账号注销: the proof spent in the transaction that marks the account pending deletion in 15 days
  (``store/cancellations.py``), audited; the other sessions end and the bound phone is told.
  撤销注销, or any login of the account (:func:`on_login`, in the session's own transaction),
  withdraws it. The daily job (``jobs/cancellations.py``) deletes what is due.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated

from annotated_types import MaxLen

from chalicelib import crypto
from chalicelib.citizen_data import reveal_id_number, reveal_name
from chalicelib.clock import CHINA
from chalicelib.context import RequestContext
from chalicelib.domain import data_rights as rules
from chalicelib.domain import identity, levels
from chalicelib.domain import links as link_rules
from chalicelib.domain.codes import Purpose, validate_sms_code
from chalicelib.domain.security_events import event_label, method_label
from chalicelib.errors import HallError
from chalicelib.observability import count, logger
from chalicelib.platforms import sms
from chalicelib.sessions import SessionRecord
from chalicelib.store import account_settings, accounts, audit, cancellations, reauth_proofs
from chalicelib.store import sessions as session_store
from chalicelib.store.lockouts import account_subject

__all__ = [
    "WITHDRAWN_PAGE",
    "CancellationStatus",
    "Proof",
    "ReauthCodeForm",
    "ReauthForm",
    "UseProofForm",
    "export",
    "on_login",
    "page_state",
    "reauthenticate",
    "request_cancellation",
    "send_reauth_code",
    "status",
    "withdraw",
]

METHOD = "data_rights"
SMS_PURPOSE = Purpose.REAUTH
# Where a login that withdrew a pending 注销 sends the browser: the page says so.
WITHDRAWN_PAGE = "/user/cancellation?withdrawn=1"
NOTICE_CANCELLATION = (
    "【江苏人社】您已申请注销网上办事大厅账户，账户将于{day}后注销。冷静期内登录即撤销注销。如非本人操作，请立即登录。"
)
_EVENTS_MAX = 5000  # far more than a retention period's events: the export's bound


@dataclass(frozen=True)
class ReauthForm:
    """身份验证: 登录密码, or 短信验证码 (sent to the bound phone); the captcha when asked for."""

    purpose: Annotated[str, MaxLen(16)]
    password: Annotated[str | None, MaxLen(64)] = None
    sms_code: Annotated[str | None, MaxLen(10)] = None
    captcha_id: Annotated[str | None, MaxLen(64)] = None
    captcha_answer: Annotated[str | None, MaxLen(16)] = None


@dataclass(frozen=True)
class ReauthCodeForm:
    """获取验证码 for 身份验证: the graphic captcha first, as for every SMS code."""

    captcha_id: Annotated[str, MaxLen(64)]
    captcha_answer: Annotated[str, MaxLen(16)]


@dataclass(frozen=True)
class UseProofForm:
    """The proof 身份验证 answered."""

    proof: Annotated[str, MaxLen(128)]


@dataclass(frozen=True)
class Proof:
    token: str
    purpose: str
    expires_in: int


@dataclass(frozen=True)
class CancellationStatus:
    pending: bool
    cancel_after: datetime | None

    def view(self) -> dict:
        local = self.cancel_after.astimezone(CHINA) if self.cancel_after else None
        return {
            "pending": self.pending,
            "cancel_after": self.cancel_after.isoformat() if self.cancel_after else None,
            "cancel_on": local.strftime("%Y年%m月%d日 %H:%M") if local else None,
        }


def _account(session: SessionRecord) -> accounts.Account:
    account = accounts.get(session.account_id)
    if account is None:
        raise HallError.unauthenticated()
    return account


def _purpose(text: str) -> rules.ReauthPurpose:
    try:
        return rules.ReauthPurpose(text)
    except ValueError:
        raise HallError.validation_failed({"purpose": "请选择要办理的事项"}) from None


def _phone(account: accounts.Account) -> str | None:
    return crypto.decrypt("phone", account.phone_cipher) if account.phone_cipher else None


# -- 身份验证 ---------------------------------------------------------------------------------------


def send_reauth_code(session: SessionRecord, form: ReauthCodeForm, ctx: RequestContext) -> dict:
    """An SMS code for 身份验证, to the account's bound phone only (none typed)."""
    phone = _phone(_account(session))
    if phone is None:
        raise HallError.validation_failed({"sms_code": "账户未绑定移动电话，请使用登录密码验证"})
    from chalicelib.methods.sms_code import codes

    return codes.send(phone, SMS_PURPOSE, form.captcha_id, form.captcha_answer, ctx)


def reauthenticate(session: SessionRecord, form: ReauthForm, ctx: RequestContext) -> Proof:
    """Prove again that it is the account's holder: the password, or (an account without one)
    an SMS code to the bound phone. Answers a proof for ``form.purpose``, valid five minutes, once."""
    purpose = _purpose(form.purpose)
    account = _account(session)
    if account.password_hash:
        if not form.password:
            raise HallError.validation_failed({"password": "请输入登录密码"})
        from chalicelib.flows.account_settings import check_password

        checked = check_password(account.account_id, form.password, form, ctx, field="password")
        # The password was right: its try is given back (the account's check is the login's, not ours).
        account_settings.commit([w for w in checked.session_writes if w.label != "account"])
        method = "password"
    else:
        phone = _phone(account)
        if phone is None:
            raise HallError.validation_failed({"sms_code": "账户未绑定移动电话"})
        try:
            validate_sms_code(form.sms_code or "")
        except identity.InvalidValue as exc:
            raise HallError.validation_failed({"sms_code": str(exc)}) from None
        from chalicelib.methods.sms_code import codes

        codes.verify(phone, SMS_PURPOSE, form.sms_code or "", ctx)
        method = "sms"
    token = crypto.new_token()
    valid_until = ctx.now + rules.PROOF_LIFETIME
    reauth_proofs.create(crypto.hash_token(token), account.account_id, purpose.value, method, valid_until)
    count("Reauthenticated", purpose=purpose.value)
    return Proof(token, purpose.value, int(rules.PROOF_LIFETIME.total_seconds()))


def _proof_hash(proof: str) -> str:
    if not proof or len(proof) > 128:
        raise HallError.reauth_required()
    return crypto.hash_token(proof)


# -- 个人信息导出 -----------------------------------------------------------------------------------


def _china(moment: datetime | None) -> str | None:
    return moment.astimezone(CHINA).isoformat(timespec="seconds") if moment else None


def _profile(account: accounts.Account) -> dict:
    doc_type = identity.DocumentType(account.id_type) if account.id_type in _DOC_TYPES else None
    level = levels.AuthLevel(int(account.level))
    return {
        "name": reveal_name(account.name_cipher) if account.name_cipher else None,
        "id_type": account.id_type,
        "id_type_label": doc_type.label if doc_type else account.id_type,
        "id_number": reveal_id_number(account.id_cipher) if account.id_cipher else None,
        "phone": _phone(account),
        "level": int(level),
        "level_label": level.label,
        "registered_at": _china(account.created_at),
        "password_set": bool(account.password_hash),
    }


_DOC_TYPES = {t.value for t in identity.DocumentType}


def _links(account: accounts.Account) -> list[dict]:
    return [
        {"provider": provider, "label": link_rules.label(provider), "linked_at": entry.get("linked_at")}
        for provider, entry in sorted(account.links.items())
    ]


def _family(account: accounts.Account) -> list[dict]:
    from chalicelib.flows import family_numbers
    from chalicelib.store import family_numbers as family_store

    return [family_numbers.view(b) for b in family_store.bound_for_account(account)]


def _cases(account_id: str) -> list[dict]:
    from chalicelib.catalogue import services
    from chalicelib.domain import cases as case_rules
    from chalicelib.store import cases as case_store

    out = []
    for case in case_store.all_for_account(account_id):
        form = {}
        if case.form_cipher:
            values = json.loads(crypto.decrypt("case_form", case.form_cipher))
            service = services.get(case.service_code)
            labels = {f["name"]: f["label"] for f in (service.form_fields if service else ())}
            form = {labels.get(name, name): value for name, value in values.items()}
        evaluation = None
        if case.grade:
            evaluation = {
                "grade": case.grade,
                "grade_label": case_rules.Grade(case.grade).label,
                "comment": crypto.decrypt("case_comment", case.comment_cipher) if case.comment_cipher else "",
                "evaluated_at": _china(case.evaluated_at),
            }
        out.append(
            {
                "case_id": case.case_id,
                "service_code": case.service_code,
                "service_name": case.service_name,
                "department": case.department,
                "status": case.status,
                "status_label": case_rules.CaseStatus(case.status).label,
                "applied_at": _china(case.applied_at),
                "finished_at": _china(case.finished_at),
                "history": [{"at": _china(c.at), "status": c.status, "note": c.note} for c in case.history],
                "form": form,
                "evaluation": evaluation,
            }
        )
    return out


def _favourites(account_id: str) -> list[dict]:
    from chalicelib.catalogue import services
    from chalicelib.store import favourites

    out = []
    for favourite in favourites.list_for(account_id):
        service = services.get(favourite.service_code)
        out.append(
            {
                "service_code": favourite.service_code,
                "service_name": service.name if service else favourite.service_code,
                "added_at": _china(favourite.added_at),
            }
        )
    return out


def _events(account_id: str) -> list[dict]:
    subject = account_subject(account_id)
    out: list[dict] = []
    after = None
    while len(out) < _EVENTS_MAX:
        page = audit.page_for_subject(subject, limit=100, after=after)
        for item in page.events:
            out.append(
                {
                    "at": item.at,
                    "event": item.event,
                    "label": event_label(item.event),
                    "method": item.method,
                    "method_label": method_label(item.method),
                    "detail": item.detail or {},
                }
            )
        if not page.next_after:
            break
        after = page.next_after
    return out


def export(session: SessionRecord, form: UseProofForm, ctx: RequestContext) -> tuple[str, bytes]:
    """个人信息导出: the proof spent, then the citizen's data as a JSON file (name, bytes)."""
    if not reauth_proofs.spend(_proof_hash(form.proof), session.account_id, rules.ReauthPurpose.EXPORT.value, ctx.now):
        raise HallError.reauth_required()
    account = _account(session)
    document = {
        "format": rules.EXPORT_FORMAT,
        "exported_at": _china(ctx.now),
        "profile": _profile(account),
        "linked_methods": _links(account),
        "family_numbers": _family(account),
        "cases": _cases(account.account_id),
        "favourites": _favourites(account.account_id),
        "security_events": _events(account.account_id),
        "pending_cancellation": _status_of(account).view(),
    }
    audit.record(account_subject(account.account_id), "PersonalDataExported", ctx.now, method=METHOD, ip=ctx.client_ip)
    count("PersonalDataExported")
    logger.append_keys(account_id=account.account_id, event="personal data exported")
    day = ctx.now.astimezone(CHINA).strftime("%Y%m%d")
    body = json.dumps(document, ensure_ascii=False, indent=2).encode("utf-8")
    return f"personal-data-{day}.json", body


# -- 账号注销 --------------------------------------------------------------------------------------


def _status_of(account: accounts.Account) -> CancellationStatus:
    return CancellationStatus(account.cancel_after is not None, account.cancel_after)


def status(session: SessionRecord) -> CancellationStatus:
    return _status_of(_account(session))


def page_state(session: SessionRecord) -> dict:
    """What the two pages show (one read of the account): which proof to ask for, what is pending."""
    account = _account(session)
    return {
        "has_password": bool(account.password_hash),
        "phone_masked": account.phone_masked,
        "cancellation": _status_of(account).view(),
    }


def request_cancellation(session: SessionRecord, form: UseProofForm, ctx: RequestContext) -> CancellationStatus:
    """注销账号: pending deletion in 15 days, the proof spent with it; other sessions end."""
    proof_hash = _proof_hash(form.proof)
    account = _account(session)
    if account.cancel_after is not None:
        raise HallError.cancellation_pending()
    due = rules.due_at(ctx.now)
    event = audit.event(
        account_subject(account.account_id), "CancellationRequested", ctx.now, method=METHOD, ip=ctx.client_ip
    )
    proof = reauth_proofs.spend_write(proof_hash, account.account_id, rules.ReauthPurpose.CANCEL.value, ctx.now)
    try:
        cancellations.request(account, proof, due, rules.due_day(due), event, ctx.now)
    except cancellations.CancellationRefusedError as exc:
        if exc.reason == "proof":
            raise HallError.reauth_required() from None
        raise HallError.cancellation_pending() from None
    ended = session_store.delete_for_account(account.account_id, except_token_hash=session.token_hash)
    count("CancellationRequested")
    logger.append_keys(account_id=account.account_id, event="cancellation requested", sessions_ended=ended)
    phone = _phone(account)
    if phone:
        try:
            day = due.astimezone(CHINA).strftime("%Y年%m月%d日")
            sms.sender().send(phone, NOTICE_CANCELLATION.format(day=day))
        except Exception:
            logger.exception("cancellation notice failed")
    return CancellationStatus(True, due)


def withdraw(session: SessionRecord, ctx: RequestContext) -> CancellationStatus:
    """撤销注销: the pending deletion removed, audited."""
    account = _account(session)
    event = audit.event(
        account_subject(account.account_id), "CancellationWithdrawn", ctx.now, method=METHOD, ip=ctx.client_ip
    )
    if not cancellations.withdraw(account, event):
        raise HallError.cancellation_not_pending()
    count("CancellationWithdrawn", reason="withdrawn")
    return CancellationStatus(False, None)


def on_login(account: accounts.Account, session_writes: tuple, ctx: RequestContext) -> tuple[tuple, list, bool]:
    """What a login adds to its session's transaction: when the account (as the login read it)
    is pending deletion, the withdrawal and its audit event. Answers (writes, events, withdrawn);
    a login of an account with nothing pending adds nothing."""
    if account.cancel_after is None:
        return tuple(session_writes), [], False
    event = audit.event(
        account_subject(account.account_id), "CancellationWithdrawn", ctx.now, method="login", ip=ctx.client_ip
    )
    return cancellations.login_writes(account, tuple(session_writes)), [event], True
