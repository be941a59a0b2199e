"""亲情号 (family numbers): the bindings an account holds and the claims that make them unique.

A binding lives in two places written together: the binder's account item (``family``:
binding id → entry, at most five) and the claim ``family#<type>#<mac>`` (account id and
binding id), which makes an ID bindable by one account at a time and which registration
checks. Binding is one ``TransactWriteItems``: the claim put (condition: not held), a
ConditionCheck that no ID claim ``id#<type>#<mac>`` exists (an ID with its own account
cannot be bound), the account update adding the entry (condition: fewer than five entries,
level at least the one binding needs) and the audit event. Which condition failed is read
from the cancellation reasons (the failing claim and account items come back with them), so
nothing is read to decide. Unbinding deletes both, conditioned on what was read.

For other repositories' transactions:

* :func:`release_writes` (用户申诉 type 3, 亲情号解绑): the writes that delete one binding's
  claim and its binder's entry, with the binder's audit event.
* :func:`release_all_writes` (用户申诉 type 1, an account taken over): the deletes of every
  family claim an account holds. Their entries go with ``family_removal()``, an action for the
  caller's own update of that account (a transaction may touch an item once).
"""

from __future__ import annotations

import random
import secrets
import time
from dataclasses import dataclass
from datetime import datetime

from pynamodb.exceptions import DoesNotExist, TransactWriteError
from pynamodb.expressions.condition import size
from pynamodb.transactions import TransactWrite

from chalicelib.citizen_data import Protected
from chalicelib.store import audit, tables, writes
from chalicelib.store.accounts import Account, family_claim_key, id_claim_key
from chalicelib.store.errors import StoreError, cancellation_codes
from chalicelib.store.lockouts import account_subject
from chalicelib.store.models import AccountModel, ClaimModel

__all__ = [
    "BindRefusedError",
    "BindingGoneError",
    "FamilyBinding",
    "NewFamilyBinding",
    "bind",
    "bound_for_account",
    "family_removal",
    "new_binding_id",
    "release_all_writes",
    "release_writes",
    "unbind",
]


@dataclass(frozen=True)
class FamilyBinding:
    """One 亲情号 of an account, as stored in its ``family`` map (citizen data protected)."""

    binding_id: str
    doc_type: str
    id_mac: str
    id_cipher: str
    id_masked: str
    name_cipher: str
    name_masked: str
    relation: str
    bound_at: str  # ISO time

    def entry(self) -> dict:
        return {
            "doc_type": self.doc_type,
            "id_mac": self.id_mac,
            "id_cipher": self.id_cipher,
            "id_masked": self.id_masked,
            "name_cipher": self.name_cipher,
            "name_masked": self.name_masked,
            "relation": self.relation,
            "bound_at": self.bound_at,
        }


@dataclass(frozen=True)
class NewFamilyBinding:
    binding_id: str
    doc_type: str
    id_number: Protected
    name: Protected
    relation: str


class BindRefusedError(StoreError):
    """A binding's transaction was refused: ``reason`` is ``level`` (the account is below the
    level binding needs), ``limit`` (five bound already), ``yours`` (this account bound the ID
    already), ``taken`` (another account did), ``has_account`` (the ID has its own account),
    ``account`` (no such account) or ``busy`` (other requests kept the account busy)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class BindingGoneError(StoreError):
    """The binding is not (or no longer) there: unbound meanwhile, or released by an appeal."""


def new_binding_id() -> str:
    return secrets.token_hex(8)


def _binding(binding_id: str, entry: dict) -> FamilyBinding:
    return FamilyBinding(
        binding_id=binding_id,
        doc_type=entry.get("doc_type", ""),
        id_mac=entry.get("id_mac", ""),
        id_cipher=entry.get("id_cipher", ""),
        id_masked=entry.get("id_masked", ""),
        name_cipher=entry.get("name_cipher", ""),
        name_masked=entry.get("name_masked", ""),
        relation=entry.get("relation", ""),
        bound_at=entry.get("bound_at", ""),
    )


def bound_for_account(account: Account) -> list[FamilyBinding]:
    """The account's 亲情号, oldest first, from the account item as read (no extra read)."""
    family = getattr(account, "family", None) or {}
    return sorted((_binding(bid, entry) for bid, entry in family.items()), key=lambda b: (b.bound_at, b.binding_id))


# -- binding ----------------------------------------------------------------------------------

_ORDER = {"check": 0, "delete": 1, "put": 2, "update": 3}  # PynamoDB sends a transaction's items so


