"""The national 电子社保卡 platform's signed callback: its fields, the signed text, the verification.

The platform confirms a scan by POSTing JSON to the hall::

    {"qr_id": ..., "code": <the TOTP scanned>, "name": ..., "id_number": ...,
     "channel": <the channel that issued the card>, "nonce": ..., "timestamp": <epoch seconds>,
     "sign_type": "RSA2" | "RSA-PSS", "signature": <base64>}

The signed text is every field but ``signature``, sorted by name, as ``name=value`` joined by
``&`` (the convention of Chinese payment and government gateways). ``RSA2`` is SHA256withRSA
(PKCS#1 v1.5), ``RSA-PSS`` is RSASSA-PSS with SHA-256 and MGF1-SHA-256 (salt of the digest's
length). The platform's public key comes from settings (``HALL_ESSC_PLATFORM_PUBLIC_KEY``,
PEM). The dev simulator (devtools/stubs/essc_platform.py) signs with the same text.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from functools import lru_cache

__all__ = ["FIELDS", "Callback", "SignatureInvalidError", "parse", "signed_text", "verify"]

FIELDS = ("qr_id", "code", "name", "id_number", "channel", "nonce", "timestamp", "sign_type")
SIGN_TYPES = ("RSA2", "RSA-PSS")


class SignatureInvalidError(Exception):
    """The callback is not what the platform signed (or not a callback at all)."""


@dataclass(frozen=True)
class Callback:
    qr_id: str
    code: str
    name: str
    id_number: str
    channel: str
    nonce: str
    timestamp: int


def signed_text(fields: dict) -> bytes:
    return "&".join(f"{k}={fields[k]}" for k in sorted(fields) if k != "signature").encode("utf-8")


@lru_cache(maxsize=4)
def _public_key(pem: str):
    from cryptography.hazmat.primitives.serialization import load_pem_public_key

    return load_pem_public_key(pem.encode("ascii"))


def parse(body: dict) -> Callback:
    """The callback's fields, each a short string (timestamp an integer), or SignatureInvalidError."""
    if set(body) != {*FIELDS, "signature"}:
        raise SignatureInvalidError("fields")
    values = {}
    for name in FIELDS:
        value = body[name]
        if name == "timestamp":
            if not isinstance(value, int) or isinstance(value, bool):
                raise SignatureInvalidError("timestamp")
        elif not isinstance(value, str) or not value or len(value) > 128:
            raise SignatureInvalidError(name)
        values[name] = value
    if values["sign_type"] not in SIGN_TYPES or not isinstance(body["signature"], str):
        raise SignatureInvalidError("sign_type")
    values.pop("sign_type")
    return Callback(**values)


def verify(body: dict, public_key_pem: str) -> Callback:
    """The callback, if ``signature`` is the platform's over its fields."""
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding

    callback = parse(body)
    try:
        signature = base64.b64decode(body["signature"], validate=True)
    except ValueError:
        raise SignatureInvalidError("signature") from None
    if body["sign_type"] == "RSA-PSS":
        pad = padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=padding.PSS.DIGEST_LENGTH)
    else:
        pad = padding.PKCS1v15()
    try:
        _public_key(public_key_pem).verify(signature, signed_text(body), pad, hashes.SHA256())
    except InvalidSignature:
        raise SignatureInvalidError("signature") from None
    return callback
