"""The recovery flow (忘记密码找回): the manual's four steps.

1. 填写账号: 证件类型, 证件号码, 姓名 and the graphic captcha. The answer is the same whether
   or not an account holds that ID and whether or not the name matches it (the same reads
   are made either way); the record remembers which account matched, if any.
2. 人脸识别 (methods/face) or 短信验证 (methods/sms_code/recovery.py: 移动电话 must be the
   phone bound to the account); the citizen may switch either way until one passes.
3. 设置新密码 under the registration rule; the old password is refused. One transaction
   replaces the password (on condition of the account's version as read), spends the record,
   forgets the lockout and writes the audit event; then every session of the account is
   revoked and an SMS notice goes to the bound phone.
4. 完成修改 (the page).

A recovery is a server-side record (``recovery#<id>``, store/recoveries.py) bound to the
browser that began it: an HttpOnly cookie holds its id and a secret whose hash the record
keeps. Each step is a conditional write on the state the previous step left.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Annotated

from annotated_types import MaxLen

from chalicelib import crypto
from chalicelib.citizen_data import id_number_macs, name_matches
from chalicelib.clock import CHINA
from chalicelib.context import RequestContext
from chalicelib.domain import identity, passwords
from chalicelib.domain.recovery import LIFETIME, RecoveryState, VerifiedBy, required_state
from chalicelib.errors import HallError
from chalicelib.flows import login_protection
from chalicelib.guards import captcha, rate_limits
from chalicelib.methods import browser_binding
from chalicelib.methods.sms_code import recovery as sms_recovery
from chalicelib.observability import count, logger
from chalicelib.platforms import sms
from chalicelib.store import accounts, audit, lockouts, recoveries
from chalicelib.store import sessions as session_store
from chalicelib.store.errors import WriteRefusedError

__all__ = [
    "AccountForm",
    "PasswordForm",
    "SmsCodeForm",
    "SmsVerificationForm",
    "Started",
    "send_sms_code",
    "set_password",
    "start",
    "start_face_check",
    "verify_by_face",
    "verify_by_sms",
]

# Read when no claim matched, so that an unknown ID number costs the same reads as a known one.
_NO_ACCOUNT = "0" * 32


# -- the forms, as the request bodies carry them ----------------------------------------


@dataclass(frozen=True)
class AccountForm:
    """填写账号."""

    id_type: Annotated[str, MaxLen(40)]
    id_number: Annotated[str, MaxLen(40)]
    name: Annotated[str, MaxLen(80)]
    captcha_id: Annotated[str, MaxLen(64)] = ""
    captcha_answer: Annotated[str, MaxLen(16)] = ""


@dataclass(frozen=True)
class SmsCodeForm:
    """获取验证码 during 短信验证."""

    phone: Annotated[str, MaxLen(20)]
    captcha_id: Annotated[str, MaxLen(64)]
    captcha_answer: Annotated[str, MaxLen(16)]


@dataclass(frozen=True)
class SmsVerificationForm:
    """短信验证."""

    phone: Annotated[str, MaxLen(20)]
    sms_code: Annotated[str, MaxLen(10)]


@dataclass(frozen=True)
class PasswordForm:
    """设置新密码."""

    password: Annotated[str, MaxLen(64)]
    password_confirm: Annotated[str, MaxLen(64)]


@dataclass(frozen=True)
class Started:
    """A recovery begun: the browser's cookie value (id + secret) and what the page is told."""

    cookie_value: str
    max_age: int
    view: dict


def _view(step: str) -> dict:
    return {"step": step, "methods": [VerifiedBy.FACE.value, VerifiedBy.SMS_CODE.value]}


# -- 1. 填写账号 ---------------------------------------------------------------------------