def _in_sent_order(items: list[tuple[str, str]]) -> list[str]:
    """Labels of (label, op) items in the order the transaction sends them (its cancellation
    reasons follow that order)."""
    return [label for _, (label, _) in sorted(enumerate(items), key=lambda pair: (_ORDER[pair[1][1]], pair[0]))]


def _reasons(exc: Exception, labels: list[str]) -> dict[str, object]:
    reasons = getattr(exc, "cancellation_reasons", None) or []
    return {
        label: reason
        for label, reason in zip(labels, reasons, strict=False)
        if reason is not None and reason.code == "ConditionalCheckFailed"
    }


def bind(
    account: Account,
    new: NewFamilyBinding,
    now: datetime,
    *,
    min_level: int,
    limit: int,
    with_items: tuple[writes.Write, ...] = (),
    attempts: int = 12,
) -> FamilyBinding:
    """Bind ``new`` to ``account`` in one transaction (see the module's docstring); raises
    :class:`BindRefusedError`. ``with_items`` (the audit event) commit with it."""
    tables.ready()
    binding = FamilyBinding(
        binding_id=new.binding_id,
        doc_type=new.doc_type,
        id_mac=new.id_number.mac,
        id_cipher=new.id_number.cipher,
        id_masked=new.id_number.masked,
        name_cipher=new.name.cipher,
        name_masked=new.name.masked,
        relation=new.relation,
        bound_at=now.isoformat(),
    )
    family_present = account.family is not None
    extras = [(w.label or "extra", w.op) for w in with_items]
    labels = _in_sent_order([("id_claim", "check"), ("family_claim", "put"), *extras, ("account", "update")])
    for attempt in range(attempts):
        try:
            _commit_bind(account, binding, now, family_present, min_level, limit, with_items)
            return binding
        except TransactWriteError as exc:
            codes = cancellation_codes(exc)
            if "ConditionalCheckFailed" not in codes:
                if "TransactionConflict" in codes and attempt < attempts - 1:
                    time.sleep(random.uniform(0.005, 0.03) * (attempt + 1))
                    continue
                if "TransactionConflict" in codes:
                    raise BindRefusedError("busy") from exc
                raise
            failed = _reasons(exc, labels)
            reason, family_present = _why(failed, account.account_id, family_present, min_level, limit)
            if reason is None and attempt < attempts - 1:
                continue  # the account's family map appeared (or was never there): again, the other way
            raise BindRefusedError(reason or "busy") from exc
    raise BindRefusedError("busy")


def _commit_bind(
    account: Account,
    binding: FamilyBinding,
    now: datetime,
    family_present: bool,
    min_level: int,
    limit: int,
    with_items: tuple[writes.Write, ...],
) -> None:
    claim = ClaimModel(
        family_claim_key(binding.doc_type, binding.id_mac),
        account_id=account.account_id,
        kind="family",
        binding_id=binding.binding_id,
        created_at=now,
    )
    item = AccountModel(account.account_id, version=account.version)
    enough = AccountModel.account_id.exists() & (AccountModel.level >= min_level)
    if family_present:
        actions = [AccountModel.family[binding.binding_id].set(binding.entry())]
        condition = enough & (size(AccountModel.family) < limit)
    else:  # the account's first binding makes its map
        actions = [AccountModel.family.set({binding.binding_id: binding.entry()})]
        condition = enough & AccountModel.family.does_not_exist()
    actions.append(AccountModel.updated_at.set(now))
    with TransactWrite(connection=tables.connection()) as tx:
        tx.condition_check(
            ClaimModel,
            id_claim_key(binding.doc_type, binding.id_mac),
            condition=ClaimModel.claim_key.does_not_exist(),
        )
        tx.save(claim, condition=ClaimModel.claim_key.does_not_exist(), return_values="ALL_OLD")
        for extra in with_items:
            extra.add_to(tx)
        # Entries are counted by the condition, not the version: concurrent binds of other IDs
        # need not fail one another (the version still moves on).
        tx.update(item, actions=actions, condition=condition, return_values="ALL_OLD", add_version_condition=False)


def _why(failed: dict, account_id: str, family_present: bool, min_level: int, limit: int) -> tuple[str | None, bool]:
    """Why a bind's transaction was refused, most fundamental first; (None, how the account's
    map really is) when only its presence was guessed wrong."""
    account = failed.get("account")
    if account is not None:
        old = getattr(account, "raw_item", None) or {}
        if not old:
            return "account", family_present
        if int(old.get("level", {}).get("N", "0")) < min_level:
            return "level", family_present
        family = old.get("family", {}).get("M")
        if family is not None and len(family) >= limit:
            return "limit", family_present
        if (family is not None) != family_present:
            if set(failed) == {"account"}:
                return None, family is not None
            family_present = family is not None
    claim = failed.get("family_claim")
    if claim is not None:
        old = getattr(claim, "raw_item", None) or {}
        holder = old.get("account_id", {}).get("S")
        return ("yours" if holder == account_id else "taken"), family_present
    if "id_claim" in failed:
        return "has_account", family_present
    return ("busy" if failed else None), family_present


