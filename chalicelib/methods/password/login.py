"""Password login: ID number or mobile number, plus password.

Unknown identifier and wrong password take the same path (a try is reserved, a
dummy hash is verified, the failure counts against the identifier) and give the
same error, so the form tells nobody which identifiers have accounts.

A try is reserved (chalicelib.store.lockouts.reserve_try) *before* the password
is verified: however many requests arrive at once, at most five passwords are
checked per lock window, and the client address's window cannot be overrun
either. A right password gives both back in the session's own transaction.
"""

from __future__ import annotations

from functools import cache

from chalicelib import settings
from chalicelib.citizen_data import id_number_macs, identifier_mac, phone_macs
from chalicelib.context import RequestContext
from chalicelib.domain import identity, passwords
from chalicelib.domain.lockout import LockoutPolicy
from chalicelib.errors import HallError
from chalicelib.flows.login import Authenticated, Step
from chalicelib.guards import captcha, rate_limits
from chalicelib.methods.password import lockout
from chalicelib.store import accounts, lockouts, records
from chalicelib.store.errors import TryRefusedError

__all__ = ["PasswordLogin", "check_account_password"]


def _policy() -> LockoutPolicy:
    cfg = settings.get()
    return LockoutPolicy(
        cfg.max_password_failures,
        cfg.lockout_duration,
        cfg.failure_streak_window,
        cfg.password_captcha_after_failures,
    )


@cache  # one class (and so one cached validator) per process
def _request_model() -> type:
    from typing import Literal

    from pydantic import BaseModel, Field

    class PasswordLoginRequest(BaseModel):
        method: Literal["password"]
        identifier: str | None = Field(default=None, max_length=40)
        password: str | None = Field(default=None, max_length=64)
        id_type: str | None = Field(default=None, max_length=40)
        captcha_id: str | None = Field(default=None, max_length=64)
        captcha_answer: str | None = Field(default=None, max_length=16)

    return PasswordLoginRequest


class PasswordLogin:
    id = "password"

    @property
    def request_model(self) -> type:
        return _request_model()

    def proceed(self, flow_id: str, form: dict, ctx: RequestContext) -> Step:
        raise HallError.login_flow_expired()  # one step: there is no later request

    def begin(self, form: dict, ctx: RequestContext) -> Authenticated:
        identifier = str(form.get("identifier") or "").strip()
        password = str(form.get("password") or "")
        fields = {}
        if not identifier:
            fields["identifier"] = "请输入证件号码/移动电话"
        if not password:
            fields["password"] = "请输入密码"  # noqa: S105 - a message, not a password
        chosen = None
        if form.get("id_type"):
            try:
                chosen = identity.DocumentType(form["id_type"])
            except ValueError:
                fields["id_type"] = "请选择证件类型"
        if fields:
            raise HallError.validation_failed(fields)

        # Which claims the identifier could be: a phone, or an ID number of each type it fits.
        if identity.looks_like_phone(identifier):
            normalized = identity.normalize_phone(identifier)
            keys = [accounts.phone_claim_key(m) for m in phone_macs(normalized)]
            types: list[identity.DocumentType] = []
        else:
            normalized = identity.normalize_id_number(identifier)
            types = identity.document_types_fitting(normalized, ctx.now.date())
            if not types:
                raise HallError.validation_failed({"identifier": "请输入正确的证件号码或移动电话"})
            if chosen is not None:
                types = [t for t in types if t is chosen]
            keys = [k for m in id_number_macs(normalized) for k in accounts.id_claim_keys(m, types)]
        found = accounts.find_account_ids(keys) if keys else {}
        if len(set(found.values())) > 1:
            # One number held under two document types: never pick one silently.
            raise HallError.id_type_required([(t.value, t.label) for t in types])

        window = rate_limits.password_window(ctx)
        account = None
        if found:
            account_id = next(iter(found.values()))
            subject = lockouts.account_subject(account_id)
            account, lock, client_tries = accounts.get_with_lock(account_id, subject, window.key)
        if account is None:
            subject = lockouts.identifier_subject(identifier_mac(normalized))
            lock, client_tries = lockouts.get_with_window(subject, window.key)
        return _check(subject, account, lock, client_tries, window, password, form, ctx)


def check_account_password(account_id: str, password: str, form: dict, ctx: RequestContext) -> Authenticated:
    """The password of a known account, checked exactly as password login checks it (the
    account's lockout, the client's window, the captcha, the try reserved before the verify):
    for a flow that asks an account's password outside login (账号关联). ``form`` may carry
    ``captcha_id`` and ``captcha_answer``. Answers the account and the writes its session's
    transaction must carry, or raises as password login does."""
    window = rate_limits.password_window(ctx)
    subject = lockouts.account_subject(account_id)
    account, lock, client_tries = accounts.get_with_lock(account_id, subject, window.key)
    return _check(subject, account, lock, client_tries, window, password, form, ctx)


def _check(
    subject, account, lock, client_tries, window, password: str, form: dict, ctx: RequestContext
) -> Authenticated:
    """From the lock and window read to the verified password (the path every password takes)."""
    policy = _policy()
    rate_limits.check_password_failures(client_tries, window, ctx)
    if lock.is_locked(ctx.now):
        raise HallError.account_locked(lock.locked_until)
    if policy.asks_captcha(lock, ctx.now) or rate_limits.client_asks_captcha(client_tries):
        if not form.get("captcha_id") or not form.get("captcha_answer"):
            raise HallError.captcha_required()
        captcha.check(str(form["captcha_id"]), str(form["captcha_answer"]), ctx)

    try:
        reservation = lockouts.reserve_try(subject, lock, policy, ctx.now, window)
    except TryRefusedError as exc:
        if exc.reason == "window":
            rate_limits.password_window_full(window, ctx)
        if exc.reason == "busy":
            raise HallError.rate_limited(1) from None
        raise HallError.account_locked(policy.unlock_at(lockouts.get(subject), ctx.now)) from None

    if not passwords.verify_password(account.password_hash if account else None, password):
        lockout.after_failure(subject, account, reservation, policy, ctx)
        # The next try will ask for the captcha when this failure reached either threshold.
        asks = policy.captcha_after <= lock.tries(ctx.now) + 1 or rate_limits.client_asks_captcha(client_tries + 1)
        raise HallError.invalid_credentials(captcha_required=asks)
    # The session commits only if the password just verified is still the account's: a
    # recovery that replaced it meanwhile leaves no session opened with the old one. A hash
    # made with old parameters is replaced in the same transaction, under the same condition.
    rehash = passwords.hash_password(password) if passwords.needs_rehash(account.password_hash) else None
    return Authenticated(
        account,
        session_writes=(
            accounts.password_still(account, ctx.now, rehash),
            lockouts.forget(subject),
            records.give_back_hit(window),
        ),
    )