def start(form: AccountForm, ctx: RequestContext) -> Started:
    fields: dict[str, str] = {}
    doc_type, id_number, name = identity.validate_person(
        form.id_type, form.id_number, form.name, ctx.now.date(), fields
    )
    if fields:
        raise HallError.validation_failed(fields)
    if not form.captcha_id or not form.captcha_answer:
        raise HallError.captcha_required()
    captcha.check(form.captcha_id, form.captcha_answer, ctx)
    rate_limits.recovery_per_client(ctx)

    # The same two reads whatever was typed: the ID claim, then an account (a placeholder id
    # when no claim matched). Only the record knows the outcome.
    found = accounts.find_account_ids([accounts.id_claim_key(doc_type.value, m) for m in id_number_macs(id_number)])
    account = accounts.get(next(iter(found.values()), None) or _NO_ACCOUNT)
    matched = account is not None and name_matches(account.name_mac, name)
    recovery_id = secrets.token_hex(16)
    secret = crypto.new_token()
    recoveries.create(
        recovery_id,
        browser_binding.binding_hash(secret),
        ctx.now + LIFETIME,
        id_type=doc_type.value,
        id_cipher=crypto.encrypt("id_number", id_number),
        name_cipher=crypto.encrypt("name", name),
        account_id=account.account_id if matched else None,
        phone_mac=(account.phone_mac or None) if matched else None,
    )
    count("RecoveryStarted")
    # The request's one log line; whether an account matched is not logged with the request.
    logger.append_keys(event="recovery started")
    return Started(f"{recovery_id}.{secret}", int(LIFETIME.total_seconds()), _view("verify"))


# -- reading the browser's recovery ---------------------------------------------------------


def _split(cookie_value: str | None) -> tuple[str, str]:
    recovery_id, _, secret = (cookie_value or "").partition(".")
    if not recovery_id or not secret or len(recovery_id) > 64:
        raise HallError.recovery_expired()
    return recovery_id, secret


def _load(cookie_value: str | None, step: str, ctx: RequestContext) -> tuple[recoveries.Recovery, str]:
    """The browser's recovery if it stands where ``step`` needs it, and the binding hash; else the refusal.
    The binding is checked first: another browser learns nothing of the record's state."""
    recovery_id, secret = _split(cookie_value)
    record = recoveries.get(recovery_id)
    if record is None or record.state is RecoveryState.DONE:
        raise HallError.recovery_expired()
    binding = browser_binding.binding_hash(secret)
    if not crypto.equal(binding, record.binding_hash):
        raise HallError.recovery_other_browser()
    if record.expired(ctx.now):
        raise HallError.recovery_expired()
    if record.state is not required_state(step):
        raise HallError.recovery_step_skipped()
    return record, binding


def _refused(exc: recoveries.RecoveryRefusedError) -> HallError:
    if exc.reason == "other_browser":
        return HallError.recovery_other_browser()
    if exc.reason == "state":
        return HallError.recovery_step_skipped()
    return HallError.recovery_expired()


# -- 2. 短信验证 -----------------------------------------------------------------------------


def _phone(raw: str) -> str:
    try:
        return identity.validate_phone(raw)
    except identity.InvalidValue as exc:
        raise HallError.validation_failed({"phone": str(exc)}) from None


def send_sms_code(cookie_value: str | None, form: SmsCodeForm, ctx: RequestContext) -> dict:
    record, _ = _load(cookie_value, "verify", ctx)
    phone = _phone(form.phone)
    return sms_recovery.send(record.recovery_id, record.phone_mac, phone, form.captcha_id, form.captcha_answer, ctx)


def verify_by_sms(cookie_value: str | None, form: SmsVerificationForm, ctx: RequestContext) -> dict:
    record, binding = _load(cookie_value, "verify", ctx)
    phone = _phone(form.phone)
    sms_recovery.verify(record.recovery_id, record.phone_mac, phone, form.sms_code, ctx)
    # A code sent to the bound phone proves an account matched (no code goes anywhere else).
    try:
        recoveries.mark_verified(record.recovery_id, binding, VerifiedBy.SMS_CODE.value, ctx.now)
    except recoveries.RecoveryRefusedError as exc:
        raise _refused(exc) from None
    count("RecoveryVerified", method=VerifiedBy.SMS_CODE.value)
    logger.append_keys(event="recovery verified", recovery_method=VerifiedBy.SMS_CODE.value)
    return _view("password")


# -- 2. 人脸识别 -----------------------------------------------------------------------------


def _face_person(record: recoveries.Recovery):
    from chalicelib.methods.face import service as face

    return face.FacePerson(
        id_type=record.id_type,
        id_number=crypto.decrypt("id_number", record.id_cipher),
        name=crypto.decrypt("name", record.name_cipher),
    )


def start_face_check(cookie_value: str | None, consent: bool, ctx: RequestContext):
    """A face check of the person named at 填写账号 (whether or not an account matched: the
    answer is the same), owned by this recovery. Returns the face service's ``FaceStarted``."""
    from chalicelib.methods.face import service as face

    record, _ = _load(cookie_value, "verify", ctx)
    owner = recoveries.owner_key(record.recovery_id)
    return face.start(_face_person(record), face.FacePurpose.RECOVERY, owner, ctx, consent)


