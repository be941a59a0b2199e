"""Alipay's RSA2 signatures (SHA256withRSA, PKCS #1 v1.5), as Alipay's open platform specifies.

Written after python-alipay-sdk 3.4.0 (``BaseAliPay.sign_data``, ``_sign``, ``_verify``,
``_get_string_to_be_signed``), with the primitives of the ``cryptography`` package instead of
pycryptodome; no crypto of our own, only the strings Alipay signs:

- A request is signed over its parameters except ``sign`` and those with an empty value,
  sorted by name, written ``key=value`` joined by ``&``, unencoded (a dict value, such as
  ``biz_content``, as compact JSON). ``sign_type`` is one of the signed parameters.
- A response ``{"<method>_response": {...}, "sign": "..."}`` is signed over the exact text of
  the ``<method>_response`` value as it arrived (not a re-serialisation), so the verifier cuts
  that text out of the raw body. The SDK counts braces; we let the JSON decoder find the
  value's end (``raw_decode``), which is not fooled by a brace inside a string.

Signatures travel as standard Base64 without line breaks. The local gateway simulator
(devtools/stubs/alipay_sim.py) uses this module too, for the other side of each exchange.
"""

from __future__ import annotations

import base64
import binascii
import json
import re

__all__ = [
    "SignatureError",
    "load_private_key",
    "load_public_key",
    "response_content",
    "sign",
    "sign_params",
    "signing_string",
    "verify",
    "verify_params",
]


class SignatureError(Exception):
    """A signature that does not verify, or a body whose signed part cannot be found."""


def load_private_key(pem: str):
    from cryptography.hazmat.primitives.serialization import load_pem_private_key

    return load_pem_private_key(pem.encode(), password=None)


def load_public_key(pem: str):
    from cryptography.hazmat.primitives.serialization import load_pem_public_key

    return load_pem_public_key(pem.encode())


def signing_string(params: dict) -> str:
    """The string a request is signed over: sorted ``key=value`` pairs, ``sign`` and empty values left out."""
    items = []
    for key, value in params.items():
        if key == "sign" or value is None or value == "":
            continue
        if isinstance(value, dict):
            value = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
        items.append((key, str(value)))
    return "&".join(f"{k}={v}" for k, v in sorted(items))


def sign(content: str, private_key) -> str:
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding

    return base64.b64encode(private_key.sign(content.encode(), padding.PKCS1v15(), hashes.SHA256())).decode()


def verify(content: str, signature: str, public_key) -> None:
    """Raise :class:`SignatureError` unless ``signature`` is the key's RSA2 signature of ``content``."""
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding

    try:
        raw = base64.b64decode(signature or "", validate=True)
        public_key.verify(raw, content.encode(), padding.PKCS1v15(), hashes.SHA256())
    except (InvalidSignature, binascii.Error, ValueError) as exc:
        raise SignatureError("the signature does not verify") from exc


def sign_params(params: dict, private_key) -> dict:
    """The parameters with their ``sign`` added."""
    return {**params, "sign": sign(signing_string(params), private_key)}


def verify_params(params: dict, public_key) -> None:
    verify(signing_string(params), str(params.get("sign") or ""), public_key)


def response_content(raw: str, method: str) -> tuple[str | None, str]:
    """From a gateway's raw answer, the exact text under ``<method>_response`` (or under
    ``error_response``) and which of the two it was: (text, key). ``text`` is None when neither is there."""
    decoder = json.JSONDecoder()
    for key in (method.replace(".", "_") + "_response", "error_response"):
        found = re.search(r'"' + re.escape(key) + r'"\s*:\s*', raw)
        if found is None:
            continue
        try:
            _, end = decoder.raw_decode(raw, found.end())
        except ValueError as exc:
            raise SignatureError("the answer is not JSON") from exc
        return raw[found.end() : end], key
    return None, ""
