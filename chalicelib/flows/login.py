"""The login flow (个人用户登录): one flow, many methods.

Each method implements :class:`LoginMethod`; the flow looks the method up in an
explicit registry (no if/elif over methods), lets it authenticate, and opens
the session that every method shares. Methods still to come (app QR, 电子社保卡,
江苏政务, 支付宝) register here when they are built.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from chalicelib import sessions
from chalicelib.context import RequestContext
from chalicelib.errors import HallError
from chalicelib.observability import count, logger
from chalicelib.store import audit
from chalicelib.store.accounts import Account
from chalicelib.store.lockouts import account_subject

__all__ = ["Authenticated", "LoginMethod", "login", "methods"]


@dataclass(frozen=True)
class Authenticated:
    account: Account
    # Store writes the method needs committed with the session (forget a failure
    # streak, give back a reserved try, ...): opaque to the flow.
    session_writes: tuple = ()


class LoginMethod(Protocol):
    id: str

    def authenticate(self, form: dict, ctx: RequestContext) -> Authenticated:
        """Prove the citizen's identity from the form, or raise a HallError."""


def methods() -> dict[str, LoginMethod]:
    from chalicelib.methods.password.login import PasswordLogin
    from chalicelib.methods.sms_code.login import SmsCodeLogin

    return {m.id: m for m in (PasswordLogin(), SmsCodeLogin())}


def login(method_id: str, form: dict, ctx: RequestContext) -> sessions.IssuedSession:
    method = methods().get(method_id)
    if method is None:
        raise HallError.unknown_login_method()
    try:
        result = method.authenticate(form, ctx)
    except HallError as exc:
        count("LoginFailed", method=method_id, reason=exc.code)
        raise
    account = result.account
    event = audit.event(account_subject(account.account_id), "LoginSucceeded", ctx.now, method=method_id)
    issued = sessions.open_session(account, method_id, ctx.now, ctx.client, [event], result.session_writes)
    count("LoginSucceeded", method=method_id)
    logger.append_keys(account_id=account.account_id)
    logger.info("login succeeded", extra={"method": method_id})
    return issued
