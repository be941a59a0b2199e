"""忘记密码找回 records (``recovery#<id>`` on the flows table) and the recovery's last transaction.

identified → verified (人脸识别 or 短信验证) → done. Every change is one conditional write on
the state, the browser binding and the validity, never a read followed by a write; a refused
change reads the record once (the rare path) to say why. Every read compares ``valid_until``
with the clock; the TTL attribute only tidies up.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from pynamodb.exceptions import DoesNotExist, TransactWriteError, UpdateError
from pynamodb.transactions import TransactWrite

from chalicelib.clock import from_epoch, to_epoch
from chalicelib.domain.recovery import RecoveryState
from chalicelib.store import tables, writes
from chalicelib.store.errors import (
    StoreError,
    WriteRefusedError,
    cancellation_codes,
    is_condition_failure,
    with_conflict_retries,
)
from chalicelib.store.models import RecoveryRecordModel

__all__ = [
    "Recovery",
    "RecoveryRefusedError",
    "create",
    "finish",
    "get",
    "mark_verified",
    "owner_key",
]

_GRACE = timedelta(hours=1)


@dataclass(frozen=True)
class Recovery:
    recovery_id: str
    state: RecoveryState
    binding_hash: str
    valid_until: datetime
    id_type: str
    id_cipher: str
    name_cipher: str
    account_id: str | None
    phone_mac: str | None
    verified_by: str | None

    def expired(self, now: datetime) -> bool:
        return self.valid_until <= now


class RecoveryRefusedError(StoreError):
    """A recovery's state change did not hold: ``reason`` is ``gone`` (unknown, past its grace
    or spent), ``expired``, ``other_browser`` or ``state`` (not at the step this change needs)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def owner_key(recovery_id: str) -> str:
    """The record's key: also how another flow record (a face check) names the recovery it serves."""
    return f"recovery#{recovery_id}"


def _record(item: RecoveryRecordModel, recovery_id: str) -> Recovery:
    return Recovery(
        recovery_id=recovery_id,
        state=RecoveryState(item.state),
        binding_hash=item.binding_hash,
        valid_until=from_epoch(int(item.valid_until)),
        id_type=item.id_type,
        id_cipher=item.id_cipher,
        name_cipher=item.name_cipher,
        account_id=item.account_id,
        phone_mac=item.phone_mac,
        verified_by=item.verified_by,
    )


def create(
    recovery_id: str,
    binding_hash: str,
    valid_until: datetime,
    *,
    id_type: str,
    id_cipher: str,
    name_cipher: str,
    account_id: str | None,
    phone_mac: str | None,
) -> None:
    """A new recovery at 填写账号 done (one conditional PutItem: the id is new)."""
    tables.ready()
    RecoveryRecordModel(
        owner_key(recovery_id),
        state=RecoveryState.IDENTIFIED.value,
        binding_hash=binding_hash,
        valid_until=to_epoch(valid_until),
        id_type=id_type,
        id_cipher=id_cipher,
        name_cipher=name_cipher,
        account_id=account_id,
        phone_mac=phone_mac,
        expires_at=valid_until + _GRACE,
    ).save(condition=RecoveryRecordModel.flow_key.does_not_exist())


def get(recovery_id: str) -> Recovery | None:
    """The record, by one strongly consistent GetItem (a step follows the previous at once), or None."""
    tables.ready()
    try:
        return _record(RecoveryRecordModel.get(owner_key(recovery_id), consistent_read=True), recovery_id)
    except DoesNotExist:
        return None


def _holds(recovery_id: str, binding_hash: str, state: RecoveryState, now: datetime):
    record = RecoveryRecordModel
    return (
        record.flow_key.exists()
        & (record.state == state.value)
        & (record.binding_hash == binding_hash)
        & (record.valid_until > to_epoch(now))
    )


def _why(recovery_id: str, binding_hash: str, now: datetime) -> str:
    current = get(recovery_id)
    if current is None or current.state is RecoveryState.DONE:
        return "gone"
    if current.binding_hash != binding_hash:
        return "other_browser"
    if current.expired(now):
        return "expired"
    return "state"


def mark_verified(
    recovery_id: str, binding_hash: str, verified_by: str, now: datetime, with_writes: tuple[writes.Write, ...] = ()
) -> None:
    """identified → verified, in this browser, before the record expires. ``with_writes`` (a face
    check's consumption) commit in the same transaction; when one of them fails its condition
    nothing is written and :class:`WriteRefusedError` is raised. Raises :class:`RecoveryRefusedError`."""
    tables.ready()
    record = RecoveryRecordModel
    actions = [record.state.set(RecoveryState.VERIFIED.value), record.verified_by.set(verified_by)]
    condition = _holds(recovery_id, binding_hash, RecoveryState.IDENTIFIED, now)
    if not with_writes:
        try:
            record(owner_key(recovery_id)).update(actions=actions, condition=condition)
        except UpdateError as exc:
            if not is_condition_failure(exc):
                raise
            raise RecoveryRefusedError(_why(recovery_id, binding_hash, now)) from exc
        return
    own = writes.update(record(owner_key(recovery_id)), actions, condition, label="recovery")
    _transact((own, *with_writes), recovery_id, binding_hash, now)


def finish(recovery_id: str, binding_hash: str, now: datetime, with_writes: tuple[writes.Write, ...]) -> None:
    """verified → done, committed with ``with_writes`` (the new password, the lock forgotten, the
    audit event) in one TransactWriteItems: the record is spent exactly when the password is
    replaced. Raises :class:`RecoveryRefusedError` when the record no longer allows it, or
    :class:`WriteRefusedError` (``label`` of the write) when another write's condition failed."""
    record = RecoveryRecordModel
    own = writes.update(
        record(owner_key(recovery_id)),
        [record.state.set(RecoveryState.DONE.value)],
        _holds(recovery_id, binding_hash, RecoveryState.VERIFIED, now),
        label="recovery",
    )
    _transact((own, *with_writes), recovery_id, binding_hash, now)


# PynamoDB sends a transaction's items in this order, whatever the order they were added in.
_OP_ORDER = {"check": 0, "delete": 1, "put": 2, "update": 3}


def _transact(items: tuple[writes.Write, ...], recovery_id: str, binding_hash: str, now: datetime) -> None:
    tables.ready()

    def commit() -> None:
        with TransactWrite(connection=tables.connection()) as tx:
            for item in items:
                item.add_to(tx)

    try:
        with_conflict_retries(commit)
    except TransactWriteError as exc:
        sent = sorted(items, key=lambda item: _OP_ORDER[item.op])  # stable: the order added within an op
        failed = [
            item.label or item.op
            for item, code in zip(sent, cancellation_codes(exc), strict=False)
            if code == "ConditionalCheckFailed"
        ]
        if "recovery" in failed:
            raise RecoveryRefusedError(_why(recovery_id, binding_hash, now)) from exc
        if failed:
            raise WriteRefusedError(failed[0]) from exc  # its label: which write no longer held
        raise
