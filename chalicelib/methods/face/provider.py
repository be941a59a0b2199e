"""The face-verification provider, as far as the hall sees it: its signed callback.

The citizen scans the hall's QR with 支付宝APP or 江苏智慧人社APP; the provider compares their
face with the named person's and POSTs the outcome to the hall (``POST /api/face/callback``)::

    {"face_id": ..., "result": "passed" | "failed", "channel": "alipay" | "jshrss_app",
     "nonce": ..., "timestamp": <epoch seconds>, "sign_type": "RSA2" | "RSA-PSS", "signature": <base64>}

signed as chalicelib/methods/signed_callbacks.py says (sorted ``name=value`` joined by ``&``). No
image and no face template travels: only the outcome.

Two implementations of :class:`FaceProvider`: :class:`SignedCallbackProvider`, the production
adapter, verifies with the provider's public key from settings (``HALL_FACE_PROVIDER_PUBLIC_KEY``);
in the dev stage without that key, the local counterpart (devtools/stubs/face_provider.py, which
signs with a committed test-only key, ``HALL_FACE_DEV_SIGNING_KEY_PATH``) is the same adapter
given that key's public half. :func:`configured` picks one, or None (not configured).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from chalicelib import settings
from chalicelib.methods.signed_callbacks import SignatureInvalidError, check_fields, verify_signature

__all__ = [
    "FIELDS",
    "RESULTS",
    "FaceProvider",
    "FaceResult",
    "SignatureInvalidError",
    "SignedCallbackProvider",
    "configured",
]

FIELDS = ("face_id", "result", "channel", "nonce", "timestamp", "sign_type")
RESULTS = ("passed", "failed")


@dataclass(frozen=True)
class FaceResult:
    face_id: str
    passed: bool
    channel: str
    nonce: str
    timestamp: int


class FaceProvider(Protocol):
    def read_callback(self, body: dict) -> FaceResult:
        """The outcome the provider signed, or SignatureInvalidError."""


def _parse(body: dict) -> FaceResult:
    check_fields(body, FIELDS)
    if body["result"] not in RESULTS:
        raise SignatureInvalidError("result")
    return FaceResult(body["face_id"], body["result"] == "passed", body["channel"], body["nonce"], body["timestamp"])


class SignedCallbackProvider:
    """The production adapter: the callback's fields, if the provider's key signed them."""

    def __init__(self, public_key_pem: str) -> None:
        self.public_key_pem = public_key_pem

    def read_callback(self, body: dict) -> FaceResult:
        result = _parse(body)
        verify_signature(body, self.public_key_pem)
        return result


def configured() -> FaceProvider | None:
    cfg = settings.get()
    if cfg.face_provider_public_key:
        return SignedCallbackProvider(cfg.face_provider_public_key)
    if cfg.is_dev:
        try:
            from devtools.stubs import face_provider  # dev only: not in the deployed package
        except ImportError:
            return None
        return SignedCallbackProvider(face_provider.public_key_pem())
    return None
