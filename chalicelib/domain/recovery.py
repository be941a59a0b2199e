"""忘记密码找回: the manual's four steps and the order they must be taken in.

填写账号 (证件类型, 证件号码, 姓名) → 人脸识别 or 短信验证 (either; the citizen may switch) →
设置新密码 → 完成修改. A recovery is one server-side record; each step is accepted only
when the record stands where the previous step left it.
"""

from __future__ import annotations

from datetime import timedelta
from enum import Enum

__all__ = ["LIFETIME", "RecoveryState", "VerifiedBy", "required_state"]

# How long a citizen has from 填写账号 to 设置新密码 (a face check or an SMS code fits well within).
LIFETIME = timedelta(minutes=30)


class RecoveryState(str, Enum):
    """Where a recovery stands. Stored in data; never rename."""

    IDENTIFIED = "identified"  # 填写账号 done: a verification may begin
    VERIFIED = "verified"  # 人脸识别 or 短信验证 passed: the new password may be set
    DONE = "done"  # 完成修改: the password was replaced; the record is spent


class VerifiedBy(str, Enum):
    """How the citizen proved who they are (stored in the record and the audit event)."""

    FACE = "face"
    SMS_CODE = "sms_code"


# The steps after the first, and the state each one needs the record in.
_NEEDS = {
    "verify": RecoveryState.IDENTIFIED,
    "password": RecoveryState.VERIFIED,
}


def required_state(step: str) -> RecoveryState:
    """The state a recovery must be in for ``step`` ("verify" or "password")."""
    return _NEEDS[step]
