"""One home for keys and the cryptography the hall does with them.

Citizen identifiers (ID numbers, phones, names) are stored three ways: a keyed
MAC for exact lookup, an AES-GCM ciphertext for the rare operator who must
read them, and a masked form for display. Secrets (session tokens, one-time
codes, captcha answers) are stored only as hashes.

Keys come from ``HALL_LOCAL_KEYS`` in the dev stage and from an AWS Secrets
Manager secret (``HALL_KEYS_SECRET_ARN``) in prod, read once per container.
The secret is JSON::

    {"mac": "<b64 32 bytes>", "enc": {"k1": "<b64 32 bytes>"}, "enc_current": "k1"}

Encryption keys carry an id so they can be rotated (old ids keep decrypting).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import secrets
from dataclasses import dataclass
from functools import lru_cache

from chalicelib import settings

__all__ = [
    "Keys",
    "UnknownKeyError",
    "decrypt",
    "encrypt",
    "equal",
    "hash_code",
    "hash_token",
    "keys",
    "mac",
    "new_token",
]


@dataclass(frozen=True)
class Keys:
    mac_key: bytes
    enc_keys: dict[str, bytes]
    enc_current: str
    platform_secrets: dict[str, bytes]


class KeysNotConfiguredError(RuntimeError):
    """The keys document is missing or still the placeholder infra/ creates."""


class UnknownKeyError(LookupError):
    """A ciphertext names an encryption key id the keys document no longer holds (a
    retired key): the value cannot be read until the key is restored or the value
    re-encrypted. The message names the key id only, never key material or the value."""

    def __init__(self, key_id: str) -> None:
        super().__init__(f"encryption key {key_id!r} is not in the keys document (retired?); restore it to decrypt")
        self.key_id = key_id


def _parse(document: dict) -> Keys:
    if not isinstance(document, dict) or "mac" not in document or "enc" not in document:
        raise KeysNotConfiguredError(
            "the keys secret holds no keys document yet: see docs/deploy.md (python -m chalicelib.ops keys generate)"
        )
    enc = {kid: base64.b64decode(v) for kid, v in document["enc"].items()}
    current = document.get("enc_current") or sorted(enc)[-1]
    platforms = {name: base64.b64decode(v) for name, v in document.get("platforms", {}).items()}
    return Keys(base64.b64decode(document["mac"]), enc, current, platforms)


@lru_cache(maxsize=4)
def _parsed(document_json: str) -> Keys:
    return _parse(json.loads(document_json))


_local: tuple[object, Keys] | None = None


def keys() -> Keys:
    """The current keys. In prod the secret is re-read when Powertools' 5-minute cache
    expires, so a rotated secret reaches running containers without a redeploy; parsing
    is cached on the document's text."""
    global _local
    cfg = settings.get()
    if cfg.keys_secret_arn:
        # Imported here so dev and tests never pay for it.
        from aws_lambda_powertools.utilities import parameters

        return _parsed(parameters.get_secret(cfg.keys_secret_arn, max_age=300))
    if _local is not None and _local[0] is cfg:  # settings objects are cached per environment
        return _local[1]
    if not cfg.local_keys:
        raise KeysNotConfiguredError("no keys configured: set HALL_LOCAL_KEYS (dev) or HALL_KEYS_SECRET_ARN (prod)")
    parsed = _parsed(json.dumps(cfg.local_keys, sort_keys=True))
    _local = (cfg, parsed)
    return parsed


def generate_keys_document() -> dict:
    """A fresh key document, for `ops keys generate` and local setup."""
    return {
        "mac": base64.b64encode(os.urandom(32)).decode(),
        "enc": {"k1": base64.b64encode(os.urandom(32)).decode()},
        "enc_current": "k1",
        "platforms": {"base_library": base64.b64encode(os.urandom(32)).decode()},
    }


def mac(kind: str, value: str) -> str:
    """Keyed MAC (HMAC-SHA256, hex) of a value; ``kind`` separates domains: a lookup field
    (``phone``), a code's purpose (``code:<purpose>``), the CSRF signature (``csrf``)."""
    digest = hmac.new(keys().mac_key, f"{kind}\x1f{value}".encode(), hashlib.sha256)
    return digest.hexdigest()


def encrypt(kind: str, value: str) -> str:
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    k = keys()
    nonce = os.urandom(12)
    sealed = AESGCM(k.enc_keys[k.enc_current]).encrypt(nonce, value.encode(), kind.encode())
    return f"{k.enc_current}:{base64.b64encode(nonce + sealed).decode()}"


def decrypt(kind: str, blob: str) -> str:
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    kid, _, payload = blob.partition(":")
    key = keys().enc_keys.get(kid)
    if key is None:
        raise UnknownKeyError(kid)
    raw = base64.b64decode(payload)
    return AESGCM(key).decrypt(raw[:12], raw[12:], kind.encode()).decode()


def new_token() -> str:
    """An opaque random token (256 bits)."""
    return secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    """Tokens carry 256 bits of entropy, so a plain SHA-256 is enough to store them."""
    return hashlib.sha256(token.encode()).hexdigest()


def hash_code(purpose: str, subject: str, code: str) -> str:
    """Short codes (SMS, captcha) have little entropy: keyed, so a table dump cannot be brute-forced."""
    return mac(f"code:{purpose}", f"{subject}\x1f{code}")


def equal(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())


def platform_secret(name: str) -> bytes:
    """A shared secret for signing requests to an external platform (from the keys document)."""
    k = keys()
    secret = k.platform_secrets.get(name)
    if secret is None:
        raise RuntimeError(f"no secret configured for platform {name!r}")
    return secret
