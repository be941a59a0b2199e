"""账号注销 (account cancellation): the pending request on the account item and the deletion.

A request sets the account's ``cancel_after`` (when the deletion falls due) and ``cancel_day``
(the China day of it) by one update conditioned on none pending, in the transaction that spends
the re-authentication proof and writes the audit event. ``cancel_day`` is the hash key of the
sparse index ``by_cancel_day``: only pending accounts are in it, so the daily job Queries the due
days' partitions and never scans.

Withdrawal removes both attributes: 撤销注销 (condition: pending), and every login, whose session
transaction carries the removal (:func:`login_writes`): no read beyond the account every login
reads already, and a transaction may touch an item once, so the removal joins the account write
the login method asked for, if any.

The deletion (:func:`delete_account`) is one transaction conditioned on the account as the job
read it: still pending, past due and unchanged (``version``). A login that commits first removed
``cancel_after``, so nothing is deleted; a login that comes after finds the account gone (its
account write is conditioned on the item existing), so no session is opened. The account goes
with every claim pointing to it (ID, phone, identity-provider links, the 亲情号 it bound), its
lockout item, its sessions and its favourites; its security events stay under the account's
random id, stripped of everything but where and how (:func:`pseudonymise_events`).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from datetime import datetime

from pynamodb.exceptions import DoesNotExist, TransactWriteError, UpdateError
from pynamodb.transactions import TransactWrite

from chalicelib.store import tables, writes
from chalicelib.store.accounts import Account, family_claim_key, id_claim_key, link_claim_key, phone_claim_key
from chalicelib.store.errors import StoreError, cancellation_codes, is_condition_failure, with_conflict_retries
from chalicelib.store.lockouts import account_subject
from chalicelib.store.models import (
    AccountModel,
    AuditEventModel,
    ClaimModel,
    FavouriteModel,
    LockoutModel,
    SessionModel,
)

__all__ = [
    "CancellationRefusedError",
    "DeletionPlan",
    "delete_account",
    "due_account_ids",
    "login_writes",
    "plan_deletion",
    "pseudonymise_events",
    "request",
    "withdraw",
]

# DynamoDB's limit of items in one TransactWriteItems.
_TRANSACTION_ITEMS = 100


class CancellationRefusedError(StoreError):
    """The request was not written: ``reason`` is ``proof`` (the re-authentication proof is not
    usable) or ``pending`` (a deletion is pending already, or the account is gone)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class _UnversionedUpdate(writes.Write):
    """An update of a versioned item that bumps its version without a condition on it."""

    def add_to(self, tx) -> None:
        tx.update(self.model, actions=list(self.actions), condition=self.condition, add_version_condition=False)


def _withdrawal_actions() -> list:
    return [AccountModel.cancel_after.remove(), AccountModel.cancel_day.remove()]


def request(account: Account, proof: writes.Write, due: datetime, day: str, event: writes.Write, now: datetime) -> None:
    """Mark the account pending deletion at ``due`` (indexed under ``day``), spending ``proof``
    and writing ``event``, in one transaction."""
    tables.ready()

    def commit() -> None:
        with TransactWrite(connection=tables.connection()) as tx:
            proof.add_to(tx)
            tx.update(
                AccountModel(account.account_id, version=account.version),
                actions=[
                    AccountModel.cancel_after.set(due),
                    AccountModel.cancel_day.set(day),
                    AccountModel.updated_at.set(now),
                ],
                condition=AccountModel.account_id.exists() & AccountModel.cancel_after.does_not_exist(),
                add_version_condition=False,
            )
            event.add_to(tx)

    try:
        with_conflict_retries(commit)
    except TransactWriteError as exc:
        # PynamoDB sends condition checks, deletes, puts, then updates, each kind in the order added.
        order = {"check": 0, "delete": 1, "put": 2, "update": 3}
        sent = sorted([("proof", proof.op), ("account", "update"), ("event", event.op)], key=lambda w: order[w[1]])
        failed = {
            name
            for (name, _), code in zip(sent, cancellation_codes(exc), strict=False)
            if code == "ConditionalCheckFailed"
        }
        if "proof" in failed:
            raise CancellationRefusedError("proof") from exc
        if failed:
            raise CancellationRefusedError("pending") from exc
        raise


