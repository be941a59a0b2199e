"""登录保护 (stronger authentication): a second step for password login.

Turning it on or off (个人中心 → 登录保护) needs the account's password, checked exactly as
password login checks it (the try reserved before the verify: a wrong one counts toward the
lock), and writes an audit event the 安全记录 page lists:

- 短信验证码: each password login then asks for an SMS code sent to the bound phone.
- 身份验证器: a new secret (pyotp, stored AES-GCM encrypted through chalicelib.crypto) shown
  as an ``otpauth://`` QR with the issuer 江苏人社; binding is confirmed by one code of it
  (within 10 minutes), which is also that secret's first used code.
Either way ten one-time recovery codes (恢复码) are shown once and stored as keyed hashes.

The login's second step (``after_password``): when protection is on, or when the risk
step-up asks for it (a device not seen on the account in 90 days, the account locked or
recovered in the last 30 days: chalicelib.domain.second_factor), a right password opens no
session. A ``step#<id>`` record (5 minutes, bound to the client by the hash of a secret in
the HttpOnly ``hall_step`` cookie, or the app's ``step_secret``) waits for the second step.
The password's try stays reserved in the account's lockout streak and the client's window
until the second step succeeds: so each waiting step holds one of the streak's five places,
and at most five steps (five wrong codes each, counted before each check) can be begun per
lock window. Wrong codes count toward their record only, not a streak of their own. The
session's transaction gives the try back, uses the record, and uses the code (an
authenticator code's time step later than the last one used; a recovery code's hash
removed; an SMS code is spent by its own record before), on condition the password verified
at the first step is still the account's.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Annotated

from annotated_types import MaxLen

from chalicelib import crypto
from chalicelib.context import RequestContext
from chalicelib.domain import second_factor as rules
from chalicelib.domain.second_factor import SecondFactor, Way
from chalicelib.errors import HallError
from chalicelib.flows import login as login_flow
from chalicelib.observability import count, logger
from chalicelib.sessions import SessionRecord
from chalicelib.store import audit, lockouts, records
from chalicelib.store import login_protection as store
from chalicelib.store.errors import WriteRefusedError
from chalicelib.store.lockouts import account_subject

__all__ = [
    "BINDING_COOKIE",
    "ConfirmForm",
    "FinishForm",
    "PasswordForm",
    "SendForm",
    "WithSecondStep",
    "after_password",
    "confirm_authenticator",
    "device_writes",
    "finish",
    "send_code",
    "start_authenticator",
    "status",
    "turn_off",
    "turn_on_sms",
]

BINDING_COOKIE = "hall_step"
BINDING_TIME = timedelta(minutes=10)  # to confirm an authenticator after scanning its QR
PROTECTION, STEP_UP = "protection", "step_up"


@dataclass(frozen=True)
class PasswordForm:
    """Turning it on or off: the account's password (and the captcha when the check asks for it)."""

    password: Annotated[str, MaxLen(64)]
    captcha_id: Annotated[str | None, MaxLen(64)] = None
    captcha_answer: Annotated[str | None, MaxLen(16)] = None


@dataclass(frozen=True)
class ConfirmForm:
    code: Annotated[str, MaxLen(16)]


@dataclass(frozen=True)
class SendForm:
    step_secret: Annotated[str | None, MaxLen(64)] = None  # an app's (browsers: the cookie)


@dataclass(frozen=True)
class FinishForm:
    way: Annotated[str, MaxLen(20)]
    code: Annotated[str, MaxLen(20)]
    step_secret: Annotated[str | None, MaxLen(64)] = None


# -- 个人中心 → 登录保护 -------------------------------------------------------------------


def _protection(session: SessionRecord) -> store.Protection:
    p = store.get(session.account_id)
    if p is None:
        raise HallError.unauthenticated()
    return p


def status(session: SessionRecord) -> dict:
    p = _protection(session)
    factor = SecondFactor(p.second_factor) if p.second_factor else None
    return {
        "enabled": factor is not None,
        "factor": factor.value if factor else None,
        "factor_label": factor.label if factor else None,
        "recovery_codes_left": len(p.recovery_hashes) if factor else 0,
        "phone_masked": p.phone_masked if p.phone_cipher else None,
        "has_password": bool(p.password_hash),
    }


