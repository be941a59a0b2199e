"""Applying the lockout rule to a failed password (the rule: chalicelib.domain.lockout)."""

from __future__ import annotations

from chalicelib import crypto
from chalicelib.clock import CHINA
from chalicelib.context import RequestContext
from chalicelib.domain.lockout import LockoutPolicy
from chalicelib.errors import HallError
from chalicelib.observability import count, logger
from chalicelib.platforms import sms
from chalicelib.store import audit, lockouts
from chalicelib.store.accounts import Account

__all__ = ["after_failure"]


def after_failure(
    subject: str, account: Account | None, reservation: lockouts.Reservation, policy: LockoutPolicy, ctx: RequestContext
) -> None:
    """A wrong password (its try already counted). When it was the try that took the
    streak's last place, its lock stands: audit it, notify the holder once (only one try
    can take that place) and raise ``account_locked``."""
    locked_until = reservation.locked_until
    if locked_until is None:
        return
    audit.record(subject, "AccountLocked", ctx.now, method="password", failures=policy.max_failures)
    if account is not None:
        lockouts.stamp_account_lock(account.account_id, ctx.now)  # 登录保护's risk step-up reads it
    count("AccountLocked", kind="account" if account else "identifier")
    logger.append_keys(event="password login locked", subject_kind=subject.split("#")[0])  # on the request's line
    if account is not None and account.phone_cipher:  # an account without a phone gets no notice
        phone = crypto.decrypt("phone", account.phone_cipher)
        local = locked_until.astimezone(CHINA)
        sms.sender().send(
            phone,
            f"【江苏人社】您的网上办事大厅账户因密码连续输错{policy.max_failures}次已被锁定，"
            f"将于{local:%m月%d日%H:%M}自动解锁。如非本人操作，请通过“忘记密码”重新设置密码。",
        )
        count("LockNoticeSent")
    raise HallError.account_locked(locked_until)
