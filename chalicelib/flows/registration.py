"""The registration flow (个人用户注册).

Fields as on the manual's form: 证件类型, 证件号码, 姓名, 移动电话, 短信验证码,
密码 and 确认密码, and the agreement (《个人用户注册协议》, version and time
accepted are stored). Order matters: the form is validated first, then the SMS
code proves the caller holds the phone, and only then can the answer reveal
that an ID or phone is taken; so the form cannot probe who is registered.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from annotated_types import MaxLen

from chalicelib import sessions, settings
from chalicelib.citizen_data import protect_id_number, protect_name, protect_phone
from chalicelib.context import RequestContext
from chalicelib.domain import identity, passwords
from chalicelib.domain.codes import Purpose, validate_sms_code
from chalicelib.domain.levels import AuthLevel
from chalicelib.errors import HallError
from chalicelib.methods.sms_code import codes
from chalicelib.observability import count, logger
from chalicelib.platforms import base_library
from chalicelib.sessions import IssuedSession
from chalicelib.store import accounts, audit
from chalicelib.store.errors import ClaimTakenError
from chalicelib.store.lockouts import account_subject

__all__ = ["RegistrationForm", "register"]

METHOD = "registration"
SMS_PURPOSE = Purpose.REGISTER


@dataclass(frozen=True)
class RegistrationForm:
    """The manual's registration form, as the request body carries it.

    The one definition of its fields: the handler parses the body straight into it
    (pydantic reads the length bounds from the annotations, without this module
    importing it; the hall's own rules in ``_validate`` speak Chinese).
    """

    id_type: Annotated[str, MaxLen(40)]
    id_number: Annotated[str, MaxLen(40)]
    name: Annotated[str, MaxLen(80)]
    phone: Annotated[str, MaxLen(20)]
    sms_code: Annotated[str, MaxLen(10)]
    password: Annotated[str, MaxLen(64)]
    password_confirm: Annotated[str, MaxLen(64)]
    agreement_accepted: bool = False
    agreement_version: Annotated[str | None, MaxLen(20)] = None


@dataclass(frozen=True)
class Valid:
    doc_type: identity.DocumentType
    id_number: str
    name: str
    phone: str


def _validate(form: RegistrationForm, ctx: RequestContext) -> Valid:
    fields: dict[str, str] = {}
    doc_type, id_number, name = identity.validate_person(
        form.id_type, form.id_number, form.name, ctx.now.date(), fields
    )
    phone = ""
    try:
        phone = identity.validate_phone(form.phone)
    except identity.InvalidValue as exc:
        fields["phone"] = str(exc)
    try:
        passwords.check_password(form.password, id_number=id_number or None, phone=phone or None, name=name or None)
    except passwords.PasswordRuleError as exc:
        fields["password"] = exc.message
    if form.password != form.password_confirm:
        fields["password_confirm"] = "两次输入的密码不一致"  # noqa: S105 - a message, not a password
    try:
        validate_sms_code(form.sms_code)  # reported with the other fields; verify() checks it again
    except identity.InvalidValue as exc:
        fields["sms_code"] = str(exc)
    current = settings.get().agreement_version
    if not form.agreement_accepted or (form.agreement_version not in (None, current)):
        fields["agreement"] = "请阅读并同意《个人用户注册协议》"
    if fields:
        raise HallError.validation_failed(fields)
    return Valid(doc_type, id_number, name, phone)


def register(form: RegistrationForm, ctx: RequestContext) -> IssuedSession:
    valid = _validate(form, ctx)
    codes.verify(valid.phone, SMS_PURPOSE, form.sms_code, ctx)
    verdict = base_library.library().verify(valid.doc_type.value, valid.id_number, valid.name)
    level = AuthLevel.REAL_NAME if verdict is base_library.Verdict.MATCH else AuthLevel.REGISTERED
    new = accounts.NewAccount(
        id_type=valid.doc_type.value,
        id_number=protect_id_number(valid.id_number),
        name=protect_name(valid.name),
        phone=protect_phone(valid.phone),
        password_hash=passwords.hash_password(form.password),
        level=int(level),
        agreement_version=settings.get().agreement_version,
        agreement_accepted_at=ctx.now,
    )
    # The account, its claims, its first session and the Registered event: one transaction.
    account_id = accounts.new_account_id()
    issued = sessions.prepare(accounts.preview(new, account_id, ctx.now), METHOD, ctx.now, ctx.client)
    event = audit.event(
        account_subject(account_id),
        "Registered",
        ctx.now,
        method=METHOD,
        level=int(level),
        base_library=verdict.value,
        id_type=valid.doc_type.value,
    )
    try:
        accounts.create(new, ctx.now, account_id, with_items=(sessions.stored_form(issued), event))
    except ClaimTakenError as exc:
        count("RegistrationRejected", reason=exc.claims[0])
        if "id" in exc.claims:
            raise HallError.id_number_taken() from None
        if "family" in exc.claims:
            raise HallError.family_number_bound() from None
        if "phone" in exc.claims:
            raise HallError.phone_taken() from None
        raise  # only the session or event written alongside failed: not the citizen's doing
    count("Registered", level=level.name)
    # Facts for the request's one log line (the middleware writes it when the answer is ready).
    logger.append_keys(
        account_id=account_id, event="account registered", auth_level=int(level), base_library=verdict.value
    )
    return issued
