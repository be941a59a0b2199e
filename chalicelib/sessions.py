"""Sessions, shared by every login method: opaque tokens stored only as hashes.

Idle timeout 30 minutes, absolute 12 hours (settings). The idle expiry slides
on use, written at most once a minute so that an authenticated read stays one
GetItem almost always. Expiry is checked here on every read; the TTL on the
table only tidies up.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from chalicelib import crypto, settings
from chalicelib.store import sessions as session_store
from chalicelib.store.accounts import Account
from chalicelib.store.sessions import SessionRecord

__all__ = ["IssuedSession", "SessionRecord", "close", "open_session", "resolve"]

TOUCH_EVERY = timedelta(seconds=60)


@dataclass(frozen=True)
class IssuedSession:
    token: str
    record: SessionRecord


def open_session(
    account: Account,
    method: str,
    now: datetime,
    client: str,
    events: list | None = None,
    extra: tuple = (),
) -> IssuedSession:
    """Open and store a session; ``extra`` are store writes that must commit with it."""
    issued = prepare(account, method, now, client)
    session_store.create_with_events(issued.record, events or [], extra)
    return issued


def prepare(account: Account, method: str, now: datetime, client: str) -> IssuedSession:
    """A new session for ``account``, not yet stored (a flow may store it in its own transaction)."""
    cfg = settings.get()
    token = crypto.new_token()
    absolute = now + cfg.session_absolute
    record = SessionRecord(
        token_hash=crypto.hash_token(token),
        account_id=account.account_id,
        method=method,
        client=client,
        level=account.level,
        name_masked=account.name_masked,
        id_masked=account.id_masked,
        phone_masked=account.phone_masked,
        created_at=now,
        last_seen_at=now,
        absolute_expires_at=absolute,
        expires_at=min(now + cfg.session_idle, absolute),
    )
    return IssuedSession(token, record)


def stored_form(issued: IssuedSession):
    """The record to write for a prepared session (opaque to flows)."""
    return session_store.new_session(issued.record)


def resolve(token: str | None, now: datetime, client: str) -> SessionRecord | None:
    """The live session a token stands for, presented by the kind of client that opened it, or None.

    An app's bearer token does not work as a browser cookie, nor a browser's cookie
    as a bearer token: each kind has its own protections (CSRF for cookies), and a
    token taken from one must not open the other.
    """
    if not token or len(token) > 128:
        return None
    token_hash = crypto.hash_token(token)
    record = session_store.get(token_hash)
    if record is None or record.expires_at <= now or record.absolute_expires_at <= now:
        return None
    if record.client != client:
        return None
    if now - record.last_seen_at >= TOUCH_EVERY:
        expires = min(now + settings.get().session_idle, record.absolute_expires_at)
        if not session_store.touch(token_hash, now, expires):
            return None
        record = replace(record, last_seen_at=now, expires_at=expires)  # what was just stored
    return record


def close(token: str | None) -> None:
    if token:
        session_store.delete(crypto.hash_token(token))
