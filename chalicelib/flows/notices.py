"""公示公告 (notices): published by the operator (``python -m chalicelib.ops notices ...``), read by
everyone on ``/hall/notices`` and ``/hall/notices/<id>``."""

from __future__ import annotations

from datetime import datetime

from chalicelib.domain import notices as rules
from chalicelib.store import notices as store

__all__ = ["PAGE_SIZE", "get", "page", "publish", "withdraw"]

PAGE_SIZE = 10


def publish(title: str, body: str, department: str, now: datetime, notice_id: str | None = None) -> store.Notice:
    """Publish a notice (``notice_id``: a fixed one, for the demo's notices, written once)."""
    title, body, department = rules.validate_text(title, body, department)
    notice = store.Notice(notice_id or rules.new_notice_id(now), title, body, department, now)
    store.publish(notice)
    return notice


def withdraw(notice_id: str) -> bool:
    normalized = rules.normalize_notice_id(notice_id)
    return normalized is not None and store.withdraw(normalized)


def page(after: str | None = None) -> store.NoticePage:
    return store.latest(PAGE_SIZE, rules.normalize_notice_id(after))


def get(notice_id: str) -> store.Notice | None:
    normalized = rules.normalize_notice_id(notice_id)
    return store.get(normalized) if normalized else None
