"""The national 电子社保卡 platform's signed callback: its fields and their verification.

The platform confirms a scan by POSTing JSON to the hall::

    {"qr_id": ..., "code": <the TOTP scanned>, "name": ..., "id_number": ...,
     "channel": <the channel that issued the card>, "nonce": ..., "timestamp": <epoch seconds>,
     "sign_type": "RSA2" | "RSA-PSS", "signature": <base64>}

The signed text and the two schemes are chalicelib/methods/signed_callbacks.py's (every field but
``signature``, sorted, ``name=value`` joined by ``&``). The platform's public key comes from
settings (``HALL_ESSC_PLATFORM_PUBLIC_KEY``, PEM). The dev simulator
(devtools/stubs/essc_platform.py) signs with the same text.
"""

from __future__ import annotations

from dataclasses import dataclass

from chalicelib.methods.signed_callbacks import (
    SIGN_TYPES,
    SignatureInvalidError,
    check_fields,
    signed_text,
    verify_signature,
)

__all__ = ["FIELDS", "Callback", "SignatureInvalidError", "parse", "signed_text", "verify"]

FIELDS = ("qr_id", "code", "name", "id_number", "channel", "nonce", "timestamp", "sign_type")


@dataclass(frozen=True)
class Callback:
    qr_id: str
    code: str
    name: str
    id_number: str
    channel: str
    nonce: str
    timestamp: int


def parse(body: dict) -> Callback:
    """The callback's fields, each a short string (timestamp an integer), or SignatureInvalidError."""
    check_fields(body, FIELDS)
    if body["sign_type"] not in SIGN_TYPES or not isinstance(body["signature"], str):
        raise SignatureInvalidError("sign_type")
    return Callback(**{name: body[name] for name in FIELDS if name != "sign_type"})


def verify(body: dict, public_key_pem: str) -> Callback:
    """The callback, if ``signature`` is the platform's over its fields."""
    callback = parse(body)
    verify_signature(body, public_key_pem)
    return callback
