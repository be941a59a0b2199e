"""An account's 基本信息 and 认证等级: the name corrected against the base library (注册用户 →
实名用户) and the level raised by a passed face check (实名用户 → 实人用户).

Each change is one transaction: the account's update, conditioned on the level it starts
from (and, for the name, on the version read), with the audit event and, for the face, the
write that consumes the check (single use). A refused account condition comes back with the
item as it is (ALL_OLD), so the caller learns the level without reading again.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from pynamodb.exceptions import TransactWriteError
from pynamodb.transactions import TransactWrite

from chalicelib.citizen_data import Protected
from chalicelib.store import tables, writes
from chalicelib.store.accounts import Account
from chalicelib.store.errors import StoreError, WriteRefusedError, cancellation_codes, with_conflict_retries
from chalicelib.store.models import AccountModel

__all__ = ["AccountChangedError", "LevelChangedError", "correct_name", "raise_level"]


class LevelChangedError(StoreError):
    """The account is no longer at the level the change starts from (``level``: as it is now;
    None: no such account)."""

    def __init__(self, level: int | None) -> None:
        super().__init__(str(level))
        self.level = level


class AccountChangedError(StoreError):
    """The account changed since it was read (its version moved); read it again."""


def _commit(account: Account, actions: list, start: int, versioned: bool, with_items: tuple[writes.Write, ...]) -> None:
    """Commit the account's update (condition: still at level ``start``; with ``versioned``, also
    as read) together with ``with_items``; raise what failed."""
    condition = AccountModel.account_id.exists() & (AccountModel.level == start)
    # PynamoDB sends checks, deletes, puts, then updates: the account's is the first update.
    account_at = sum(1 for w in with_items if w.op in ("check", "delete", "put"))

    def commit() -> None:
        with TransactWrite(connection=tables.connection()) as tx:
            tx.update(
                AccountModel(account.account_id, version=account.version),
                actions=list(actions),
                condition=condition,
                return_values="ALL_OLD",
                add_version_condition=versioned,
            )
            for extra in with_items:
                extra.add_to(tx)

    try:
        with_conflict_retries(commit)
    except TransactWriteError as exc:
        codes = cancellation_codes(exc)
        if account_at < len(codes) and codes[account_at] == "ConditionalCheckFailed":
            old = getattr(exc.cancellation_reasons[account_at], "raw_item", None) or {}
            if not old:
                raise LevelChangedError(None) from exc
            level = int(old.get("level", {}).get("N", "0"))
            raise (LevelChangedError(level) if level != start else AccountChangedError()) from exc
        if "ConditionalCheckFailed" in codes:
            raise WriteRefusedError() from exc
        raise


def correct_name(
    account: Account, name: Protected, level: int, now: datetime, with_items: tuple[writes.Write, ...] = ()
) -> Account:
    """基本信息修改: the corrected name (MAC, ciphertext, masked) and the level the base library's
    answer gives, on condition the account is still 注册用户 and as read (its version)."""
    tables.ready()
    start = int(account.level)
    actions = [
        AccountModel.name_mac.set(name.mac),
        AccountModel.name_cipher.set(name.cipher),
        AccountModel.name_masked.set(name.masked),
        AccountModel.level.set(int(level)),
        AccountModel.updated_at.set(now),
    ]
    _commit(account, actions, start, True, with_items)
    return replace(
        account,
        name_mac=name.mac,
        name_cipher=name.cipher,
        name_masked=name.masked,
        level=int(level),
        version=(account.version or 0) + 1,
    )


def raise_level(account: Account, level: int, now: datetime, with_items: tuple[writes.Write, ...] = ()) -> Account:
    """Raise the account to ``level`` from the level it was read at (实名 → 实人 after a passed
    face check, whose consuming write is among ``with_items``)."""
    tables.ready()
    start = int(account.level)
    actions = [AccountModel.level.set(int(level)), AccountModel.updated_at.set(now)]
    _commit(account, actions, start, False, with_items)
    return replace(account, level=int(level), version=(account.version or 0) + 1)
