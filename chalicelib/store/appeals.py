"""用户申诉 (appeals): the appeal records, the in-progress appeal's flow record, and the
transactions that move an ID's account, a phone or a 亲情号 to its verified holder.

An appeal is an item of the ``appeals`` table (``AppealModel``, keyed by its 申诉编号) with a
status and a history; many writers change it (the citizen's steps, staff), each change
conditioned on its ``version``. An appeal of the first three types is also a short-lived
``appeal#<id>`` flow record (``AppealFlowRecordModel``) bound to the browser that began it;
each step moves it on by a conditional write (the step before, this browser, unexpired) in
the same transaction as the change the step makes, so a step is taken once, in order.

Transfers are one ``TransactWriteItems`` each, with every item conditioned on being as read
(the account's ``version``, the claim's holder), and a take-over additionally on the account
not having been reclaimed since the appeal began: of two appeals for one ID at once exactly
one commits. Nothing here decides whether an appeal may proceed: that is the flow's
(chalicelib.flows.appeals) and the domain's (chalicelib.domain.appeals).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from pynamodb.exceptions import DoesNotExist, TransactWriteError
from pynamodb.transactions import TransactWrite

from chalicelib.citizen_data import Protected
from chalicelib.clock import from_epoch, to_epoch
from chalicelib.store import accounts, family_numbers, lockouts, records, tables, writes
from chalicelib.store.errors import (
    LimitExceededError,
    StoreError,
    cancellation_codes,
    with_conflict_retries,
)
from chalicelib.store.models import (
    AccountModel,
    AppealChange,
    AppealFlowRecordModel,
    AppealModel,
    ClaimModel,
)

__all__ = [
    "Appeal",
    "AppealFlow",
    "AppealRefusedError",
    "Change",
    "NewAppeal",
    "begin",
    "bind_phone_writes",
    "change_write",
    "commit",
    "file_ticket",
    "flow_step",
    "get",
    "get_flow",
    "labelled",
    "list_by_status",
    "staff_change",
    "take_over_writes",
]

_GRACE = timedelta(hours=1)


class AppealRefusedError(StoreError):
    """A transaction of an appeal was cancelled because one of its items was not as read:
    ``labels`` names which (``flow``, ``appeal``, ``account``, ``claim``, ``face``, ``window``...)."""

    def __init__(self, labels: list[str]) -> None:
        super().__init__(", ".join(labels))
        self.labels = labels


# -- plain records ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Change:
    at: datetime
    status: str
    by: str
    note: str | None = None


@dataclass(frozen=True)
class Appeal:
    appeal_id: str
    appeal_type: str
    status: str
    filed_at: datetime
    updated_at: datetime
    history: tuple[Change, ...]
    version: int
    id_type: str | None = None
    id_mac: str | None = None
    id_masked: str | None = None
    name_masked: str | None = None
    account_id: str | None = None
    phone_mac: str | None = None
    phone_cipher: str | None = None
    phone_masked: str | None = None
    category: str | None = None
    text_cipher: str | None = None


@dataclass(frozen=True)
class AppealFlow:
    appeal_id: str
    appeal_type: str
    step: str
    binding_hash: str
    valid_until: datetime
    started_at: datetime
    id_type: str
    id_mac: str
    id_cipher: str
    name_cipher: str

    def expired(self, now: datetime) -> bool:
        return self.valid_until <= now


@dataclass(frozen=True)
class NewAppeal:
    """What the first step of a face-verified appeal stores (the appeal and its flow record)."""

    appeal_id: str
    appeal_type: str
    binding_hash: str
    id_type: str
    id_number: Protected
    name: Protected
    status: str
    step: str
    valid_until: datetime


def _change_item(change: Change) -> AppealChange:
    return AppealChange(at=change.at, status=change.status, by=change.by, note=change.note)


def _appeal(item: AppealModel) -> Appeal:
    return Appeal(
        appeal_id=item.appeal_id,
        appeal_type=item.appeal_type,
        status=item.status,
        filed_at=item.filed_at,
        updated_at=item.updated_at,
        history=tuple(Change(c.at, c.status, c.by, c.note) for c in (item.history or [])),
        version=int(item.version),
        id_type=item.id_type,
        id_mac=item.id_mac,
        id_masked=item.id_masked,
        name_masked=item.name_masked,
        account_id=item.account_id,
        phone_mac=item.phone_mac,
        phone_cipher=item.phone_cipher,
        phone_masked=item.phone_masked,
        category=item.category,
        text_cipher=item.text_cipher,
    )


def _flow(item: AppealFlowRecordModel, appeal_id: str) -> AppealFlow:
    return AppealFlow(
        appeal_id=appeal_id,
        appeal_type=item.appeal_type,
        step=item.step,
        binding_hash=item.binding_hash,
        valid_until=from_epoch(int(item.valid_until)),
        started_at=from_epoch(int(item.started_at)),
        id_type=item.id_type,
        id_mac=item.id_mac,
        id_cipher=item.id_cipher,
        name_cipher=item.name_cipher,
    )


def _flow_key(appeal_id: str) -> str:
    return f"appeal#{appeal_id}"


# -- reading -----------------------------------------------------------------------------------


def get(appeal_id: str) -> Appeal | None:
    tables.ready()
    try:
        return _appeal(AppealModel.get(appeal_id, consistent_read=True))
    except DoesNotExist:
        return None


def get_flow(appeal_id: str) -> AppealFlow | None:
    """The in-progress appeal (one GetItem), or None; expiry is the caller's to check."""
    tables.ready()
    try:
        return _flow(AppealFlowRecordModel.get(_flow_key(appeal_id), consistent_read=True), appeal_id)
    except DoesNotExist:
        return None