def withdraw(account: Account, event: writes.Write) -> bool:
    """撤销注销: remove the pending deletion, with ``event``; False when none was pending."""
    tables.ready()

    def commit() -> None:
        with TransactWrite(connection=tables.connection()) as tx:
            _UnversionedUpdate(
                "update",
                AccountModel(account.account_id, version=account.version),
                _withdrawal_actions(),
                AccountModel.cancel_after.exists(),
            ).add_to(tx)
            event.add_to(tx)

    try:
        with_conflict_retries(commit)
    except TransactWriteError as exc:
        if "ConditionalCheckFailed" in cancellation_codes(exc):
            return False
        raise
    return True


def login_writes(account: Account, session_writes: tuple) -> tuple:
    """The writes a login's session transaction commits, with the pending deletion withdrawn
    when the account (as the login read it) has one. The removal joins the method's own write of
    the account (a password still the same, a rehash, a new link) or, when there is none, is an
    update of its own conditioned on the account existing: a login racing the deletion either
    commits first (and nothing is deleted) or finds the account gone (and opens no session)."""
    if account.cancel_after is None:
        return tuple(session_writes)
    merged, done = [], False
    for write in session_writes:
        is_account = isinstance(write.model, AccountModel) and write.model.account_id == account.account_id
        if done or not is_account:
            merged.append(write)
        elif write.op == "check":
            merged.append(
                _UnversionedUpdate(
                    "update",
                    AccountModel(account.account_id, version=account.version),
                    _withdrawal_actions(),
                    write.condition,
                    label=write.label,
                )
            )
            done = True
        elif write.op == "update":
            merged.append(replace(write, actions=[*write.actions, *_withdrawal_actions()]))
            done = True
        else:  # a put or delete of the account by a login is not a thing any method does
            merged.append(write)
            done = True
    if not done:
        merged.append(
            _UnversionedUpdate(
                "update",
                AccountModel(account.account_id, version=account.version),
                _withdrawal_actions(),
                AccountModel.account_id.exists(),
                label="account",
            )
        )
    return tuple(merged)


# -- the deletion ---------------------------------------------------------------------------------


def due_account_ids(day: str) -> list[str]:
    """The accounts whose pending deletion is indexed under the China day ``day`` (one Query of
    the sparse ``by_cancel_day`` index, every page)."""
    tables.ready()
    return [item.account_id for item in AccountModel.by_cancel_day.query(day)]


@dataclass(frozen=True)
class DeletionPlan:
    """What deleting one account removes, as read by the job (the transaction checks it held)."""

    account_id: str
    version: int
    cancel_after: datetime
    claim_keys: tuple[str, ...]
    session_hashes: tuple[str, ...]
    service_codes: tuple[str, ...]


def plan_deletion(account_id: str) -> DeletionPlan | None:
    """Read one pending account (strongly consistent), its sessions (``by_account``) and its
    favourites (its partition): what :func:`delete_account` removes. None when it is no longer
    pending (withdrawn after the index was read)."""
    tables.ready()
    try:
        item = AccountModel.get(account_id, consistent_read=True)
    except DoesNotExist:
        return None
    if item.cancel_after is None:
        return None
    claims = [id_claim_key(item.id_type, item.id_mac)]
    if item.phone_mac:
        claims.append(phone_claim_key(item.phone_mac))
    links = item.links.as_dict() if item.links is not None and hasattr(item.links, "as_dict") else (item.links or {})
    for provider, entry in dict(links).items():
        if entry and entry.get("subject_mac"):
            claims.append(link_claim_key(provider, entry["subject_mac"]))
    family = (
        item.family.as_dict() if item.family is not None and hasattr(item.family, "as_dict") else (item.family or {})
    )
    for entry in dict(family).values():
        if entry and entry.get("doc_type") and entry.get("id_mac"):
            claims.append(family_claim_key(entry["doc_type"], entry["id_mac"]))
    sessions = tuple(s.token_hash for s in SessionModel.by_account.query(account_id))
    favourites = tuple(f.service_code for f in FavouriteModel.query(account_id, consistent_read=True))
    return DeletionPlan(account_id, int(item.version), item.cancel_after, tuple(claims), sessions, favourites)


