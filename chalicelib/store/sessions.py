"""Login sessions, keyed by the hash of their token."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from pynamodb.exceptions import DoesNotExist, TransactWriteError, UpdateError
from pynamodb.transactions import TransactWrite

from chalicelib.store import tables, writes
from chalicelib.store.errors import WriteRefusedError, cancellation_codes, is_condition_failure, with_conflict_retries
from chalicelib.store.models import SessionModel

__all__ = ["SessionRecord", "delete", "delete_for_account", "get", "new_item", "touch"]


@dataclass(frozen=True)
class SessionRecord:
    token_hash: str
    account_id: str
    method: str
    client: str
    level: int
    name_masked: str
    id_masked: str
    phone_masked: str
    created_at: datetime
    last_seen_at: datetime
    absolute_expires_at: datetime
    expires_at: datetime


def _record(item: SessionModel) -> SessionRecord:
    return SessionRecord(
        token_hash=item.token_hash,
        account_id=item.account_id,
        method=item.method,
        client=item.client or "browser",
        level=int(item.level),
        name_masked=item.name_masked,
        id_masked=item.id_masked,
        phone_masked=item.phone_masked,
        created_at=item.created_at,
        last_seen_at=item.last_seen_at,
        absolute_expires_at=item.absolute_expires_at,
        expires_at=item.expires_at,
    )


def new_session(record: SessionRecord) -> writes.Write:
    """A new session to write inside another write's transaction (registration's)."""
    return writes.put(new_item(record), condition=SessionModel.token_hash.does_not_exist())


def new_item(record: SessionRecord) -> SessionModel:
    return SessionModel(
        record.token_hash,
        account_id=record.account_id,
        method=record.method,
        client=record.client,
        level=record.level,
        name_masked=record.name_masked,
        id_masked=record.id_masked,
        phone_masked=record.phone_masked,
        created_at=record.created_at,
        last_seen_at=record.last_seen_at,
        absolute_expires_at=record.absolute_expires_at,
        expires_at=record.expires_at,
    )


def create_with_events(
    record: SessionRecord,
    events: list[writes.Write],
    extra: tuple[writes.Write, ...] = (),
) -> None:
    """Store a new session, its audit events and the writes its login method asked
    for (forget a failure streak, give back a reserved try...), in one round trip."""
    tables.ready()

    def commit() -> None:
        with TransactWrite(connection=tables.connection()) as tx:
            tx.save(new_item(record), condition=SessionModel.token_hash.does_not_exist())
            for event in events:
                event.add_to(tx)
            for write in extra:
                write.add_to(tx)

    try:
        with_conflict_retries(commit)
    except TransactWriteError as exc:
        # The session's own conditions cannot fail (a fresh token, fresh event ids): a refusal
        # is a method's write (the QR no longer confirmed), and then nothing was written.
        if "ConditionalCheckFailed" in cancellation_codes(exc)[1:]:
            raise WriteRefusedError() from exc
        raise


def get(token_hash: str) -> SessionRecord | None:
    tables.ready()
    try:
        return _record(SessionModel.get(token_hash))
    except DoesNotExist:
        return None


def touch(token_hash: str, last_seen_at: datetime, expires_at: datetime) -> bool:
    """Slide the idle expiry; False when the session is gone (logged out meanwhile)."""
    tables.ready()
    try:
        SessionModel(token_hash).update(
            actions=[SessionModel.last_seen_at.set(last_seen_at), SessionModel.expires_at.set(expires_at)],
            condition=SessionModel.token_hash.exists(),
        )
        return True
    except UpdateError as exc:
        if is_condition_failure(exc):
            return False
        raise


def delete(token_hash: str) -> None:
    tables.ready()
    SessionModel(token_hash).delete()


def delete_for_account(account_id: str) -> int:
    """Revoke every session of an account (password reset, operator action)."""
    tables.ready()
    count = 0
    for item in SessionModel.by_account.query(account_id):
        SessionModel(item.token_hash).delete()
        count += 1
    return count
