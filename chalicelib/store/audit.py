"""Security events (registration, logins, locks, unlocks), per subject.

A subject is an account (``account#<id>``) or, for failures on identifiers
with no account, ``identifier#<mac>``. Details hold masked values only.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from chalicelib.store import tables
from chalicelib.store.models import AuditEventModel

__all__ = ["AuditEvent", "event", "for_subject", "record"]

RETENTION = timedelta(days=3 * 365)


@dataclass(frozen=True)
class AuditEvent:
    subject: str
    at: str
    event: str
    method: str | None
    detail: dict


def event(subject: str, name: str, now: datetime, method: str | None = None, **detail: object) -> AuditEventModel:
    """An event ready to be written, alone or inside another write's transaction."""
    return AuditEventModel(
        subject,
        f"{now.isoformat()}#{secrets.token_hex(4)}",
        event=name,
        method=method,
        detail=detail or None,
        expires_at=now + RETENTION,
    )


def record(subject: str, name: str, now: datetime, method: str | None = None, **detail: object) -> None:
    tables.ready()
    event(subject, name, now, method, **detail).save()


def for_subject(subject: str, limit: int = 100) -> list[AuditEvent]:
    tables.ready()
    return [
        AuditEvent(item.subject, item.event_id.split("#")[0], item.event, item.method, item.detail or {})
        for item in AuditEventModel.query(subject, scan_index_forward=False, limit=limit)
    ]
