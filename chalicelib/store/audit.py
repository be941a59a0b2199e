"""Security events (registration, logins, locks, unlocks), per subject.

A subject is an account (``account#<id>``) or, for failures on identifiers
with no account, ``identifier#<mac>``. Details hold masked values only.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from chalicelib import settings
from chalicelib.store import tables, writes
from chalicelib.store.models import AuditEventModel

__all__ = ["AuditEvent", "AuditPage", "event", "for_subject", "page_for_subject", "record", "retention"]

# MLPS 2.0 level 3 (GB/T 22239-2019): security audit records kept at least six months.
MIN_RETENTION_DAYS = 180


def retention() -> timedelta:
    """How long an event is kept from its time (``HALL_AUDIT_RETENTION_DAYS``, never under 180 days)."""
    return timedelta(days=max(MIN_RETENTION_DAYS, settings.get().audit_retention_days))


@dataclass(frozen=True)
class AuditEvent:
    subject: str
    at: str
    event: str
    method: str | None
    detail: dict


@dataclass(frozen=True)
class AuditPage:
    """One page of a subject's events, newest first; ``next_after`` continues it (None: the last)."""

    events: list[AuditEvent]
    next_after: str | None


def event(subject: str, name: str, now: datetime, method: str | None = None, **detail: object) -> writes.Write:
    """An event to write inside another write's transaction (opaque to the caller)."""
    return writes.put(_item(subject, name, now, method, **detail))


def _item(subject: str, name: str, now: datetime, method: str | None = None, **detail: object) -> AuditEventModel:
    return AuditEventModel(
        subject,
        f"{now.isoformat()}#{secrets.token_hex(4)}",
        event=name,
        method=method,
        detail=detail or None,
        expires_at=now + retention(),
    )


def record(subject: str, name: str, now: datetime, method: str | None = None, **detail: object) -> None:
    tables.ready()
    _item(subject, name, now, method, **detail).save()


def for_subject(subject: str, limit: int = 100) -> list[AuditEvent]:
    tables.ready()
    return [
        AuditEvent(item.subject, item.event_id.split("#")[0], item.event, item.method, item.detail or {})
        for item in AuditEventModel.query(subject, scan_index_forward=False, limit=limit)
    ]


def page_for_subject(subject: str, limit: int = 20, after: str | None = None) -> AuditPage:
    """A page of the subject's events, newest first, after the event id ``after`` (the
    previous page's ``next_after``): one Query of at most ``limit`` items."""
    tables.ready()
    start = {"subject": {"S": subject}, "event_id": {"S": after}} if after else None
    results = AuditEventModel.query(subject, scan_index_forward=False, limit=limit, last_evaluated_key=start)
    found = [
        AuditEvent(item.subject, item.event_id.split("#")[0], item.event, item.method, item.detail or {})
        for item in results
    ]
    last = results.last_evaluated_key
    return AuditPage(found, last["event_id"]["S"] if last and len(found) == limit else None)