def _proved(session: SessionRecord, form: PasswordForm, ctx: RequestContext) -> tuple:
    """The password checked as login checks it; a wrong one is 原密码错误 on the ``password`` field.
    Answers the writes its transaction must carry but the account's own (the caller's account
    write carries the same condition: a transaction touches an item once)."""
    from chalicelib.flows import account_settings

    if not form.password:
        raise HallError.validation_failed({"password": "请输入登录密码"})
    proved = account_settings.check_password(session.account_id, form.password, form, ctx, field="password")
    return tuple(w for w in proved.session_writes if getattr(w, "label", "") != "account")


def _commit(items) -> None:
    try:
        store.commit(items)
    except WriteRefusedError:
        raise HallError.login_protection_changed() from None


def _event(session: SessionRecord, name: str, ctx: RequestContext, **detail):
    return audit.event(account_subject(session.account_id), name, ctx.now, method="login_protection", **detail)


def start_authenticator(session: SessionRecord, form: PasswordForm, ctx: RequestContext) -> dict:
    """A new secret to bind: its QR (``otpauth://``, issuer 江苏人社), and the secret itself for
    typing in by hand. It replaces the authenticator only when confirmed by one of its codes."""
    from chalicelib.methods.second_factor import totp

    extra = _proved(session, form, ctx)
    p = _protection(session)
    secret = totp.new_secret()
    until = ctx.now + BINDING_TIME
    _commit((store.pending_totp(p, totp.encrypt(secret), until, ctx.now), *extra))
    uri = totp.provisioning_uri(secret, session.id_masked)
    logger.append_keys(event="authenticator binding started")
    return {
        "secret": secret,
        "otpauth_uri": uri,
        "qr": totp.qr_data_uri(uri),
        "issuer": totp.ISSUER,
        "expires_in": int(BINDING_TIME.total_seconds()),
    }


def _turned_on(session: SessionRecord, p: store.Protection, factor: SecondFactor, ctx, extra=(), totp_step=None):
    from chalicelib.methods.second_factor import recovery_codes

    shown, hashes = recovery_codes.issue(session.account_id)
    event = _event(session, "LoginProtectionEnabled", ctx, factor=factor.value)
    _commit((store.turn_on(p, factor.value, hashes, ctx.now, totp_step=totp_step), event, *extra))
    count("LoginProtectionEnabled", factor=factor.value)
    logger.append_keys(event="login protection enabled", second_factor=factor.value)
    return {"enabled": True, "factor": factor.value, "factor_label": factor.label, "recovery_codes": shown}


def confirm_authenticator(session: SessionRecord, form: ConfirmForm, ctx: RequestContext) -> dict:
    """The first code of the secret being bound: protection on by authenticator, recovery codes shown."""
    from chalicelib.methods.second_factor import totp

    code = rules.normalize_totp_code(form.code)
    if code is None:
        raise HallError.validation_failed({"code": "请输入6位数字动态验证码"})
    p = _protection(session)
    if not p.pending_cipher or not p.pending_until or p.pending_until <= ctx.now:
        raise HallError.login_protection_binding_expired()
    step = totp.accepted_step(totp.decrypt(p.pending_cipher), code, ctx.now, None)
    if step is None:
        count("SecondStepRejected", way="totp_binding")
        raise HallError.login_protection_code_invalid()
    return _turned_on(session, p, SecondFactor.TOTP, ctx, totp_step=step)


def turn_on_sms(session: SessionRecord, form: PasswordForm, ctx: RequestContext) -> dict:
    """Protection on by SMS code to the bound phone (an account without one binds one first)."""
    p = _protection(session)
    if not p.phone_cipher:
        raise HallError.login_protection_needs_phone()
    extra = _proved(session, form, ctx)
    return _turned_on(session, p, SecondFactor.SMS, ctx, extra=extra)


def turn_off(session: SessionRecord, form: PasswordForm, ctx: RequestContext) -> dict:
    extra = _proved(session, form, ctx)
    p = _protection(session)
    event = _event(session, "LoginProtectionDisabled", ctx, factor=p.second_factor or "")
    _commit((store.turn_off(p, ctx.now), event, *extra))
    count("LoginProtectionDisabled")
    logger.append_keys(event="login protection disabled")
    return {"enabled": False}


