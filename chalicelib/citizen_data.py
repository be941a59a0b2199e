"""Citizen identifiers in their three stored forms: keyed MAC, ciphertext, masked.

Raw ID numbers, phones and names exist only in memory while a request is
served; what is stored, logged or shown is what this module makes of them.
"""

from __future__ import annotations

from dataclasses import dataclass

from chalicelib import crypto
from chalicelib.domain.masking import mask_id_number, mask_name, mask_phone

__all__ = [
    "Protected",
    "id_number_mac",
    "identifier_mac",
    "phone_mac",
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


def id_number_mac(number: str) -> str:
    return crypto.mac("id_number", number)


def phone_mac(phone: str) -> str:
    return crypto.mac("phone", phone)


def identifier_mac(identifier: str) -> str:
    """MAC of whatever a login form was given, for counting failures on unknown identifiers."""
    return crypto.mac("login_identifier", identifier)


def protect_id_number(number: str) -> Protected:
    return Protected(id_number_mac(number), crypto.encrypt("id_number", number), mask_id_number(number))


def protect_phone(phone: str) -> Protected:
    return Protected(phone_mac(phone), crypto.encrypt("phone", phone), mask_phone(phone))


def protect_name(name: str) -> Protected:
    return Protected(crypto.mac("name", name), crypto.encrypt("name", name), mask_name(name))


def reveal_id_number(cipher: str) -> str:
    """The ID number behind a stored ciphertext, for a platform that needs it (base library, face)."""
    return crypto.decrypt("id_number", cipher)


def reveal_name(cipher: str) -> str:
    return crypto.decrypt("name", cipher)
