"""The lockout rule (账户锁定).

After ``max_failures`` consecutive wrong passwords, counted per account
whichever identifier was used (and per identifier where there is no account,
so a lock message reveals nothing), password login is locked for ``duration``
(4 hours by default, as the FAQ says: 请等待系统4小时自动解锁后进行登录). The
lock stops password login only: SMS-code login, QR login and password recovery
prove another factor and stay open; a successful recovery clears the lock.
A streak of failures is forgotten ``streak_window`` after its last failure.

A try is *reserved* before the password is checked, and only while the streak
has room: however many requests arrive at once, at most ``max_failures``
passwords are ever verified per lock window (the same "count before compare"
that one-time codes follow). A right password gives its reservation back by
forgetting the streak; a wrong one leaves it counted, and the failure that
finds the streak full locks. After ``captcha_after`` failures in a live streak
password login asks for the graphic captcha as well.
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
    captcha_after: int = 2

    def may_try(self, state: LockState, now: datetime) -> bool:
        """Whether another try may be reserved: not locked, and the streak has room."""
        return not state.is_locked(now) and state.tries(now) < self.max_failures

    def asks_captcha(self, state: LockState, now: datetime) -> bool:
        return state.tries(now) >= self.captcha_after

    def locks(self, tries: int) -> bool:
        """Whether a failure that finds ``tries`` reserved in the streak locks it."""
        return tries >= self.max_failures

    def unlock_at(self, state: LockState, now: datetime) -> datetime:
        """When a refused try may come back: the lock's end, or, while the last tries
        of a full streak are still being checked, the end the lock they set will have."""
        return state.locked_until if state.is_locked(now) else now + self.duration


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

    def tries(self, now: datetime) -> int:
        """Tries counted in the live streak (wrong passwords, and those being checked)."""
        return self.failures if self.is_live(now) else 0


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