# -- known devices -------------------------------------------------------------------------


def device_writes(account_id: str, ctx: RequestContext) -> tuple:
    """The write that records this device as seen on the account now (none when the client
    named no device), for a transaction that proves the holder (a login, a recovery)."""
    if not ctx.device_id:
        return ()
    return (store.device_seen(account_id, crypto.hash_token(ctx.device_id), ctx.now, rules.DEVICE_MEMORY),)


# -- the login's second step -----------------------------------------------------------------


def after_password(authenticated: login_flow.Authenticated, ctx: RequestContext) -> login_flow.Step:
    """What a right password leads to: the session (``authenticated`` as it is), or a second
    step when protection is on or the risk step-up asks for one. Costs no read unless the
    account was locked or recovered lately with protection off (then one GetItem: the device)."""
    from chalicelib.guards import rate_limits

    account = authenticated.account
    has_phone = bool(account.phone_cipher)
    if account.second_factor:
        reason = PROTECTION
    elif has_phone and rules.recent_risk(account.locked_at, account.recovered_at, ctx.now):
        seen = None
        if ctx.device_id:
            seen = store.device_seen_at(
                account.account_id, crypto.hash_token(ctx.device_id), ctx.now, rules.DEVICE_MEMORY
            )
        if not rules.step_up_needed(account.locked_at, account.recovered_at, seen, ctx.now):
            return authenticated
        reason = STEP_UP
    else:
        return authenticated
    ways = [w.value for w in rules.ways(account.second_factor, True) if w is not Way.SMS_CODE or has_phone]
    secret = crypto.new_token()
    step_id = uuid.uuid4().hex
    store.create_step(
        step_id,
        account_id=account.account_id,
        ways=ways,
        reason=reason,
        password_digest=crypto.hash_token(account.password_hash or ""),
        window_key=rate_limits.password_window(ctx).key,
        binding_hash=crypto.hash_token(secret),
        valid_until=ctx.now + rules.STEP_LIFETIME,
    )
    count("SecondStepAsked", reason=reason)
    logger.append_keys(account_id=account.account_id, event="second step asked", second_step_reason=reason)
    lifetime = int(rules.STEP_LIFETIME.total_seconds())
    return login_flow.SecondStepRequired(
        flow_id=step_id,
        ways=tuple(ways),
        reason=reason,
        phone_masked=account.phone_masked if has_phone else None,
        expires_in=lifetime,
        browser_secret=secret,
        browser_secret_max_age=lifetime,
    )


class WithSecondStep:
    """A password method whose right password goes through :func:`after_password` (the
    registry wires password login this way; the method itself knows nothing of it)."""

    def __init__(self, method) -> None:
        self._method = method
        self.id = method.id

    @property
    def request_model(self) -> type:
        return self._method.request_model

    def begin(self, form: dict, ctx: RequestContext) -> login_flow.Step:
        step = self._method.begin(form, ctx)
        return after_password(step, ctx) if isinstance(step, login_flow.Authenticated) else step

    def proceed(self, flow_id: str, form: dict, ctx: RequestContext) -> login_flow.Step:
        return self._method.proceed(flow_id, form, ctx)


def _bound(step_id: str, secret: str | None, ctx: RequestContext) -> store.SecondStep:
    """The record, if unused, this client's and unexpired (one GetItem); else why not."""
    step = store.get_step(step_id) if step_id and len(step_id) <= 64 else None
    if step is None or step.used:
        raise HallError.second_step_expired()
    if not secret or not crypto.equal(crypto.hash_token(secret), step.binding_hash):
        raise HallError.second_step_other_browser()
    if step.expired(ctx.now):
        raise HallError.second_step_expired()
    return step


def send_code(step_id: str, secret: str | None, ctx: RequestContext) -> dict:
    """An SMS code to the account's bound phone (at most ``MAX_SENDS`` per step)."""
    from chalicelib.methods.second_factor import sms

    step = _bound(step_id, secret, ctx)
    if Way.SMS_CODE.value not in step.ways:
        raise HallError.second_step_way_unavailable()
    p = store.get(step.account_id)
    if p is None or not p.phone_cipher:
        raise HallError.second_step_way_unavailable()
    try:
        store.reserve_send(step_id, step.binding_hash, ctx.now, rules.MAX_SENDS)
    except store.StepRefusedError:
        raise HallError.second_step_way_unavailable() from None
    return sms.send(step_id, crypto.decrypt("phone", p.phone_cipher), ctx)


