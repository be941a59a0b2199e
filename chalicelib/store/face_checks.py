"""人脸识别 records (``face#<id>`` on the flows table): the conditional writes of each state change.

pending → passed or failed (the provider's signed callback, once, while valid) → consumed (the
host flow's own transaction, once, by the owner and purpose it was made for, from the browser it
is bound to). Every change is one conditional write; every read compares ``valid_until`` with
the clock. No face image or template is ever stored: the provider only reports pass or fail.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from pynamodb.exceptions import DoesNotExist, TransactWriteError
from pynamodb.transactions import TransactWrite

from chalicelib.clock import from_epoch, to_epoch
from chalicelib.domain.face_checks import CONSUMED, PASSED, PENDING
from chalicelib.store import tables, writes
from chalicelib.store.errors import StoreError, cancellation_codes, with_conflict_retries
from chalicelib.store.models import FaceCheckRecordModel

__all__ = ["WRITE_LABEL", "FaceCheck", "FaceCheckRefusedError", "NewFaceCheck", "consume", "create", "decide", "get"]

_GRACE = timedelta(hours=1)
# The label of the consuming write in a host's transaction (writes.Write.label): a host's
# repository that reads the cancellation reasons can tell the face check's item by it.
WRITE_LABEL = "face_check"


@dataclass(frozen=True)
class NewFaceCheck:
    face_id: str
    purpose: str
    owner: str
    binding_hash: str
    id_type: str
    id_mac: str
    id_masked: str
    name_masked: str
    consent_version: str
    consented_at: datetime
    valid_until: datetime


@dataclass(frozen=True)
class FaceCheck:
    face_id: str
    state: str
    purpose: str
    owner: str
    valid_until: datetime
    binding_hash: str
    id_type: str
    id_mac: str
    id_masked: str
    name_masked: str
    consented_at: datetime

    def expired(self, now: datetime) -> bool:
        return self.valid_until <= now


class FaceCheckRefusedError(StoreError):
    """The provider's decision did not hold: the check is gone, expired or decided already."""


def _key(face_id: str) -> str:
    return f"face#{face_id}"


def create(new: NewFaceCheck) -> None:
    """One conditional PutItem (the id is random and unused)."""
    tables.ready()
    FaceCheckRecordModel(
        _key(new.face_id),
        state=PENDING,
        purpose=new.purpose,
        owner=new.owner,
        valid_until=to_epoch(new.valid_until),
        binding_hash=new.binding_hash,
        id_type=new.id_type,
        id_mac=new.id_mac,
        id_masked=new.id_masked,
        name_masked=new.name_masked,
        consent_version=new.consent_version,
        consented_at=to_epoch(new.consented_at),
        expires_at=new.valid_until + _GRACE,
    ).save(condition=FaceCheckRecordModel.flow_key.does_not_exist())


def get(face_id: str) -> FaceCheck | None:
    """The record, by one GetItem (the page's poll, the host's use, the callback), or None."""
    tables.ready()
    try:
        item = FaceCheckRecordModel.get(_key(face_id))
    except DoesNotExist:
        return None
    return FaceCheck(
        face_id=face_id,
        state=item.state,
        purpose=item.purpose,
        owner=item.owner,
        valid_until=from_epoch(int(item.valid_until)),
        binding_hash=item.binding_hash,
        id_type=item.id_type,
        id_mac=item.id_mac,
        id_masked=item.id_masked,
        name_masked=item.name_masked,
        consented_at=from_epoch(int(item.consented_at)),
    )


def decide(face_id: str, state: str, now: datetime, with_items: tuple = ()) -> None:
    """pending → ``state`` (passed or failed) while valid, with ``with_items`` (the audit event)
    in the same transaction; FaceCheckRefusedError when the check was decided already or expired."""
    tables.ready()
    record = FaceCheckRecordModel

    def run() -> None:
        with TransactWrite(connection=tables.connection()) as tx:
            tx.update(
                record(_key(face_id)),
                actions=[record.state.set(state), record.decided_at.set(to_epoch(now))],
                condition=record.flow_key.exists() & (record.state == PENDING) & (record.valid_until > to_epoch(now)),
            )
            for extra in with_items:
                extra.add_to(tx)

    try:
        # Two callbacks at once: the loser's transaction may be cancelled as a conflict; run
        # again, it meets the decided state and is refused like any late callback.
        with_conflict_retries(run)
    except TransactWriteError as exc:
        if "ConditionalCheckFailed" in cancellation_codes(exc):
            raise FaceCheckRefusedError(face_id) from exc
        raise


def consume(face_id: str, owner: str, purpose: str, binding_hash: str, now: datetime) -> writes.Write:
    """The write that uses a passed check once, for the host's own transaction: its conditions
    repeat every rule (passed, this owner and purpose, this browser, valid), so of two uses at
    once one transaction commits and the other is cancelled."""
    record = FaceCheckRecordModel
    return writes.update(
        record(_key(face_id)),
        [record.state.set(CONSUMED), record.consumed_at.set(to_epoch(now))],
        condition=(record.state == PASSED)
        & (record.owner == owner)
        & (record.purpose == purpose)
        & (record.binding_hash == binding_hash)
        & (record.valid_until > to_epoch(now)),
        label=WRITE_LABEL,
    )
