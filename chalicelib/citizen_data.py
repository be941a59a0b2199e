"""Citizen identifiers in their three stored forms: keyed MAC, ciphertext, masked.

Raw ID numbers, phones and names exist only in memory while a request is
served; what is stored, logged or shown is what this module makes of them.

MACs and ciphertexts are made under the configured crypto suite (chalicelib/crypto.py).
During a migration between suites a stored MAC may still be the previous suite's: a
lookup tries every MAC a value may be stored under (``*_macs``), and a new value's
:class:`Protected` carries those others too (``previous_macs``) so the transaction that
claims it can check no one holds it under them.
"""

from __future__ import annotations

from dataclasses import dataclass

from chalicelib import crypto
from chalicelib.domain.masking import mask_id_number, mask_name, mask_phone

__all__ = [
    "Protected",
    "id_number_mac",
    "id_number_macs",
    "identifier_mac",
    "name_matches",
    "phone_mac",
    "phone_macs",
    "protect_id_number",
    "protect_name",
    "protect_phone",
    "reveal_id_number",
    "reveal_name",
]


@dataclass(frozen=True)
class Protected:
    mac: str
    cipher: str
    masked: str
    # the value's MACs under a previous suite, during a migration (empty otherwise): never stored
    previous_macs: tuple[str, ...] = ()


def id_number_mac(number: str) -> str:
    return crypto.mac("id_number", number)


def id_number_macs(number: str) -> tuple[str, ...]:
    """Every MAC an ID number may be stored under, the configured suite's first (for lookups)."""
    return crypto.macs("id_number", number)


def phone_mac(phone: str) -> str:
    return crypto.mac("phone", phone)


def phone_macs(phone: str) -> tuple[str, ...]:
    """Every MAC a phone may be stored under, the configured suite's first (for lookups)."""
    return crypto.macs("phone", phone)


def name_matches(stored_mac: str, name: str) -> bool:
    """Whether a stored name MAC is this name's (under any suite it may have been written with)."""
    return any(crypto.equal(stored_mac or "", candidate) for candidate in crypto.macs("name", name))


def identifier_mac(identifier: str) -> str:
    """MAC of whatever a login form was given, for counting failures on unknown identifiers."""
    return crypto.mac("login_identifier", identifier)


def _protect(kind: str, value: str, masked: str) -> Protected:
    current, *previous = crypto.macs(kind, value)
    return Protected(current, crypto.encrypt(kind, value), masked, tuple(previous))


def protect_id_number(number: str) -> Protected:
    return _protect("id_number", number, mask_id_number(number))


def protect_phone(phone: str) -> Protected:
    return _protect("phone", phone, mask_phone(phone))


def protect_name(name: str) -> Protected:
    return _protect("name", name, mask_name(name))


def reveal_id_number(cipher: str) -> str:
    """The ID number behind a stored ciphertext, for a platform that needs it (base library, face)."""
    return crypto.decrypt("id_number", cipher)


def reveal_name(cipher: str) -> str:
    return crypto.decrypt("name", cipher)
