"""Rewriting one account's citizen data under the configured crypto suite and keys (the
re-keying job, chalicelib/jobs/crypto_rekey.py, decides what; this module writes it).

One transaction per account: the account's MACs and ciphertexts (ID number, name, phone, and
the 亲情号 entries it bound) replaced, conditioned on the account's version as read; each claim
whose MAC changes moved (the old one deleted on condition it is still this account's, the new
one put on condition no one holds it). A change made meanwhile cancels it all and the job
reads the account again; nothing is half moved.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from pynamodb.exceptions import TransactWriteError
from pynamodb.transactions import TransactWrite

from chalicelib.citizen_data import Protected
from chalicelib.store import tables
from chalicelib.store.accounts import Account, family_claim_key, id_claim_key, phone_claim_key
from chalicelib.store.errors import WriteRefusedError, cancellation_codes, with_conflict_retries
from chalicelib.store.models import AccountModel, ClaimModel

__all__ = ["Rekeyed", "rewrite"]


@dataclass(frozen=True)
class Rekeyed:
    """An account's citizen data as the current suite writes it. ``family``: binding id → the
    bound person's ID number and name ciphertext (the entry's other fields are kept)."""

    id_number: Protected
    name: Protected
    phone: Protected | None
    family: dict[str, tuple[Protected, str]] = field(default_factory=dict)


def _moves(account: Account, new: Rekeyed) -> list[tuple[str, str, str, str | None]]:
    """(old claim key, new claim key, kind, binding id) for each claim whose MAC changes."""
    moves = []
    if account.id_mac != new.id_number.mac:
        moves.append(
            (
                id_claim_key(account.id_type, account.id_mac),
                id_claim_key(account.id_type, new.id_number.mac),
                "id",
                None,
            )
        )
    if account.phone_mac and new.phone is not None and account.phone_mac != new.phone.mac:
        moves.append((phone_claim_key(account.phone_mac), phone_claim_key(new.phone.mac), "phone", None))
    for binding_id, (protected, _) in new.family.items():
        entry = (account.family or {}).get(binding_id) or {}
        if entry.get("id_mac") and entry["id_mac"] != protected.mac:
            doc_type = str(entry["doc_type"])
            moves.append(
                (
                    family_claim_key(doc_type, entry["id_mac"]),
                    family_claim_key(doc_type, protected.mac),
                    "family",
                    binding_id,
                )
            )
    return moves


def rewrite(account: Account, new: Rekeyed, now: datetime) -> None:
    """Write ``new`` over ``account`` (as read) in one transaction. Raises
    :class:`WriteRefusedError` when the account changed since it was read, or a claim is not
    (or no longer) where the account says: read it again and retry."""
    tables.ready()
    actions = [
        AccountModel.id_mac.set(new.id_number.mac),
        AccountModel.id_cipher.set(new.id_number.cipher),
        AccountModel.name_mac.set(new.name.mac),
        AccountModel.name_cipher.set(new.name.cipher),
    ]
    if account.phone_mac and new.phone is not None:
        actions += [AccountModel.phone_mac.set(new.phone.mac), AccountModel.phone_cipher.set(new.phone.cipher)]
    for binding_id, (protected, name_cipher) in new.family.items():
        entry = dict((account.family or {}).get(binding_id) or {})
        if entry:
            entry.update(id_mac=protected.mac, id_cipher=protected.cipher, name_cipher=name_cipher)
            actions.append(AccountModel.family[binding_id].set(entry))
    moves = _moves(account, new)

    def commit() -> None:
        with TransactWrite(connection=tables.connection()) as tx:
            for old_key, new_key, kind, binding_id in moves:
                tx.delete(ClaimModel(old_key), condition=ClaimModel.account_id == account.account_id)
                claim = ClaimModel(
                    new_key, account_id=account.account_id, kind=kind, created_at=now, binding_id=binding_id
                )
                tx.save(claim, condition=ClaimModel.claim_key.does_not_exist())
            # The version as read: any change to the account meanwhile cancels the move.
            tx.update(
                AccountModel(account.account_id, version=account.version),
                actions=actions,
                condition=AccountModel.account_id.exists(),
            )

    try:
        with_conflict_retries(commit)
    except TransactWriteError as exc:
        raise WriteRefusedError(", ".join(c or "-" for c in cancellation_codes(exc))) from exc
