"""账号安全 (account security): change the password, change or bind the phone, read one's own
安全记录, and 退出其他设备.

Every change needs the password the account has, checked exactly as password login checks it
(``methods.password.login.check_account_password``: the try is reserved before the verify, so a
wrong 原密码 counts toward the five-try lock and a locked account is refused). Then:

- 修改密码: the new password under the registration rule and not the old one; the account's
  hash replaced on condition of its version as read, with the audit event, in one transaction;
  then every other session (browsers' and apps') deleted, and an SMS notice to the bound phone.
- 修改移动电话 / 绑定移动电话: an SMS code sent to the NEW phone (purpose ``change_phone``) proves
  it; the new claim, the old claim's removal, the account's phone fields and the audit event are
  one transaction (store/account_settings.py), so of two accounts racing for one phone one wins
  (``phone_taken`` with the appeal pointer, as at registration); then every session's snapshot is
  refreshed. An account without a phone (released by an appeal) binds one the same way, with
  its password when it has one.
- 安全记录: the account's audit events, one Query a page, newest first.
- 退出其他设备: every session of the account but the current one deleted, audited.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from annotated_types import MaxLen

from chalicelib import crypto
from chalicelib.citizen_data import protect_phone, reveal_id_number, reveal_name
from chalicelib.clock import CHINA
from chalicelib.context import RequestContext
from chalicelib.domain import identity, passwords
from chalicelib.domain.codes import Purpose, validate_sms_code
from chalicelib.domain.security_events import event_label, method_label
from chalicelib.errors import HallError
from chalicelib.observability import count, logger
from chalicelib.platforms import sms
from chalicelib.sessions import SessionRecord
from chalicelib.store import account_settings, accounts, audit
from chalicelib.store import sessions as session_store
from chalicelib.store.errors import ClaimTakenError, WriteRefusedError
from chalicelib.store.lockouts import account_subject

__all__ = [
    "SMS_PURPOSE",
    "ChangePasswordForm",
    "ChangePhoneForm",
    "change_password",
    "change_phone",
    "check_password",
    "has_password",
    "revoke_other_sessions",
    "security_log",
]

SMS_PURPOSE = Purpose.CHANGE_PHONE
METHOD = "account_security"
PAGE_SIZE = 20
# An SMS text (the lint takes any name with "password" for a secret).
NOTICE_PASSWORD_CHANGED = (
    "【江苏人社】您的网上办事大厅账户登录密码已修改，其他设备已退出登录。"  # noqa: S105
    "如非本人操作，请立即通过“忘记密码”重新设置密码。"
)
NOTICE_PHONE_CHANGED = (
    "【江苏人社】您的网上办事大厅账户绑定的移动电话已修改为{phone}。如非本人操作，请通过“用户申诉”处理。"
)


@dataclass(frozen=True)
class ChangePasswordForm:
    """修改密码: 原密码, 新密码, 确认新密码 (and the captcha, when the password check asks for it)."""

    old_password: Annotated[str, MaxLen(64)]
    password: Annotated[str, MaxLen(64)]
    password_confirm: Annotated[str, MaxLen(64)]
    captcha_id: Annotated[str | None, MaxLen(64)] = None
    captcha_answer: Annotated[str | None, MaxLen(16)] = None


@dataclass(frozen=True)
class ChangePhoneForm:
    """修改移动电话 / 绑定移动电话: 登录密码, 新移动电话, 短信验证码 (sent to the new phone)."""

    phone: Annotated[str, MaxLen(20)]
    sms_code: Annotated[str, MaxLen(10)]
    password: Annotated[str | None, MaxLen(64)] = None
    captcha_id: Annotated[str | None, MaxLen(64)] = None
    captcha_answer: Annotated[str | None, MaxLen(16)] = None


def check_password(account_id: str, password: str, form, ctx: RequestContext, field: str = "old_password"):
    """The account's password checked as login checks it (``form`` carries the captcha when asked);
    a wrong one is 原密码错误 on ``field``. Every flow that asks for the password again uses this."""
    from chalicelib.methods.password.login import check_account_password

    captcha = {"captcha_id": form.captcha_id, "captcha_answer": form.captcha_answer}
    try:
        return check_account_password(account_id, password, captcha, ctx)
    except HallError as exc:
        if exc.code == "invalid_credentials":
            raise HallError.old_password_invalid(bool(exc.details.get("captcha_required")), field) from None
        raise


def _own_values(account: accounts.Account) -> dict:
    """The citizen's ID number, phone and name, for the password rule (never stored or logged)."""
    return {
        "id_number": reveal_id_number(account.id_cipher) if account.id_cipher else None,
        "phone": crypto.decrypt("phone", account.phone_cipher) if account.phone_cipher else None,
        "name": reveal_name(account.name_cipher) if account.name_cipher else None,
    }