class _SecondStep:
    """The second step's request, as the login flow's method: the session and its
    ``LoginSucceeded`` event say ``password`` (the login it finishes)."""

    id = "password"

    def __init__(self, run) -> None:
        self._run = run

    def proceed(self, flow_id: str, form: dict, ctx: RequestContext):
        return self._run()


def finish(step_id: str, secret: str | None, form: FinishForm, ctx: RequestContext) -> login_flow.Outcome:
    step = _bound(step_id, secret, ctx)
    try:
        way = Way(form.way)
    except ValueError:
        raise HallError.validation_failed({"way": "请选择验证方式"}) from None
    if way.value not in step.ways:
        raise HallError.second_step_way_unavailable()
    if way is Way.TOTP:
        code = rules.normalize_totp_code(form.code)
        if code is None:
            raise HallError.validation_failed({"code": "请输入6位数字动态验证码"})
    elif way is Way.RECOVERY_CODE:
        code = rules.normalize_recovery_code(form.code)
        if code is None:
            raise HallError.validation_failed({"code": "请输入10位恢复码"})
    else:
        code = form.code
    run = lambda: _check(step, way, code, ctx)  # noqa: E731 - run inside the flow's accounting
    return login_flow.proceed(_SecondStep(run), step_id, {}, ctx)


def _check(step: store.SecondStep, way: Way, code: str, ctx: RequestContext) -> login_flow.Authenticated:
    from chalicelib.methods.second_factor import recovery_codes, sms, totp

    # Counted before the code is looked at: at most MAX_TRIES codes per step, however many at once.
    try:
        tries = store.reserve_try(step.step_id, step.binding_hash, ctx.now, rules.MAX_TRIES)
    except store.StepRefusedError:
        again = store.get_step(step.step_id)
        if again is not None and not again.used and again.tries >= rules.MAX_TRIES:
            raise HallError.second_step_exhausted() from None
        raise HallError.second_step_expired() from None
    tries_left = rules.MAX_TRIES - tries
    p = store.get(step.account_id)
    if p is None or not p.password_hash or not crypto.equal(crypto.hash_token(p.password_hash), step.password_digest):
        raise HallError.second_step_expired()  # the password changed (recovered) meanwhile
    recovery_hash = totp_step = None
    if way is Way.TOTP:
        if not p.totp_cipher:
            raise HallError.second_step_way_unavailable()
        totp_step = totp.accepted_step(totp.decrypt(p.totp_cipher), code, ctx.now, p.totp_last_step)
        if totp_step is None:
            _wrong(way, tries_left)
    elif way is Way.RECOVERY_CODE:
        recovery_hash = recovery_codes.stored_hash(step.account_id, code, p.recovery_hashes)
        if recovery_hash is None:
            _wrong(way, tries_left)
    else:
        sms.verify(step.step_id, code, ctx)
    writes = [
        store.use_step(step, step.binding_hash, ctx.now),
        store.use_code(p, ctx.now, totp_step=totp_step, recovery_hash=recovery_hash),
        lockouts.forget(account_subject(step.account_id)),  # the password's try, given back
    ]
    if step.window_key:
        writes.append(records.give_back_hit(records.RateWindow(step.window_key, 0, ctx.now)))
    if way is Way.RECOVERY_CODE:
        left = len(p.recovery_hashes) - 1
        writes.append(
            audit.event(account_subject(step.account_id), "RecoveryCodeUsed", ctx.now, method="password", left=left)
        )
    count("SecondStepPassed", way=way.value, reason=step.reason)
    logger.append_keys(second_step_way=way.value, second_step_reason=step.reason)
    return login_flow.Authenticated(p.account, session_writes=tuple(writes))


def _wrong(way: Way, tries_left: int) -> None:
    count("SecondStepRejected", way=way.value)
    if tries_left <= 0:
        raise HallError.second_step_exhausted()
    raise HallError.second_step_code_invalid(tries_left)