# -- unbinding --------------------------------------------------------------------------------


def _claim_delete(binding_doc_type: str, id_mac: str, account_id: str, binding_id: str | None) -> writes.Write:
    condition = ClaimModel.account_id == account_id
    if binding_id:
        condition &= ClaimModel.binding_id == binding_id
    else:
        condition &= ClaimModel.binding_id.does_not_exist()
    return writes.delete(
        ClaimModel(family_claim_key(binding_doc_type, id_mac)), condition=condition, label="family_claim"
    )


def unbind(account: Account, binding: FamilyBinding, now: datetime, with_items: tuple[writes.Write, ...] = ()) -> None:
    """Remove a binding the account holds (read with the account): its claim and its entry, in
    one transaction with ``with_items``; :class:`BindingGoneError` when either is gone."""
    tables.ready()
    claim_delete = _claim_delete(binding.doc_type, binding.id_mac, account.account_id, binding.binding_id)

    def commit() -> None:
        with TransactWrite(connection=tables.connection()) as tx:
            claim_delete.add_to(tx)
            for extra in with_items:
                extra.add_to(tx)
            tx.update(
                AccountModel(account.account_id, version=account.version),
                actions=[AccountModel.family[binding.binding_id].remove(), AccountModel.updated_at.set(now)],
                condition=AccountModel.family[binding.binding_id].exists(),
                add_version_condition=False,
            )

    from chalicelib.store.errors import with_conflict_retries

    try:
        with_conflict_retries(commit, attempts=8)
    except TransactWriteError as exc:
        if "ConditionalCheckFailed" in cancellation_codes(exc):
            raise BindingGoneError() from exc
        raise


# -- releases, for other repositories' transactions -------------------------------------------


def release_writes(claim_doc_type: str, id_mac: str, now: datetime) -> tuple[writes.Write, ...] | None:
    """The writes that free an ID bound as a 亲情号 (用户申诉 → 亲情号解绑): delete its claim and
    the binder's entry, each conditioned on being as read, and the binder's audit event
    (``FamilyNumberReleased``). None when the ID is not bound. One GetItem of the claim, one of
    the binder's account."""
    tables.ready()
    try:
        claim = ClaimModel.get(family_claim_key(claim_doc_type, id_mac), consistent_read=True)
    except DoesNotExist:
        return None
    if claim.kind != "family":
        return None
    claim_delete = _claim_delete(claim_doc_type, id_mac, claim.account_id, claim.binding_id)
    try:
        binder = AccountModel.get(claim.account_id, consistent_read=True)
    except DoesNotExist:
        return (claim_delete,)
    family = binder.family.as_dict() if binder.family is not None else {}
    entry = family.get(claim.binding_id) if claim.binding_id else None
    detail: dict = {"id_type": claim_doc_type}
    found: tuple[writes.Write, ...] = ()
    if entry is not None:
        binding = _binding(claim.binding_id, dict(entry))
        detail.update(
            binding_id=binding.binding_id,
            id_masked=binding.id_masked,
            name_masked=binding.name_masked,
            relation=binding.relation,
        )
        found = (
            writes.update(
                AccountModel(claim.account_id, version=binder.version),
                [AccountModel.family[binding.binding_id].remove(), AccountModel.updated_at.set(now)],
                condition=AccountModel.family[binding.binding_id].exists(),
                label="family_entry",
            ),
        )
    event = audit.event(account_subject(claim.account_id), "FamilyNumberReleased", now, method="appeal", **detail)
    return (claim_delete, *found, event)


def release_all_writes(account: Account) -> tuple[writes.Write, ...]:
    """The deletes of every family claim ``account`` holds (read with it), for a transaction
    that also updates the account with :func:`family_removal` (an account taken over by
    用户申诉 → 证件号码被占用 lets go of the 亲情号 it bound)."""
    return tuple(
        _claim_delete(b.doc_type, b.id_mac, account.account_id, b.binding_id) for b in bound_for_account(account)
    )


def family_removal():
    """The update action that drops an account's whole ``family`` map (see release_all_writes)."""
    return AccountModel.family.remove()
