"""Masked forms of citizen data, the only forms shown on pages and in logs."""

from __future__ import annotations

__all__ = ["mask_name", "mask_id_number", "mask_phone"]


def mask_name(name: str) -> str:
    """陈小明 → 陈*, 陈明 → 陈*, John Smith → J*: the manual's form, which also hides the name's length."""
    return name[:1] + "*"


def mask_id_number(number: str) -> str:
    """3201**********1234: first four and last four characters shown."""
    if len(number) <= 8:
        return number[:1] + "*" * (len(number) - 2) + number[-1:]
    return number[:4] + "*" * (len(number) - 8) + number[-4:]


def mask_phone(phone: str) -> str:
    """138****5678."""
    return phone[:3] + "****" + phone[-4:]
