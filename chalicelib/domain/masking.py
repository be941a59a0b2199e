"""Masked forms of citizen data, the only forms shown on pages and in logs."""

from __future__ import annotations

__all__ = ["mask_id_number", "mask_name", "mask_phone"]


def mask_name(name: str) -> str:
    """陈小明 → 陈*, 陈明 → 陈*, John Smith → J*: the manual's form, which also hides the name's length."""
    return name[:1] + "*"


def mask_id_number(number: str) -> str:
    """3201**********1234: first four and last four characters of an 18-character number.

    Shorter numbers (permits, passports) show a quarter at each end, so at
    least half of any number stays hidden: H1*****78.
    """
    shown = min(4, len(number) // 4)
    if shown == 0:
        return "*" * len(number)
    return number[:shown] + "*" * (len(number) - 2 * shown) + number[-shown:]


def mask_phone(phone: str) -> str:
    """138****5678."""
    return phone[:3] + "****" + phone[-4:]
