"""A login record bound to the browser that began it (扫码登录, 电子社保卡扫码登录).

The browser keeps a secret in an HttpOnly cookie and the record keeps only its hash,
so a photographed or relayed QR id cannot be polled into another browser's session.
One home for the hash and for the checks every poll makes before looking at a state.
"""

from __future__ import annotations

from datetime import datetime

from chalicelib import crypto
from chalicelib.errors import HallError

__all__ = ["binding_hash", "bound_record"]


def binding_hash(secret: str | None) -> str:
    return crypto.hash_token(secret or "")


def bound_record(record, collected_state: str, secret: str | None, now: datetime):
    """The record, if it is still to be collected by this browser and has not expired; else
    the refusal. The binding is checked first: another browser learns nothing of its state."""
    if record is None or record.state == collected_state:
        raise HallError.login_flow_expired()
    if not secret or not crypto.equal(binding_hash(secret), record.binding_hash):
        raise HallError.qr_login_other_browser()
    if record.expired(now):
        raise HallError.expired_token()
    return record