def list_by_status(status: str, limit: int = 50) -> list[Appeal]:
    """Appeals in one status, oldest first (a Query of the ``by_status`` index, never a Scan)."""
    tables.ready()
    return [_appeal(item) for item in AppealModel.by_status.query(status, limit=limit)]


# -- committing --------------------------------------------------------------------------------

# PynamoDB sends a transaction's items in this order, whatever order they were added in.
_OP_ORDER = {"check": 0, "delete": 1, "put": 2, "update": 3}


def commit(items: Iterable[writes.Write], window: records.RateWindow | None = None) -> None:
    """Write ``items`` (and count a hit in ``window``, on condition it has room) in one
    transaction. Raises :class:`LimitExceededError` when the window is full, and
    :class:`AppealRefusedError` naming the items whose conditions failed."""
    tables.ready()
    items = list(items)
    labels = [w.label or w.op for w in items]
    ordered = sorted(
        [("update", "window")] * (window is not None) + [(w.op, label) for w, label in zip(items, labels, strict=True)],
        key=lambda pair: _OP_ORDER[pair[0]],
    )

    def run() -> None:
        with TransactWrite(connection=tables.connection()) as tx:
            if window is not None:
                records.add_hit(tx, window)
            for write in items:
                write.add_to(tx)

    try:
        with_conflict_retries(run)
    except TransactWriteError as exc:
        codes = cancellation_codes(exc)
        failed = [label for (_, label), code in zip(ordered, codes, strict=False) if code == "ConditionalCheckFailed"]
        if "window" in failed:
            raise LimitExceededError("appeal") from exc
        if failed:
            raise AppealRefusedError(failed) from exc
        raise


def labelled(write: writes.Write, label: str) -> writes.Write:
    """``write`` (another repository's, opaque) named ``label`` in a refusal's labels."""
    from dataclasses import replace

    return replace(write, label=label)


# -- the appeal record -------------------------------------------------------------------------


def _new_item(appeal_id: str, appeal_type: str, status: str, now: datetime, by: str, **fields) -> AppealModel:
    return AppealModel(
        appeal_id,
        appeal_type=appeal_type,
        status=status,
        filed_at=now,
        updated_at=now,
        history=[_change_item(Change(now, status, by))],
        **fields,
    )