def _notify(account: accounts.Account, text: str) -> None:
    """An SMS notice to the bound phone; a gateway failure is logged, never the citizen's problem."""
    if not account.phone_cipher:
        return
    try:
        sms.sender().send(crypto.decrypt("phone", account.phone_cipher), text)
        count("SecurityNoticeSent")
    except Exception:
        logger.exception("security notice failed")


def change_password(session: SessionRecord, form: ChangePasswordForm, ctx: RequestContext) -> int:
    """Replace the password; answers how many other sessions were ended."""
    fields: dict[str, str] = {}
    if not form.old_password:
        fields["old_password"] = "请输入原密码"  # noqa: S105 - a message, not a password
    if not form.password:
        fields["password"] = "请输入新密码"  # noqa: S105 - a message, not a password
    elif form.password != form.password_confirm:
        fields["password_confirm"] = "两次输入的密码不一致"  # noqa: S105 - a message, not a password
    if fields:
        raise HallError.validation_failed(fields)
    if form.password == form.old_password:
        raise HallError.password_unchanged()  # said before any try is spent
    checked = check_password(session.account_id, form.old_password, form, ctx)
    account = checked.account
    try:
        passwords.check_password(form.password, **_own_values(account))
    except passwords.PasswordRuleError as exc:
        # The old password was right: its try is given back (as a login with it would).
        account_settings.commit([write for write in checked.session_writes if write.label != "account"])
        raise HallError.validation_failed({"password": exc.message}) from None

    event = audit.event(
        account_subject(account.account_id), "PasswordChanged", ctx.now, method="password", ip=ctx.client_ip
    )
    items = [
        accounts.password_update(account, passwords.hash_password(form.password), ctx.now),
        *(write for write in checked.session_writes if write.label != "account"),  # not a 2nd write of the account
        event,
    ]
    try:
        account_settings.commit(items)
    except WriteRefusedError:
        raise HallError.account_changed() from None
    ended = session_store.delete_for_account(account.account_id, except_token_hash=session.token_hash)
    count("PasswordChanged")
    logger.append_keys(account_id=account.account_id, event="password changed", sessions_ended=ended)
    _notify(account, NOTICE_PASSWORD_CHANGED)
    return ended


