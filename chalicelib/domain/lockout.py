"""The lockout rule (账户锁定).

After ``max_failures`` consecutive wrong passwords, counted per account
whichever identifier was used (and per identifier where there is no account,
so a lock message reveals nothing), password login is locked for ``duration``
(4 hours by default, as the FAQ says: 请等待系统4小时自动解锁后进行登录). The
lock stops password login only: SMS-code login, QR login and password recovery
prove another factor and stay open; a successful recovery clears the lock.
A streak of failures is forgotten ``streak_window`` after its last failure.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

__all__ = ["LockState", "LockoutPolicy", "unlock_bucket"]


@dataclass(frozen=True)
class LockoutPolicy:
    max_failures: int = 5
    duration: timedelta = timedelta(hours=4)
    streak_window: timedelta = timedelta(hours=24)


@dataclass(frozen=True)
class LockState:
    failures: int = 0
    locked_until: datetime | None = None
    streak_expires_at: datetime | None = None

    def is_locked(self, now: datetime) -> bool:
        # DynamoDB's TTL deletes late: an expired lock is no lock, whatever is stored.
        return self.locked_until is not None and self.locked_until > now

    def is_live(self, now: datetime) -> bool:
        return self.is_locked(now) or (self.streak_expires_at is not None and self.streak_expires_at > now)


def unlock_bucket(locked_until: datetime) -> str:
    """The hour a lock ends in (UTC), the key the cleanup queries by.

    Bucketing by hour lets the scheduled cleanup find expired locks with a few
    Query calls whose cost grows with the number of locks, not of users.
    """
    if locked_until.tzinfo is None:
        locked_until = locked_until.replace(tzinfo=UTC)
    # Writers and the cleanup may hold the same instant in different zones (UTC, 北京时间):
    # both must name the same bucket.
    return locked_until.astimezone(UTC).strftime("%Y%m%d%H")
