"""Login sessions, keyed by the hash of their token."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from pynamodb.exceptions import DoesNotExist, TransactWriteError, UpdateError
from pynamodb.transactions import TransactWrite

from chalicelib.store import tables, writes
from chalicelib.store.errors import WriteRefusedError, cancellation_codes, is_condition_failure, with_conflict_retries
from chalicelib.store.models import SessionModel

__all__ = ["SessionRecord", "delete", "delete_for_account", "get", "new_item", "refresh_for_account", "touch"]


@dataclass(frozen=True)
class SessionRecord:
    token_hash: str
    account_id: str
    method: str
    client: str
    level: int
    name_masked: str
    id_masked: str
    phone_masked: str | None  # None: the account has no phone bound
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
        # is a method's write (the QR no longer confirmed, the password replaced meanwhile), and
        # then nothing was written. (Condition checks and deletes are sent before the session.)
        if "ConditionalCheckFailed" in cancellation_codes(exc):
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


def delete_for_account(account_id: str, except_token_hash: str | None = None) -> int:
    """Revoke every session of an account, browsers' and apps' alike (password reset, password
    change, 退出其他设备, operator action), but the one ``except_token_hash`` names (the
    citizen's own, when they asked): one Query of ``by_account``, then batched deletes."""
    tables.ready()
    hashes = [
        item.token_hash
        for item in SessionModel.by_account.query(account_id)
        if item.token_hash != except_token_hash
    ]
    if hashes:
        with SessionModel.batch_write() as batch:  # BatchWriteItem, 25 a request, unprocessed ones retried
            for token_hash in hashes:
                batch.delete(SessionModel(token_hash))
    return len(hashes)


def refresh_for_account(account) -> int:
    """Write the account's new snapshot (level, masked name, ID and phone) into every session
    it has, browsers' and apps' alike (after a level change): a Query of ``by_account``, then
    one conditional update per session (one that ended meanwhile is left alone)."""
    tables.ready()
    actions = [
        SessionModel.level.set(int(account.level)),
        SessionModel.name_masked.set(account.name_masked),
        SessionModel.id_masked.set(account.id_masked),
    ]
    if account.phone_masked:
        actions.append(SessionModel.phone_masked.set(account.phone_masked))
    else:  # the account has no phone bound (any more)
        actions.append(SessionModel.phone_masked.remove())
    count = 0
    for item in SessionModel.by_account.query(account.account_id):
        try:
            SessionModel(item.token_hash).update(actions=list(actions), condition=SessionModel.token_hash.exists())
            count += 1
        except UpdateError as exc:
            if not is_condition_failure(exc):
                raise
    return count
