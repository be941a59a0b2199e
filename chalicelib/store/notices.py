"""公示公告 (notices) on the ``notices`` table: one partition, newest first by ``notice_id``.

Publishing is a conditional put (a notice id is never reused, so a demo notice seeded twice is
written once); withdrawing a conditional delete. Listing is one Query a page; a notice is one
GetItem.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from pynamodb.exceptions import DeleteError, DoesNotExist, PutError

from chalicelib.store import tables
from chalicelib.store.errors import StoreError, is_condition_failure
from chalicelib.store.models import NoticeModel

__all__ = ["BOARD", "Notice", "NoticeExistsError", "NoticePage", "get", "latest", "publish", "withdraw"]

BOARD = "notice"


class NoticeExistsError(StoreError):
    """A notice with this id is already published."""


@dataclass(frozen=True)
class Notice:
    notice_id: str
    title: str
    body: str
    department: str
    published_at: datetime


@dataclass(frozen=True)
class NoticePage:
    notices: list[Notice]
    next_after: str | None  # the last notice's id when more may follow


def _notice(item: NoticeModel) -> Notice:
    return Notice(item.notice_id, item.title, item.body, item.department, item.published_at)


def publish(notice: Notice) -> None:
    """Publish ``notice`` (condition: its id is new); NoticeExistsError otherwise."""
    tables.ready()
    item = NoticeModel(
        BOARD,
        notice.notice_id,
        title=notice.title,
        body=notice.body,
        department=notice.department,
        published_at=notice.published_at,
    )
    try:
        item.save(condition=NoticeModel.notice_id.does_not_exist())
    except PutError as exc:
        if is_condition_failure(exc):
            raise NoticeExistsError(notice.notice_id) from exc
        raise


def withdraw(notice_id: str) -> bool:
    """Withdraw a notice; False when there was none."""
    tables.ready()
    try:
        NoticeModel(BOARD, notice_id).delete(condition=NoticeModel.notice_id.exists())
    except DeleteError as exc:
        if is_condition_failure(exc):
            return False
        raise
    return True


def get(notice_id: str) -> Notice | None:
    tables.ready()
    try:
        return _notice(NoticeModel.get(BOARD, notice_id))
    except DoesNotExist:
        return None


def latest(limit: int, after: str | None = None) -> NoticePage:
    """A page of notices, newest first; ``after`` continues from a previous page's last id."""
    tables.ready()
    start = {"board": {"S": BOARD}, "notice_id": {"S": after}} if after else None
    result = NoticeModel.query(BOARD, scan_index_forward=False, limit=limit, last_evaluated_key=start)
    notices = [_notice(item) for item in result]
    more = result.last_evaluated_key is not None and len(notices) == limit
    return NoticePage(notices, notices[-1].notice_id if more else None)