def change_write(
    appeal_id: str,
    version: int,
    from_status: str,
    change: Change,
    account_id: str | None = None,
) -> writes.Write:
    """Move an appeal on (``from_status`` → ``change.status``, appended to its history), on
    condition it is at ``version`` and in ``from_status``: a write for the step's transaction."""
    model = AppealModel
    actions = [
        model.status.set(change.status),
        model.updated_at.set(change.at),
        model.history.set(model.history.append([_change_item(change)])),
    ]
    if account_id:
        actions.append(model.account_id.set(account_id))
    return writes.update(
        model(appeal_id, version=version),
        actions,
        condition=model.appeal_id.exists() & (model.status == from_status),
        label="appeal",
    )


def begin(new: NewAppeal, now: datetime, window: records.RateWindow, by: str = "citizen") -> None:
    """Store a new appeal and its flow record, counting it in ``window`` (the appeals of its ID
    today) first: one transaction, so a full window writes nothing. Raises LimitExceededError."""
    flow = AppealFlowRecordModel(
        _flow_key(new.appeal_id),
        appeal_type=new.appeal_type,
        step=new.step,
        binding_hash=new.binding_hash,
        valid_until=to_epoch(new.valid_until),
        started_at=to_epoch(now),
        id_type=new.id_type,
        id_mac=new.id_number.mac,
        id_cipher=new.id_number.cipher,
        name_cipher=new.name.cipher,
        expires_at=new.valid_until + _GRACE,
    )
    appeal = _new_item(
        new.appeal_id,
        new.appeal_type,
        new.status,
        now,
        by,
        id_type=new.id_type,
        id_mac=new.id_number.mac,
        id_masked=new.id_number.masked,
        name_masked=new.name.masked,
    )
    commit(
        [
            writes.put(flow, condition=AppealFlowRecordModel.flow_key.does_not_exist(), label="flow"),
            writes.put(appeal, condition=AppealModel.appeal_id.does_not_exist(), label="appeal"),
        ],
        window,
    )


def flow_step(appeal_id: str, binding_hash: str, now: datetime, from_step: str, to_step: str) -> writes.Write:
    """The flow record's move to ``to_step``, on condition it is at ``from_step``, bound to this
    browser and unexpired: a step is taken once, in order, by the browser that began it."""
    record = AppealFlowRecordModel
    return writes.update(
        record(_flow_key(appeal_id)),
        [record.step.set(to_step)],
        condition=record.flow_key.exists()
        & (record.step == from_step)
        & (record.binding_hash == binding_hash)
        & (record.valid_until > to_epoch(now)),
        label="flow",
    )


def file_ticket(
    appeal_id: str,
    appeal_type: str,
    status: str,
    category: str,
    text_cipher: str,
    phone: Protected,
    now: datetime,
    window: records.RateWindow,
    events: tuple[writes.Write, ...] = (),
) -> Appeal:
    """Store a 其他 ticket, counted in ``window`` (tickets of its phone today) in the same
    transaction. Raises LimitExceededError."""
    item = _new_item(
        appeal_id,
        appeal_type,
        status,
        now,
        "citizen",
        category=category,
        text_cipher=text_cipher,
        phone_mac=phone.mac,
        phone_cipher=phone.cipher,
        phone_masked=phone.masked,
    )
    commit([writes.put(item, condition=AppealModel.appeal_id.does_not_exist(), label="appeal"), *events], window)
    item.version = 1
    return _appeal(item)


def staff_change(appeal: Appeal, from_statuses: tuple[str, ...], change: Change) -> Appeal:
    """A staff comment or decision on a ticket, on condition it is as read (``version``) and
    still in one of ``from_statuses``. Raises :class:`AppealRefusedError` (["appeal"])."""
    model = AppealModel
    condition = model.appeal_id.exists() & model.status.is_in(*from_statuses)
    write = writes.update(
        model(appeal.appeal_id, version=appeal.version),
        [
            model.status.set(change.status),
            model.updated_at.set(change.at),
            model.history.set(model.history.append([_change_item(change)])),
        ],
        condition=condition,
        label="appeal",
    )
    commit([write])
    return get(appeal.appeal_id) or appeal


# -- transfers ---------------------------------------------------------------------------------


def _claim_delete(key: str, account_id: str, label: str = "claim") -> writes.Write:
    return writes.delete(ClaimModel(key), condition=ClaimModel.account_id == account_id, label=label)