def change_phone(session: SessionRecord, form: ChangePhoneForm, ctx: RequestContext) -> accounts.Account:
    """Bind the new phone (proved by its SMS code) in place of the old one, or as the first."""
    fields: dict[str, str] = {}
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
    protected = protect_phone(phone)

    account = accounts.get(session.account_id)
    if account is None:
        raise HallError.unauthenticated()
    if account.phone_mac == protected.mac:
        raise HallError.phone_unchanged()
    extra: tuple = ()
    if account.password_hash:  # an account made by an identity provider may have none yet
        if not form.password:
            raise HallError.validation_failed({"password": "请输入登录密码"})
        checked = check_password(account.account_id, form.password, form, ctx, field="password")
        account = checked.account
        extra = tuple(write for write in checked.session_writes if write.label != "account")

    from chalicelib.methods.sms_code import codes

    try:
        codes.verify(phone, SMS_PURPOSE, form.sms_code, ctx)
    except HallError:
        if extra:
            account_settings.commit(extra)  # the password was right: its try is given back
        raise

    name = "PhoneChanged" if account.phone_mac else "PhoneBound"
    detail = {"ip": ctx.client_ip, "phone": protected.masked}
    if account.phone_masked:
        detail["old_phone"] = account.phone_masked
    event = audit.event(account_subject(account.account_id), name, ctx.now, method="sms", **detail)
    try:
        account_settings.commit([*account_settings.phone_change(account, protected, ctx.now), *extra, event])
    except ClaimTakenError:
        count("PhoneChangeRejected", reason="phone_taken")
        raise HallError.phone_taken() from None
    except WriteRefusedError:
        raise HallError.account_changed() from None
    updated = accounts.get(account.account_id) or account
    session_store.refresh_for_account(updated)
    count(name)
    logger.append_keys(account_id=account.account_id, event="phone changed", phone=protected.masked)
    if account.phone_cipher:  # the old phone hears of it, so a stolen session cannot move it quietly
        _notify(account, NOTICE_PHONE_CHANGED.format(phone=protected.masked))
    return updated


def has_password(session: SessionRecord) -> bool:
    """Whether the account has a password to ask for (one made by an identity provider may not)."""
    account = accounts.get(session.account_id)
    return bool(account and account.password_hash)


@dataclass(frozen=True)
class SecurityEntry:
    """One line of 安全记录, as the page shows it."""

    event: str
    label: str
    method: str
    at: str  # China time, 2026-11-30 16:47:05
    at_iso: str
    ip: str
    device: str
    detail: str


def _entry(item: audit.AuditEvent) -> SecurityEntry:
    from datetime import datetime

    try:
        local = datetime.fromisoformat(item.at).astimezone(CHINA).strftime("%Y-%m-%d %H:%M:%S")
    except ValueError:
        local = ""
    detail = item.detail or {}
    words = []
    if detail.get("old_phone") and detail.get("phone"):
        words.append(f"{detail['old_phone']} → {detail['phone']}")
    elif detail.get("phone"):
        words.append(str(detail["phone"]))
    if detail.get("sessions_ended") is not None:
        words.append(f"退出{detail['sessions_ended']}个设备")
    return SecurityEntry(
        event=item.event,
        label=event_label(item.event),
        method=method_label(item.method),
        at=local,
        at_iso=item.at,
        ip=str(detail.get("ip") or ""),
        device=str(detail.get("device") or ""),
        detail="；".join(words),
    )


@dataclass(frozen=True)
class SecurityLog:
    entries: list[SecurityEntry]
    next_after: str | None


def _valid_after(after: str | None) -> str | None:
    """A page cursor is an event id of this account (``<ISO time>#<hex>``); anything else starts over."""
    if not after or len(after) > 64:
        return None
    time_part, _, random_part = after.partition("#")
    if not random_part or not random_part.isalnum() or not random_part.isascii():
        return None
    from datetime import datetime

    try:
        datetime.fromisoformat(time_part)
    except ValueError:
        return None
    return after


def security_log(session: SessionRecord, after: str | None = None, limit: int | None = None) -> SecurityLog:
    """The citizen's own security events, newest first, a page at a time (one Query)."""
    subject = account_subject(session.account_id)
    page = audit.page_for_subject(subject, limit=limit or PAGE_SIZE, after=_valid_after(after))
    return SecurityLog([_entry(item) for item in page.events], page.next_after)


def revoke_other_sessions(session: SessionRecord, ctx: RequestContext) -> int:
    """退出其他设备: every session of the account but this one ended (browsers' and apps'), audited."""
    ended = session_store.delete_for_account(session.account_id, except_token_hash=session.token_hash)
    audit.record(
        account_subject(session.account_id),
        "OtherSessionsRevoked",
        ctx.now,
        method=METHOD,
        ip=ctx.client_ip,
        sessions_ended=ended,
    )
    count("OtherSessionsRevoked")
    logger.append_keys(account_id=session.account_id, event="other sessions revoked", sessions_ended=ended)
    return ended
