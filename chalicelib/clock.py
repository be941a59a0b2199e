"""The one clock the hall reads.

Every expiry (flows, codes, sessions, locks) is checked in code against this
clock on each read, so tests move it instead of sleeping.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

__all__ = ["CHINA", "advance", "now", "reset", "set_now"]

CHINA = timezone(timedelta(hours=8), "CST")

_fixed: datetime | None = None
_offset = timedelta(0)


def now() -> datetime:
    """The current time, timezone-aware, in UTC."""
    if _fixed is not None:
        return _fixed + _offset
    return datetime.now(UTC) + _offset


def set_now(moment: datetime) -> None:
    """Freeze the clock at ``moment`` (tests only)."""
    global _fixed, _offset
    _fixed, _offset = moment.astimezone(UTC), timedelta(0)


def advance(delta: timedelta) -> None:
    """Move the clock forward (tests only)."""
    global _offset
    _offset += delta


def reset() -> None:
    global _fixed, _offset
    _fixed, _offset = None, timedelta(0)


def to_epoch(moment: datetime) -> int:
    return int(moment.timestamp())


def from_epoch(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)
