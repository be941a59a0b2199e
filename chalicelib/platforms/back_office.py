"""The back office (业务经办系统): where a 办件 is handled, outside the hall.

The hall stores a case in 办理中 when the citizen applies; the back office, once it has handled
the case, tells the hall with a signed callback (``POST /api/back-office/callback``)::

    {"case_id": <办件编号>, "result": "finished", "note": <办结意见>,
     "nonce": ..., "timestamp": <epoch seconds>, "sign_type": "RSA2" | "RSA-PSS", "signature": <base64>}

signed as chalicelib/methods/signed_callbacks.py says (sorted ``name=value`` joined by ``&``),
the way the e-SSC platform and the face-verification provider sign theirs.

:class:`SignedCallbackBackOffice` is the production adapter: it verifies with the back office's
public key from settings (``HALL_BACK_OFFICE_PUBLIC_KEY``). In the dev stage without that key the
local counterpart (devtools/stubs/back_office.py, a committed test-only key; driven by the dev
page ``/dev/back-office`` and ``python -m chalicelib.ops cases finish <办件编号>``) is the same
adapter given that key's public half. :func:`configured` picks one, or None (not configured).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from chalicelib import settings
from chalicelib.methods.signed_callbacks import SignatureInvalidError, check_fields, verify_signature

__all__ = [
    "FIELDS",
    "RESULTS",
    "BackOffice",
    "CaseUpdate",
    "SignatureInvalidError",
    "SignedCallbackBackOffice",
    "configured",
]

FIELDS = ("case_id", "result", "note", "nonce", "timestamp", "sign_type")
RESULTS = ("finished",)  # 已办结; the back office's other states stay its own


@dataclass(frozen=True)
class CaseUpdate:
    case_id: str
    result: str
    note: str
    nonce: str
    timestamp: int


class BackOffice(Protocol):
    def read_callback(self, body: dict) -> CaseUpdate:
        """The case update the back office signed, or SignatureInvalidError."""


def _parse(body: dict) -> CaseUpdate:
    check_fields(body, FIELDS)
    if body["result"] not in RESULTS:
        raise SignatureInvalidError("result")
    return CaseUpdate(body["case_id"], body["result"], body["note"], body["nonce"], body["timestamp"])


class SignedCallbackBackOffice:
    """The production adapter: the callback's fields, if the back office's key signed them."""

    def __init__(self, public_key_pem: str) -> None:
        self.public_key_pem = public_key_pem

    def read_callback(self, body: dict) -> CaseUpdate:
        update = _parse(body)
        verify_signature(body, self.public_key_pem)
        return update


def configured() -> BackOffice | None:
    cfg = settings.get()
    if cfg.back_office_public_key:
        return SignedCallbackBackOffice(cfg.back_office_public_key)
    if cfg.is_dev:
        try:
            from devtools.stubs import back_office  # dev only: not in the deployed package
        except ImportError:
            return None
        return SignedCallbackBackOffice(back_office.public_key_pem())
    return None
