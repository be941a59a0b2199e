"""Recovery codes (恢复码): ten per account, shown once, stored as keyed hashes (they are
short: a table dump must not be enough to try them all)."""

from __future__ import annotations

from chalicelib import crypto
from chalicelib.domain import second_factor as rules

__all__ = ["hash_code", "issue", "stored_hash"]

_PURPOSE = "recovery_code"


def hash_code(account_id: str, code: str) -> str:
    """The keyed hash of a normalised code, bound to its account."""
    return crypto.hash_code(_PURPOSE, account_id, code)


def stored_hash(account_id: str, code: str, stored: frozenset[str]) -> str | None:
    """Which of ``stored`` this code is, under any suite the keys hold: codes issued before a
    switch of the MAC (国密, docs/operations.md) stay usable, since nothing can re-key them."""
    return next((h for h in crypto.hash_codes(_PURPOSE, account_id, code, any_suite=True) if h in stored), None)


def issue(account_id: str) -> tuple[list[str], list[str]]:
    """New codes: (as shown to the citizen, their hashes to store)."""
    codes = rules.new_recovery_codes()
    return [rules.display_recovery_code(c) for c in codes], [hash_code(account_id, c) for c in codes]
