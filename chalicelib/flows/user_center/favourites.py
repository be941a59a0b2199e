"""收藏 (favourites): a citizen marks services from any service card and lists them in the
user center.

Adding and removing are idempotent: adding a favourite twice, or removing one that is not
there, changes nothing and answers the same state (``store/favourites.py``: a conditional put
and a conditional delete, never a read first). Only services of the catalogue can be added;
that bounds a citizen's favourites by the catalogue's size, so no separate limit is kept. A
service the catalogue no longer holds can still be removed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from chalicelib.catalogue import services
from chalicelib.context import RequestContext
from chalicelib.errors import HallError
from chalicelib.observability import logger
from chalicelib.store import favourites as store
from chalicelib.store.sessions import SessionRecord

__all__ = ["FavouriteEntry", "add", "codes_for", "list_for", "remove"]


@dataclass(frozen=True)
class FavouriteEntry:
    """A favourite as the pages show it: the service and when it was added."""

    service: services.Service
    added_at: datetime


def _known(code: str) -> services.Service:
    service = services.get(services.normalize_code(code) or "")
    if service is None:
        raise HallError.not_found()
    return service


def add(session: SessionRecord, code: str, ctx: RequestContext) -> services.Service:
    """Add the service to the citizen's favourites (already there: nothing changes)."""
    service = _known(code)
    added = store.add(session.account_id, service.code, ctx.now)
    logger.append_keys(favourite=service.code, changed=added)
    return service


def remove(session: SessionRecord, code: str) -> str:
    """Remove the service from the citizen's favourites (not there: nothing changes)."""
    normalized = services.normalize_code(code)
    if normalized is None:
        raise HallError.not_found()
    removed = store.remove(session.account_id, normalized)
    logger.append_keys(favourite=normalized, changed=removed)
    return normalized


def list_for(session: SessionRecord) -> list[FavouriteEntry]:
    """The citizen's favourites, newest first; services no longer in the catalogue left out."""
    entries = [
        FavouriteEntry(service, favourite.added_at)
        for favourite in store.list_for(session.account_id)
        if (service := services.get(favourite.service_code)) is not None
    ]
    return sorted(entries, key=lambda entry: entry.added_at, reverse=True)


def codes_for(session: SessionRecord | None) -> frozenset[str]:
    """The codes a page marks as favourites (nobody logged in: none, and no read)."""
    if session is None:
        return frozenset()
    return frozenset(favourite.service_code for favourite in store.list_for(session.account_id))
