"""Callbacks a platform signs with its RSA key (电子社保卡 platform, the face-verification provider).

The signed text is every field but ``signature``, sorted by name, as ``name=value`` joined by
``&`` (the convention of Chinese payment and government gateways). ``sign_type`` names the
scheme: ``RSA2`` is SHA256withRSA (PKCS#1 v1.5), ``RSA-PSS`` is RSASSA-PSS with SHA-256 and
MGF1-SHA-256 (salt of the digest's length). One home for the text, the schemes and the check;
each platform's module says which fields it sends. The local counterparts sign with ``sign``.
"""

from __future__ import annotations

import base64
from functools import lru_cache

__all__ = ["SIGN_TYPES", "SignatureInvalidError", "check_fields", "sign", "signed_text", "verify_signature"]

SIGN_TYPES = ("RSA2", "RSA-PSS")


class SignatureInvalidError(Exception):
    """The callback is not what the platform signed (or not a callback at all)."""


def signed_text(fields: dict) -> bytes:
    return "&".join(f"{k}={fields[k]}" for k in sorted(fields) if k != "signature").encode("utf-8")


def check_fields(body: dict, fields: tuple[str, ...]) -> None:
    """Raise SignatureInvalidError unless ``body`` has exactly ``fields`` and ``signature``, each a
    short non-empty string (``timestamp`` an integer): what any callback must look like."""
    if set(body) != {*fields, "signature"}:
        raise SignatureInvalidError("fields")
    for name in fields:
        value = body[name]
        if name == "timestamp":
            if not isinstance(value, int) or isinstance(value, bool):
                raise SignatureInvalidError(name)
        elif not isinstance(value, str) or not value or len(value) > 128:
            raise SignatureInvalidError(name)


def _padding(sign_type: str):
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding

    if sign_type == "RSA-PSS":
        return padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=padding.PSS.DIGEST_LENGTH)
    return padding.PKCS1v15()


@lru_cache(maxsize=8)
def _public_key(pem: str):
    from cryptography.hazmat.primitives.serialization import load_pem_public_key

    return load_pem_public_key(pem.encode("ascii"))


def verify_signature(body: dict, public_key_pem: str) -> None:
    """Raise SignatureInvalidError unless ``signature`` is the key holder's over the other fields."""
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import hashes

    sign_type, signature = body.get("sign_type"), body.get("signature")
    if sign_type not in SIGN_TYPES or not isinstance(signature, str):
        raise SignatureInvalidError("sign_type")
    try:
        raw = base64.b64decode(signature, validate=True)
    except ValueError:
        raise SignatureInvalidError("signature") from None
    try:
        _public_key(public_key_pem).verify(raw, signed_text(body), _padding(sign_type), hashes.SHA256())
    except InvalidSignature:
        raise SignatureInvalidError("signature") from None


def sign(fields: dict, private_key, sign_type: str = "RSA2") -> dict:
    """``fields`` with ``sign_type`` and their ``signature`` (what a platform sends; local counterparts)."""
    from cryptography.hazmat.primitives import hashes

    body = {**fields, "sign_type": sign_type}
    body.pop("signature", None)
    signature = private_key.sign(signed_text(body), _padding(sign_type), hashes.SHA256())
    body["signature"] = base64.b64encode(signature).decode("ascii")
    return body
