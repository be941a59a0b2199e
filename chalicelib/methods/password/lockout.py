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


def after_failure(subject: str, account: Account | None, policy: LockoutPolicy, ctx: RequestContext) -> None:
    """A wrong password (its try already counted): lock when the streak is full; on the
    failure that locks, audit it, notify the holder and raise ``account_locked``."""
    outcome = lockouts.lock_if_full(subject, policy, ctx.now)
    if not outcome.newly_locked:
        return
    locked_until = outcome.state.locked_until
    audit.record(subject, "AccountLocked", ctx.now, method="password", failures=outcome.state.failures)
    count("AccountLocked", kind="account" if account else "identifier")
    logger.info("password login locked", extra={"subject_kind": subject.split("#")[0]})
    if account is not None and lockouts.claim_notice(subject, locked_until):
        phone = crypto.decrypt("phone", account.phone_cipher)
        local = locked_until.astimezone(CHINA)
        sms.sender().send(
            phone,
            f"【江苏人社】您的网上办事大厅账户因密码连续输错{policy.max_failures}次已被锁定，"
            f"将于{local:%m月%d日%H:%M}自动解锁。如非本人操作，请通过“忘记密码”重新设置密码。",
        )
        count("LockNoticeSent")
    raise HallError.account_locked(locked_until)