def verify_by_face(cookie_value: str | None, face_id: str, face_secret: str | None, ctx: RequestContext) -> dict:
    """The face check passed for this recovery, in this browser: spend it and move on, in one transaction."""
    from chalicelib.methods.face import service as face

    record, binding = _load(cookie_value, "verify", ctx)
    owner = recoveries.owner_key(record.recovery_id)
    consume = face.passed(face_id, owner, face.FacePurpose.RECOVERY, face_secret, ctx)  # raises unless passed
    if record.account_id is None:
        # The face proved the person named; only now may the answer say no account is theirs.
        raise HallError.recovery_no_account()
    try:
        recoveries.mark_verified(record.recovery_id, binding, VerifiedBy.FACE.value, ctx.now, with_writes=(consume,))
    except recoveries.RecoveryRefusedError as exc:
        raise _refused(exc) from None
    except WriteRefusedError:
        # The face check was used (or changed) by a racing request meanwhile.
        raise HallError.face_check_used() from None
    count("RecoveryVerified", method=VerifiedBy.FACE.value)
    logger.append_keys(event="recovery verified", recovery_method=VerifiedBy.FACE.value)
    return _view("password")


# -- 3. 设置新密码 ---------------------------------------------------------------------------


def set_password(cookie_value: str | None, form: PasswordForm, ctx: RequestContext) -> dict:
    record, binding = _load(cookie_value, "password", ctx)
    account_id = record.account_id
    if account_id is None:  # cannot happen: no verification passes without an account
        raise HallError.recovery_step_skipped()
    for attempt in range(2):
        account = accounts.get(account_id)
        if account is None:
            raise HallError.recovery_expired()
        new_hash = _checked_new_password(record, account, form)
        subject = lockouts.account_subject(account_id)
        event = audit.event(subject, "PasswordRecovered", ctx.now, method=record.verified_by)
        try:
            recoveries.finish(
                record.recovery_id,
                binding,
                ctx.now,
                (
                    accounts.password_update(account, new_hash, ctx.now, recovered=True),
                    lockouts.forget(subject),
                    event,
                    *login_protection.device_writes(account_id, ctx),  # this device is seen on the account
                ),
            )
            break
        except recoveries.RecoveryRefusedError as exc:
            raise _refused(exc) from None
        except WriteRefusedError:
            # The account changed between the read and the write (its version moved): read it again.
            if attempt == 1:
                raise HallError.rate_limited(1) from None
    revoked = session_store.delete_for_account(account_id)
    _notify(account, ctx)
    count("PasswordRecovered", method=record.verified_by or "")
    logger.append_keys(
        account_id=account_id, event="password recovered", recovery_method=record.verified_by, sessions_revoked=revoked
    )
    return {"step": "done"}


def _checked_new_password(record: recoveries.Recovery, account: accounts.Account, form: PasswordForm) -> str:
    """The new password's hash, once it passes the registration rule and differs from the old one."""
    id_number = crypto.decrypt("id_number", record.id_cipher)
    name = crypto.decrypt("name", record.name_cipher)
    phone = crypto.decrypt("phone", account.phone_cipher) if account.phone_cipher else None
    fields: dict[str, str] = {}
    try:
        passwords.check_password(form.password, id_number=id_number, phone=phone, name=name)
    except passwords.PasswordRuleError as exc:
        fields["password"] = exc.message
    if form.password != form.password_confirm:
        fields["password_confirm"] = "两次输入的密码不一致"  # noqa: S105 - a message, not a password
    if fields:
        raise HallError.validation_failed(fields)
    if passwords.verify_password(account.password_hash, form.password):
        raise HallError.password_unchanged()
    return passwords.hash_password(form.password)


def _notify(account: accounts.Account, ctx: RequestContext) -> None:
    """The SMS notice to the bound phone. The password is replaced already: a failed send is logged, not raised."""
    if not account.phone_cipher:
        return
    local = ctx.now.astimezone(CHINA)
    try:
        sms.sender().send(
            crypto.decrypt("phone", account.phone_cipher),
            f"【江苏人社】您的网上办事大厅账户已于{local:%m月%d日%H:%M}通过“忘记密码”重新设置登录密码，"
            "所有设备已退出登录。如非本人操作，请立即通过“用户申诉”处理。",
        )
        count("RecoveryNoticeSent")
    except Exception:
        logger.exception("sms gateway failed", extra={"purpose": "recovery_notice"})
        count("SmsSendFailed", purpose="recovery_notice")
