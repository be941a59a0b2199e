"""Re-key accounts: rewrite their citizen data under the configured crypto suite and keys.

An operator job (``python -m chalicelib.ops crypto-rekey``), run after switching the suite
(standard → 国密 sm, docs/operations.md) while the migration window is open, or after making a
new encryption key current. It is given the account ids to walk (from a DynamoDB export of the
accounts table, which reads no capacity and is no Scan): the hall has no index of every
account, and no request path ever walks them.

For each account, one GetItem and, when something is not yet under the current suite and key,
one transaction (store/rekeying.py): the ID number, name and phone decrypted under whatever
suite and key they name, then MAC'd and sealed again as the configured suite writes them, the
account's 亲情号 entries too, and every claim whose MAC changes moved with them. Running it
again is harmless: an account already current is read and left alone.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import datetime

from chalicelib import crypto, settings
from chalicelib.citizen_data import protect_id_number, protect_name, protect_phone
from chalicelib.store import accounts, rekeying
from chalicelib.store.errors import WriteRefusedError

__all__ = ["CURRENT", "GONE", "REFUSED", "REKEYED", "rekey_account", "run"]

REKEYED, CURRENT, GONE, REFUSED = "rekeyed", "current", "gone", "refused"
ATTEMPTS = 3


def _sealed_now(cipher: str | None) -> bool:
    if not cipher:
        return True
    suite = settings.get().crypto_suite
    return crypto.sealed_with(cipher) == (suite, crypto.keys().of(suite).enc_current)


def _rekeyed(account: accounts.Account) -> rekeying.Rekeyed | None:
    """The account's data as the configured suite writes it; None when it already is."""
    id_number = protect_id_number(crypto.decrypt("id_number", account.id_cipher))
    name = protect_name(crypto.decrypt("name", account.name_cipher))
    phone = protect_phone(crypto.decrypt("phone", account.phone_cipher)) if account.phone_cipher else None
    family = {}
    for binding_id, entry in (account.family or {}).items():
        if entry and entry.get("id_cipher"):
            bound = protect_id_number(crypto.decrypt("id_number", entry["id_cipher"]))
            bound_name = entry.get("name_cipher")
            resealed = crypto.encrypt("name", crypto.decrypt("name", bound_name)) if bound_name else ""
            family[binding_id] = (bound, resealed, entry)
    current = (
        account.id_mac == id_number.mac
        and account.name_mac == name.mac
        and (phone is None or account.phone_mac == phone.mac)
        and all(_sealed_now(c) for c in (account.id_cipher, account.name_cipher, account.phone_cipher))
        and all(
            entry.get("id_mac") == bound.mac
            and _sealed_now(entry.get("id_cipher"))
            and _sealed_now(entry.get("name_cipher"))
            for bound, _, entry in family.values()
        )
    )
    if current:
        return None
    return rekeying.Rekeyed(
        id_number, name, phone, {binding_id: (bound, resealed) for binding_id, (bound, resealed, _) in family.items()}
    )


def rekey_account(account_id: str, now: datetime) -> str:
    """Re-key one account: ``rekeyed``, ``current`` (nothing to do), ``gone`` (no such account)
    or ``refused`` (it kept changing, or a claim is not where it says: look at it by hand)."""
    for _ in range(ATTEMPTS):
        account = accounts.get(account_id)
        if account is None:
            return GONE
        new = _rekeyed(account)
        if new is None:
            return CURRENT
        try:
            rekeying.rewrite(account, new, now)
        except WriteRefusedError:
            continue  # changed meanwhile: read it again
        return REKEYED
    return REFUSED


def run(account_ids: Iterable[str], now: datetime) -> tuple[Counter, list[str]]:
    """Re-key every account named (blank lines skipped): the outcomes counted, and the ids refused."""
    outcomes: Counter = Counter()
    refused: list[str] = []
    for raw in account_ids:
        account_id = raw.strip()
        if not account_id:
            continue
        outcome = rekey_account(account_id, now)
        outcomes[outcome] += 1
        if outcome == REFUSED:
            refused.append(account_id)
    return outcomes, refused