def _as_read(account: accounts.Account) -> AccountModel:
    # The update is conditioned on the version read (PynamoDB adds it) and bumps it.
    return AccountModel(account.account_id, version=account.version)


def take_over_writes(
    account: accounts.Account,
    password_hash: str,
    name: Protected,
    level: int,
    appeal_started_at: datetime,
    now: datetime,
) -> list[writes.Write]:
    """The account holding an ID, given to the person 人脸认证 proved holds it: the new
    password, name and level; the phone, the identity-provider links and the 亲情号 it bound
    removed with their claims; its password lock forgotten. Conditions: the account as read,
    still holding this ID, and not reclaimed since the appeal began (one winner)."""
    model = AccountModel
    actions = [
        model.password_hash.set(password_hash),
        model.name_mac.set(name.mac),
        model.name_cipher.set(name.cipher),
        model.name_masked.set(name.masked),
        model.level.set(level),
        model.updated_at.set(now),
        model.reclaimed_at.set(now),
        model.phone_mac.remove(),
        model.phone_cipher.remove(),
        model.phone_masked.remove(),
        model.links.remove(),
        model.family.remove(),
        # A 注销 the previous holder requested is not the verified holder's: it is withdrawn.
        model.cancel_after.remove(),
        model.cancel_day.remove(),
    ]
    condition = (
        model.account_id.exists()
        & (model.id_mac == account.id_mac)
        & (model.reclaimed_at.does_not_exist() | (model.reclaimed_at < appeal_started_at))
    )
    found = [writes.update(_as_read(account), actions, condition=condition, label="account")]
    if account.phone_mac:
        found.append(_claim_delete(accounts.phone_claim_key(account.phone_mac), account.account_id))
    for provider, link in (account.links or {}).items():
        subject_mac = str(link.get("subject_mac") or "")
        if subject_mac:
            found.append(_claim_delete(accounts.link_claim_key(provider, subject_mac), account.account_id))
    found.extend(family_numbers.release_all_writes(account))
    found.append(labelled(lockouts.forget(lockouts.account_subject(account.account_id)), "lock"))
    return found


def bind_phone_writes(
    phone: Protected,
    holder: accounts.Account | None,
    appellant: accounts.Account | None,
    now: datetime,
) -> list[writes.Write]:
    """A phone proved by SMS, released from the account that holds it (which keeps working by
    its ID number) and bound to the appellant's account when there is one; with no account the
    claim is simply removed (the appellant can now register with the phone). Conditions: each
    account as read, the claim held by the holder (or by nobody)."""
    model = AccountModel
    key = accounts.phone_claim_key(phone.mac)
    found: list[writes.Write] = []
    if holder is not None:
        found.append(
            writes.update(
                _as_read(holder),
                [
                    model.phone_mac.remove(),
                    model.phone_cipher.remove(),
                    model.phone_masked.remove(),
                    model.updated_at.set(now),
                ],
                condition=model.account_id.exists() & (model.phone_mac == phone.mac),
                label="holder",
            )
        )
    if appellant is None:
        if holder is not None:
            found.append(_claim_delete(key, holder.account_id))
        return found
    if holder is not None:
        found.append(
            writes.update(
                ClaimModel(key),
                [ClaimModel.account_id.set(appellant.account_id), ClaimModel.created_at.set(now)],
                condition=ClaimModel.account_id == holder.account_id,
                label="claim",
            )
        )
    else:
        claim = ClaimModel(key, account_id=appellant.account_id, kind="phone", created_at=now)
        found.append(writes.put(claim, condition=ClaimModel.claim_key.does_not_exist(), label="claim"))
    if appellant.phone_mac and appellant.phone_mac != phone.mac:
        found.append(_claim_delete(accounts.phone_claim_key(appellant.phone_mac), appellant.account_id, "old_claim"))
    found.append(
        writes.update(
            _as_read(appellant),
            [
                model.phone_mac.set(phone.mac),
                model.phone_cipher.set(phone.cipher),
                model.phone_masked.set(phone.masked),
                model.updated_at.set(now),
            ],
            condition=model.account_id.exists(),
            label="appellant",
        )
    )
    return found
