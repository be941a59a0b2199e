"""扫码登录 records (``qr#<id>`` on the flows table): the conditional writes of each state change.

pending → scanned (an app session scanned it) → confirmed (the same account confirmed) →
collected (the browser that asked for it took its session), or cancelled. Every change is
one conditional write, never a read followed by a write; a refused change reads the record
once (the rare path) to say why. Every read compares ``valid_until`` with the clock.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from pynamodb.exceptions import DoesNotExist, UpdateError

from chalicelib.clock import from_epoch, to_epoch
from chalicelib.store import records, tables, writes
from chalicelib.store.errors import StoreError, is_condition_failure
from chalicelib.store.models import QrLoginRecordModel

__all__ = [
    "PENDING",
    "QrLogin",
    "QrLoginRefusedError",
    "cancel",
    "collect",
    "confirm",
    "create",
    "get",
    "mark_scanned",
]

PENDING, SCANNED, CONFIRMED, COLLECTED, CANCELLED = "pending", "scanned", "confirmed", "collected", "cancelled"
_GRACE = timedelta(hours=1)


@dataclass(frozen=True)
class QrLogin:
    qr_id: str
    state: str
    valid_until: datetime
    binding_hash: str
    requested_at: datetime
    request_ip: str
    request_user_agent: str
    scanned_by: str | None

    def expired(self, now: datetime) -> bool:
        return self.valid_until <= now


class QrLoginRefusedError(StoreError):
    """A state change did not hold: ``reason`` is ``gone`` (unknown or past its grace),
    ``expired``, ``scanned`` (scanned already), ``other_account`` (scanned by another
    account) or ``finished`` (confirmed, collected or cancelled already)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _key(qr_id: str) -> str:
    return f"qr#{qr_id}"


def _record(item: QrLoginRecordModel, qr_id: str) -> QrLogin:
    return QrLogin(
        qr_id=qr_id,
        state=item.state,
        valid_until=from_epoch(int(item.valid_until)),
        binding_hash=item.binding_hash,
        requested_at=from_epoch(int(item.requested_at)),
        request_ip=item.request_ip,
        request_user_agent=item.request_user_agent,
        scanned_by=item.scanned_by,
    )


def create(
    qr_id: str,
    binding_hash: str,
    now: datetime,
    valid_until: datetime,
    request_ip: str,
    user_agent: str,
    window: records.RateWindow | None = None,
) -> None:
    """Store a new QR record; with ``window``, only while the client's window of QR records
    has room, counted in the same transaction (raises LimitExceededError when full)."""
    tables.ready()
    item = QrLoginRecordModel(
        _key(qr_id),
        state=PENDING,
        valid_until=to_epoch(valid_until),
        binding_hash=binding_hash,
        requested_at=to_epoch(now),
        request_ip=request_ip,
        request_user_agent=user_agent[:300],
        expires_at=valid_until + _GRACE,
    )
    condition = QrLoginRecordModel.flow_key.does_not_exist()
    if window is None:
        item.save(condition=condition)
    else:
        records.save_with_hit(item, condition, window)


def get(qr_id: str) -> QrLogin | None:
    """The record, by one GetItem (the browser's poll), or None."""
    tables.ready()
    try:
        return _record(QrLoginRecordModel.get(_key(qr_id)), qr_id)
    except DoesNotExist:
        return None


def collect(qr_id: str, binding_hash: str, now: datetime) -> writes.Write:
    """The write that hands a confirmed QR's session over once, to the browser it is bound
    to: committed in the session's transaction, so when it fails nobody gets a session."""
    return collect_write(QrLoginRecordModel(_key(qr_id)), binding_hash, now)


def collect_write(item, binding_hash: str, now: datetime) -> writes.Write:
    """confirmed → collected on a login record bound to a browser (扫码登录's, 电子社保卡's:
    a model with ``state``, ``binding_hash`` and ``valid_until``), on condition it is
    confirmed, this browser's and valid."""
    record = type(item)
    return writes.update(
        item,
        [record.state.set(COLLECTED)],
        condition=(record.state == CONFIRMED)
        & (record.binding_hash == binding_hash)
        & (record.valid_until > to_epoch(now)),
    )


def _change(qr_id: str, now: datetime, actions: list, condition, why) -> QrLogin:
    tables.ready()
    item = QrLoginRecordModel(_key(qr_id))
    record = QrLoginRecordModel
    try:
        item.update(
            actions=actions,
            condition=record.flow_key.exists() & (record.valid_until > to_epoch(now)) & condition,
        )
    except UpdateError as exc:
        if not is_condition_failure(exc):
            raise
        current = get(qr_id)
        if current is None:
            raise QrLoginRefusedError("gone") from exc
        if current.expired(now):
            raise QrLoginRefusedError("expired") from exc
        raise QrLoginRefusedError(why(current)) from exc
    return _record(item, qr_id)


def mark_scanned(qr_id: str, account_id: str, now: datetime) -> QrLogin:
    """pending → scanned by ``account_id``: a QR is scanned once."""
    record = QrLoginRecordModel
    return _change(
        qr_id,
        now,
        [record.state.set(SCANNED), record.scanned_by.set(account_id), record.scanned_at.set(to_epoch(now))],
        record.state == PENDING,
        lambda current: "scanned" if current.state == SCANNED else "finished",
    )


def _decide(qr_id: str, account_id: str, now: datetime, state: str) -> QrLogin:
    record = QrLoginRecordModel

    def why(current: QrLogin) -> str:
        if current.state != SCANNED:
            return "finished"
        return "other_account"

    return _change(
        qr_id,
        now,
        [record.state.set(state), record.decided_at.set(to_epoch(now))],
        (record.state == SCANNED) & (record.scanned_by == account_id),
        why,
    )


def confirm(qr_id: str, account_id: str, now: datetime) -> QrLogin:
    """scanned → confirmed, only by the account that scanned."""
    return _decide(qr_id, account_id, now, CONFIRMED)


def cancel(qr_id: str, account_id: str, now: datetime) -> QrLogin:
    """scanned → cancelled, only by the account that scanned."""
    return _decide(qr_id, account_id, now, CANCELLED)
