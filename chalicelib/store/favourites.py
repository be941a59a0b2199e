"""收藏 (favourites): one item per citizen and service on the ``favourites`` table.

Both changes are single conditional writes, idempotent without a read: adding puts the item
on condition it is absent (a second add changes nothing and keeps the first time), removing
deletes it on condition it is present (a second remove changes nothing). Either says whether it
changed anything. Listing is one Query on the citizen's partition.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from pynamodb.exceptions import DeleteError, PutError

from chalicelib.store import tables
from chalicelib.store.errors import is_condition_failure
from chalicelib.store.models import FavouriteModel

__all__ = ["LIST_MAX", "Favourite", "add", "list_for", "remove"]

# More than the catalogue holds: a citizen can only add services that exist.
LIST_MAX = 500


@dataclass(frozen=True)
class Favourite:
    service_code: str
    added_at: datetime


def add(account_id: str, service_code: str, now: datetime) -> bool:
    """Add a favourite; False when it was there already (nothing written)."""
    tables.ready()
    item = FavouriteModel(account_id, service_code, added_at=now)
    try:
        item.save(condition=FavouriteModel.service_code.does_not_exist())
    except PutError as exc:
        if is_condition_failure(exc):
            return False
        raise
    return True


def remove(account_id: str, service_code: str) -> bool:
    """Remove a favourite; False when it was not there (nothing deleted)."""
    tables.ready()
    try:
        FavouriteModel(account_id, service_code).delete(condition=FavouriteModel.service_code.exists())
    except DeleteError as exc:
        if is_condition_failure(exc):
            return False
        raise
    return True


def list_for(account_id: str) -> list[Favourite]:
    """The citizen's favourites, by service code (one Query)."""
    tables.ready()
    return [
        Favourite(item.service_code, item.added_at)
        for item in FavouriteModel.query(account_id, limit=LIST_MAX, consistent_read=True)
    ]
