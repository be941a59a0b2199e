"""人脸识别 (face verification) rules: purposes, states, and what a check may still be used for.

A check is made for one person, one purpose and one host flow record (its owner); the provider
decides it (passed or failed) once; the host uses a passed check once. The order of the refusals
matters: a check of another owner or purpose, or shown in another browser, says nothing of its
state. No HTTP, no DynamoDB: the service (chalicelib/methods/face/service.py) reads the record
and maps these verdicts to errors; the repository's conditions enforce the same rules on write.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

__all__ = [
    "CONSENT_VERSION",
    "CONSUMED",
    "FAILED",
    "PASSED",
    "PENDING",
    "FacePurpose",
    "FaceState",
    "poll_verdict",
    "use_verdict",
]

PENDING, PASSED, FAILED, CONSUMED = "pending", "passed", "failed", "consumed"
# The consent text's version (templates/_face_check.html): recorded with each check.
CONSENT_VERSION = "face-consent-2026-11"


class FacePurpose(StrEnum):
    RECOVERY = "recovery"  # 忘记密码找回
    APPEAL = "appeal"  # 用户申诉
    LEVEL_UPGRADE = "level_upgrade"  # 实人认证 (实人用户)

    @property
    def label(self) -> str:
        return {"recovery": "忘记密码找回", "appeal": "用户申诉", "level_upgrade": "实人认证"}[self.value]


@dataclass(frozen=True)
class FaceState:
    """What the rules read of a stored check."""

    state: str
    owner: str
    purpose: str
    valid_until: datetime
    bound_here: bool  # the asking browser holds the secret the check is bound to


def poll_verdict(check: FaceState | None, now: datetime) -> str:
    """The page's poll: ``unknown``, ``other_browser``, ``expired``, ``used``, or the state."""
    if check is None:
        return "unknown"
    if not check.bound_here:
        return "other_browser"
    if check.state == CONSUMED:
        return "used"
    if check.valid_until <= now:
        return "expired"
    return check.state


def use_verdict(check: FaceState | None, owner: str, purpose: str, now: datetime) -> str:
    """Whether the host may use the check: ``ok``, or why not (``unknown`` also for another
    owner's or purpose's check, ``other_browser``, ``expired``, ``used``, ``pending``, ``failed``)."""
    if check is None or check.owner != owner or check.purpose != purpose:
        return "unknown"
    verdict = poll_verdict(check, now)
    return "ok" if verdict == PASSED else verdict
