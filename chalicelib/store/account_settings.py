"""账号安全's writes: a phone moved to a new number, and the one transaction each change commits.

A change of phone is one ``TransactWriteItems``: the new phone's claim put (condition: nobody
holds it: the uniqueness registration relies on), the old claim deleted (condition: held by
this account), the account's phone fields set (condition: its ``version`` as read, so a change
made meanwhile cancels this one) and the audit event, with whatever the password check asked
to commit (the streak forgotten, the reserved try given back). A change of password is the
same transaction with the account's new hash (``accounts.password_update``) instead.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from pynamodb.exceptions import TransactWriteError
from pynamodb.transactions import TransactWrite

from chalicelib.citizen_data import Protected
from chalicelib.store import accounts, tables, writes
from chalicelib.store.errors import ClaimTakenError, WriteRefusedError, cancellation_codes, with_conflict_retries
from chalicelib.store.models import AccountModel, ClaimModel

__all__ = ["commit", "phone_change"]

# PynamoDB sends a transaction's items in this order, whatever order they were added in.
_OP_ORDER = {"check": 0, "delete": 1, "put": 2, "update": 3}


def phone_change(account: accounts.Account, phone: Protected, now: datetime) -> list[writes.Write]:
    """The writes that bind ``phone`` to ``account`` in place of the phone it has (if any)."""
    claim = ClaimModel(accounts.phone_claim_key(phone.mac), account_id=account.account_id, kind="phone", created_at=now)
    found = [writes.put(claim, condition=ClaimModel.claim_key.does_not_exist(), label="phone")]
    if account.phone_mac:
        old = ClaimModel(accounts.phone_claim_key(account.phone_mac))
        found.append(writes.delete(old, condition=ClaimModel.account_id == account.account_id, label="old_phone"))
        still = AccountModel.phone_mac == account.phone_mac
    else:
        still = AccountModel.phone_mac.does_not_exist()
    found.append(
        writes.update(
            AccountModel(account.account_id, version=account.version),  # the version condition, and +1
            [
                AccountModel.phone_mac.set(phone.mac),
                AccountModel.phone_cipher.set(phone.cipher),
                AccountModel.phone_masked.set(phone.masked),
                AccountModel.updated_at.set(now),
            ],
            condition=AccountModel.account_id.exists() & still,
            label="account",
        )
    )
    return found


def commit(items: Iterable[writes.Write]) -> None:
    """Write ``items`` in one transaction. Raises :class:`ClaimTakenError` (``["phone"]``)
    when the new phone is held by another account, and :class:`WriteRefusedError` naming the
    other items whose conditions failed (the account changed meanwhile)."""
    tables.ready()
    items = list(items)
    ordered = sorted(items, key=lambda w: _OP_ORDER[w.op])

    def run() -> None:
        with TransactWrite(connection=tables.connection()) as tx:
            for write in items:
                write.add_to(tx)

    try:
        with_conflict_retries(run)
    except TransactWriteError as exc:
        codes = cancellation_codes(exc)
        failed = [w.label or w.op for w, code in zip(ordered, codes, strict=False) if code == "ConditionalCheckFailed"]
        if "phone" in failed:
            raise ClaimTakenError(["phone"]) from exc
        if failed:
            raise WriteRefusedError(", ".join(failed)) from exc
        raise
