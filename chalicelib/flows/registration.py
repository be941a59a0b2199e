"""The registration flow (个人用户注册).

Fields as on the manual's form: 证件类型, 证件号码, 姓名, 移动电话, 短信验证码,
密码 and 确认密码, and the agreement (《个人用户注册协议》, version and time
accepted are stored). Order matters: the form is validated first, then the SMS
code proves the caller holds the phone, and only then can the answer reveal
that an ID or phone is taken; so the form cannot probe who is registered.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Annotated

from annotated_types import MaxLen

from chalicelib import crypto, idempotency, sessions, settings
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


def register(form: RegistrationForm, ctx: RequestContext, idempotency_key: str | None = None) -> IssuedSession:
    """Register and log in. With the client's ``Idempotency-Key``, the same request sent again
    (a timeout, a double click) registers once and answers the same account, with a session of
    its own; the same key with another form is refused (``idempotency_key_reused``)."""
    valid = _validate(form, ctx)
    if idempotency_key is None:
        return _create(valid, form, ctx, accounts.new_account_id())
    id_mac = protect_id_number(valid.id_number).mac
    natural_key = f"{valid.doc_type.value}#{id_mac}"
    # The account id follows from key and ID: a retry that finds the ID held by this very id
    # (its first try committed but was not recorded as done) resumes it instead of refusing it.
    account_id = crypto.mac("registration-account", f"{natural_key}\x1f{idempotency_key}")[:32]
    issued: list[IssuedSession] = []

    def create() -> dict:
        try:
            issued.append(_create(valid, form, ctx, account_id))
        except HallError as exc:
            # The first try committed (its code is spent, the ID held by this id) but was not
            # recorded as done (the store failed just after): resume it.
            if exc.code not in ("sms_code_expired", "id_number_taken"):
                raise
            if not _created_by_this_request(valid.doc_type.value, id_mac, account_id):
                raise
            issued.append(_resume(account_id, form, ctx))
        return {"account_id": account_id}

    digest = idempotency.request_digest("registration", dataclasses.asdict(form))
    result, _ = idempotency.once(idempotency.REGISTRATION, idempotency_key, natural_key, digest, create)
    return issued[0] if issued else _resume(result["account_id"], form, ctx)


def _resume(account_id: str, form: RegistrationForm, ctx: RequestContext) -> IssuedSession:
    """A retried registration that had committed: the account it made, with a new session,
    while its password is still the one sent (as a password login would check)."""
    account = accounts.get(account_id)
    if account is None or not passwords.verify_password(account.password_hash, form.password):
        raise HallError.account_changed()
    count("RegistrationReplayed")
    logger.append_keys(account_id=account_id, event="registration replayed")
    return sessions.open_session(account, METHOD, ctx.now, ctx.client)


def _create(valid: Valid, form: RegistrationForm, ctx: RequestContext, account_id: str) -> IssuedSession:
    # The code's use commits with the account: a transaction that fails leaves it for the retry.
    code_use = codes.accept(valid.phone, SMS_PURPOSE, form.sms_code, ctx)
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
    # The account, its claims, the code's use, its first session, the Registered event and this
    # device seen on the account (登录保护's step-up): one transaction.
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
        from chalicelib.flows import login_protection

        seen = login_protection.device_writes(account_id, ctx)
        accounts.create(new, ctx.now, account_id, with_items=(sessions.stored_form(issued), event, code_use, *seen))
    except ClaimTakenError as exc:
        count("RegistrationRejected", reason=exc.claims[0])
        if "id" in exc.claims:
            raise HallError.id_number_taken() from None
        if "family" in exc.claims:
            raise HallError.family_number_bound() from None
        if "phone" in exc.claims:
            raise HallError.phone_taken() from None
        if "sms_code" in exc.claims:
            raise HallError.sms_code_expired() from None  # used meanwhile by a registration sent twice
        raise  # only the session or event written alongside failed: not the citizen's doing
    count("Registered", level=level.name)
    # Facts for the request's one log line (the middleware writes it when the answer is ready).
    logger.append_keys(
        account_id=account_id, event="account registered", auth_level=int(level), base_library=verdict.value
    )
    return issued


def _created_by_this_request(id_type: str, id_mac: str, account_id: str) -> bool:
    """Whether the ID's claim is held by ``account_id``: only a registration with the same
    Idempotency-Key and ID makes that id (a fresh registration's id is random)."""
    held = accounts.find_account_ids([accounts.id_claim_key(id_type, id_mac)])
    return account_id in held.values()
