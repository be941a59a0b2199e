"""Release ended password locks, with an audit event each.

Reads already treat an ended lock as no lock; this job is housekeeping that
also leaves a trace (``LockReleased``) for the citizen's security events. It
never scans: locks are indexed by the hour they end in (a sparse index that
holds only locked items), and a checkpoint remembers the last hour fully
processed, so each run reads the hours since then, and its cost grows with
the number of ended locks, not the number of users.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from chalicelib import settings
from chalicelib.domain.lockout import unlock_bucket
from chalicelib.observability import count, logger
from chalicelib.store import audit, lockouts, records

__all__ = ["CleanupReport", "run"]

CHECKPOINT = "lockout_cleanup"


@dataclass(frozen=True)
class CleanupReport:
    hours_read: int
    released: int


def _hours(start: datetime, end: datetime):
    hour = start.replace(minute=0, second=0, microsecond=0)
    while hour <= end:
        yield hour
        hour += timedelta(hours=1)


def run(now: datetime) -> CleanupReport:
    last = records.get_checkpoint(CHECKPOINT)
    if last:
        start = datetime.strptime(last, "%Y%m%d%H").replace(tzinfo=now.tzinfo)
    else:
        # First run: no lock can end later than one lock duration from now,
        # nor have ended unnoticed earlier than one duration ago plus a day.
        start = now - settings.get().lockout_duration - timedelta(days=1)
    released = hours = 0
    for hour in _hours(start, now):
        hours += 1
        for subject, locked_until in lockouts.expired_locks(unlock_bucket(hour), now):
            if lockouts.release(subject, locked_until):
                audit.record(subject, "LockReleased", now, method="password", reason="expired")
                released += 1
    # The current hour may still gain ended locks: the next run reads it again.
    records.set_checkpoint(CHECKPOINT, unlock_bucket(now))
    if released:
        count("LocksReleased", value=released)
    logger.info("lockout cleanup finished", extra={"hours_read": hours, "released": released})
    return CleanupReport(hours, released)