def _token(account_id: str) -> str:
    """The deletion's idempotency token (a retry after a lost answer is the same transaction);
    not the account id itself, which its registration's transaction used."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"hall:cancel:{account_id}"))


def delete_account(plan: DeletionPlan, now: datetime, event: writes.Write) -> bool:
    """Delete the account as planned, in one transaction conditioned on it being unchanged
    (its version), still pending at the same due time, and past due; False (nothing deleted) when
    any of it no longer holds: the citizen logged in or withdrew, or the account changed.
    Sessions and favourites beyond the transaction's room are deleted right after it."""
    tables.ready()
    fixed = 1 + len(plan.claim_keys) + 1 + 1  # account, claims, lockout, event
    room = max(0, _TRANSACTION_ITEMS - fixed)
    sessions_in, sessions_after = plan.session_hashes[:room], plan.session_hashes[room:]
    room -= len(sessions_in)
    favourites_in, favourites_after = plan.service_codes[:room], plan.service_codes[room:]

    def commit() -> None:
        with TransactWrite(connection=tables.connection(), client_request_token=_token(plan.account_id)) as tx:
            tx.delete(
                AccountModel(plan.account_id),
                condition=(AccountModel.version == plan.version)
                & (AccountModel.cancel_after == plan.cancel_after)
                & (AccountModel.cancel_after <= now),
                add_version_condition=False,
            )
            for key in plan.claim_keys:  # each still this account's (or gone already)
                tx.delete(
                    ClaimModel(key),
                    condition=ClaimModel.claim_key.does_not_exist() | (ClaimModel.account_id == plan.account_id),
                )
            tx.delete(LockoutModel(account_subject(plan.account_id)))
            for token_hash in sessions_in:
                tx.delete(SessionModel(token_hash))
            for code in favourites_in:
                tx.delete(FavouriteModel(plan.account_id, code))
            event.add_to(tx)

    try:
        with_conflict_retries(commit)
    except TransactWriteError as exc:
        if "ConditionalCheckFailed" in cancellation_codes(exc):
            return False
        raise
    if sessions_after:
        with SessionModel.batch_write() as batch:
            for token_hash in sessions_after:
                batch.delete(SessionModel(token_hash))
    if favourites_after:
        with FavouriteModel.batch_write() as batch:
            for code in favourites_after:
                batch.delete(FavouriteModel(plan.account_id, code))
    return True


def pseudonymise_events(account_id: str, kept_detail, retention, now: datetime) -> int:
    """A deleted account's security events, kept under its random id: each event's detail cut to
    ``kept_detail(detail)`` (no name, ID number or phone) and its expiry brought to at most
    ``retention`` after its time. One Query (paged) and one update per event that changes."""
    tables.ready()
    changed = 0
    for item in AuditEventModel.query(account_subject(account_id)):
        detail = dict(item.detail or {})
        kept = kept_detail(detail)
        try:
            at = datetime.fromisoformat(item.event_id.split("#")[0])
        except ValueError:
            at = now
        expires = min(item.expires_at or (at + retention), at + retention)
        if kept == detail and item.expires_at is not None and item.expires_at <= expires:
            continue
        actions = [AuditEventModel.expires_at.set(expires)]
        actions.append(AuditEventModel.detail.set(kept) if kept else AuditEventModel.detail.remove())
        try:  # (an event its TTL removed meanwhile is not written back)
            item.update(actions=actions, condition=AuditEventModel.event_id.exists())
        except UpdateError as exc:
            if not is_condition_failure(exc):
                raise
            continue
        changed += 1
    return changed
