"""电子社保卡扫码登录 records (``essc#<id>``) and the platform's callback nonces (store/callback_nonces.py).

pending → confirmed (the platform's callback named the account) or link_required (the
holder has no account the hall may log in) → collected (the browser bound to the record
took its session, in the session's own transaction). Every change is one conditional
write; every read compares ``valid_until`` with the clock.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from pynamodb.exceptions import DoesNotExist, TransactWriteError
from pynamodb.transactions import TransactWrite

from chalicelib.clock import from_epoch, to_epoch
from chalicelib.store import callback_nonces, records, tables, writes
from chalicelib.store.callback_nonces import NonceReusedError
from chalicelib.store.errors import StoreError
from chalicelib.store.models import EsscLoginRecordModel

__all__ = [
    "CONFIRMED",
    "LINK_REQUIRED",
    "PENDING",
    "EsscLogin",
    "EsscLoginRefusedError",
    "NonceReusedError",
    "collect",
    "create",
    "decide",
    "get",
    "use_nonce",
]

PENDING, CONFIRMED, LINK_REQUIRED, COLLECTED = "pending", "confirmed", "link_required", "collected"
_GRACE = timedelta(hours=1)


@dataclass(frozen=True)
class EsscLogin:
    qr_id: str
    state: str
    valid_until: datetime
    binding_hash: str
    secret_cipher: str
    account_id: str | None

    def expired(self, now: datetime) -> bool:
        return self.valid_until <= now


class EsscLoginRefusedError(StoreError):
    """The callback's change did not hold: the record is gone, expired or decided already."""


def _key(qr_id: str) -> str:
    return f"essc#{qr_id}"


def _record(item: EsscLoginRecordModel, qr_id: str) -> EsscLogin:
    return EsscLogin(
        qr_id=qr_id,
        state=item.state,
        valid_until=from_epoch(int(item.valid_until)),
        binding_hash=item.binding_hash,
        secret_cipher=item.secret_cipher,
        account_id=item.account_id,
    )


def create(
    qr_id: str, binding_hash: str, secret_cipher: str, valid_until: datetime, window: records.RateWindow | None = None
) -> None:
    """Store a new QR record; with ``window``, only while the client's window of QR records
    has room, counted in the same transaction (raises LimitExceededError when full)."""
    tables.ready()
    item = EsscLoginRecordModel(
        _key(qr_id),
        state=PENDING,
        valid_until=to_epoch(valid_until),
        binding_hash=binding_hash,
        secret_cipher=secret_cipher,
        expires_at=valid_until + _GRACE,
    )
    condition = EsscLoginRecordModel.flow_key.does_not_exist()
    if window is None:
        item.save(condition=condition)
    else:
        records.save_with_hit(item, condition, window)


def get(qr_id: str) -> EsscLogin | None:
    """The record, by one GetItem (the browser's poll, the callback's TOTP check), or None."""
    tables.ready()
    try:
        return _record(EsscLoginRecordModel.get(_key(qr_id)), qr_id)
    except DoesNotExist:
        return None


def use_nonce(nonce: str, now: datetime, keep_until: datetime) -> None:
    """Record the callback's nonce once (a conditional put): a second use raises NonceReusedError."""
    callback_nonces.use("essc", nonce, now, keep_until)


def decide(qr_id: str, state: str, account_id: str | None, now: datetime, with_items: tuple = ()) -> None:
    """pending → ``state`` (confirmed for ``account_id``, or link_required), with ``with_items``
    (a link claim and its audit event) in the same transaction."""
    tables.ready()
    record = EsscLoginRecordModel
    actions = [record.state.set(state), record.decided_at.set(to_epoch(now))]
    if account_id:
        actions.append(record.account_id.set(account_id))
    try:
        with TransactWrite(connection=tables.connection()) as tx:
            tx.update(
                record(_key(qr_id)),
                actions=actions,
                condition=record.flow_key.exists() & (record.state == PENDING) & (record.valid_until > to_epoch(now)),
            )
            for extra in with_items:
                extra.add_to(tx)
    except TransactWriteError as exc:
        reasons = exc.cancellation_reasons or []
        if any(r is not None and r.code == "ConditionalCheckFailed" for r in reasons):
            raise EsscLoginRefusedError(qr_id) from exc
        raise


def collect(qr_id: str, binding_hash: str, now: datetime) -> writes.Write:
    """The write that hands a confirmed record's session over once, to its browser (the
    same change as 扫码登录's: chalicelib.store.qr_logins.collect_write)."""
    from chalicelib.store.qr_logins import collect_write

    return collect_write(EsscLoginRecordModel(_key(qr_id)), binding_hash, now)
