"""The citizen's data rights (PIPL arts. 45 and 47): 个人信息导出 and 账号注销, as plain rules.

- Both need a fresh re-authentication (the password, or an SMS code to the bound phone for an
  account without one): its proof lives :data:`PROOF_LIFETIME` and is spent once, for one purpose.
- 账号注销 waits :data:`COOLING_OFF` (15 days) after the request; logging in, or 撤销注销, in that
  time withdraws it. The deletion falls due at :func:`due_at`, indexed by the China day
  :func:`due_day` names, which the daily job reads (:func:`days_to_read`).
- What survives a deletion: the security events, for the audit retention, keyed by the dead
  account's random id, with only the details in :data:`KEPT_EVENT_DETAIL` (no name, ID number or
  phone, not even masked); and the 办件 (government records, kept under the same id).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from enum import Enum

from chalicelib.clock import CHINA

__all__ = [
    "COOLING_OFF",
    "EXPORT_FORMAT",
    "KEPT_EVENT_DETAIL",
    "PROOF_LIFETIME",
    "ReauthPurpose",
    "days_to_read",
    "due_at",
    "due_day",
    "kept_detail",
]

COOLING_OFF = timedelta(days=15)
PROOF_LIFETIME = timedelta(minutes=5)
EXPORT_FORMAT = "jiangsu-hall-personal-data/1"
# The first run of the deletion job (no checkpoint) reads this many days back.
FIRST_RUN_DAYS = 31
# What a security event keeps once its account is deleted: where and how, never who.
KEPT_EVENT_DETAIL = frozenset({"ip", "device", "reason", "sessions_ended", "provider", "level"})


class ReauthPurpose(str, Enum):
    """What a re-authentication's proof may be spent on. Stored in data; never rename."""

    EXPORT = "export"
    CANCEL = "cancel"

    @property
    def label(self) -> str:
        return {"export": "个人信息导出", "cancel": "注销账号"}[self.value]


def due_at(requested_at: datetime) -> datetime:
    """When a 账号注销 requested at ``requested_at`` may be carried out."""
    return requested_at + COOLING_OFF


def due_day(due: datetime) -> str:
    """The China day (``YYYY-MM-DD``) a deletion due at ``due`` is indexed under."""
    return due.astimezone(CHINA).date().isoformat()


def days_to_read(last_done: str | None, now: datetime) -> list[str]:
    """The due days the job reads: from the last day it finished (inclusive: a crash may have left
    work in it) or :data:`FIRST_RUN_DAYS` back, to today (China days)."""
    today = now.astimezone(CHINA).date()
    start = today - timedelta(days=FIRST_RUN_DAYS)
    if last_done:
        try:
            start = max(start, date.fromisoformat(last_done))
        except ValueError:
            pass
    return [(start + timedelta(days=n)).isoformat() for n in range((today - start).days + 1)]


def kept_detail(detail: dict | None) -> dict:
    """A security event's detail as kept under a deleted account: no identity in it."""
    return {k: v for k, v in (detail or {}).items() if k in KEPT_EVENT_DETAIL}
