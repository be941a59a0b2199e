"""One home for keys and the cryptography the hall does with them.

Citizen identifiers (ID numbers, phones, names) are stored three ways: a keyed
MAC for exact lookup, an authenticated ciphertext for the rare operator who must
read them, and a masked form for display. Secrets (session tokens, one-time
codes, captcha answers) are stored only as hashes.

The algorithms are a *suite* (chalicelib/crypto_suites.py): ``standard``
(AES-256-GCM, HMAC-SHA256) or ``sm`` (国密: SM4-GCM, HMAC-SM3), chosen by
``HALL_CRYPTO_SUITE``. Keys come from ``HALL_LOCAL_KEYS`` in the dev stage and
from an AWS Secrets Manager secret (``HALL_KEYS_SECRET_ARN``) in prod, read once
per container. The secret is JSON, one section per suite (``sm`` only where it
may be used)::

    {"mac": "<b64 32 bytes>", "enc": {"k1": "<b64 32 bytes>"}, "enc_current": "k1",
     "sm": {"mac": "<b64 32 bytes>", "enc": {"s1": "<b64 16 bytes>"}, "enc_current": "s1"}}

A ciphertext names the suite and key that sealed it: ``<key id>:<base64>`` for
``standard`` (the form written before suites existed), ``<suite>:<key id>:<base64>``
for any other. Reading follows the name, so values written under an old key or
the other suite keep reading after a rotation or a switch; new values use the
configured suite's current key. MACs cannot say so (they are compared, not read):
:func:`macs` gives a value's MAC under the configured suite and, during a migration
(``HALL_CRYPTO_PREVIOUS_SUITE``), under the previous one too.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import secrets
from dataclasses import dataclass, field
from functools import lru_cache

from chalicelib import crypto_suites, settings

__all__ = [
    "Keys",
    "SuiteKeys",
    "UnknownKeyError",
    "decrypt",
    "encrypt",
    "equal",
    "hash_code",
    "hash_codes",
    "hash_token",
    "keys",
    "mac",
    "macs",
    "new_token",
    "sealed_with",
]


@dataclass(frozen=True)
class SuiteKeys:
    """One suite's keys: its MAC key, its encryption keys by id, the id new values use."""

    mac_key: bytes
    enc_keys: dict[str, bytes]
    enc_current: str


@dataclass(frozen=True)
class Keys:
    mac_key: bytes
    enc_keys: dict[str, bytes]
    enc_current: str
    platform_secrets: dict[str, bytes]
    # suite name → its keys; "standard" is the document's top level (mac_key, enc_keys, enc_current)
    suites: dict[str, SuiteKeys] = field(default_factory=dict)

    def of(self, suite: str) -> SuiteKeys:
        found = self.suites.get(suite)
        if found is None:
            raise KeysNotConfiguredError(
                f"the keys document has no {suite!r} section: add one (see docs/operations.md, 国密)"
            )
        return found


class KeysNotConfiguredError(RuntimeError):
    """The keys document is missing or still the placeholder infra/ creates."""


class UnknownKeyError(LookupError):
    """A ciphertext names an encryption key id the keys document no longer holds (a
    retired key): the value cannot be read until the key is restored or the value
    re-encrypted. The message names the key id only, never key material or the value."""

    def __init__(self, key_id: str) -> None:
        super().__init__(f"encryption key {key_id!r} is not in the keys document (retired?); restore it to decrypt")
        self.key_id = key_id


def _suite_keys(suite: str, section: dict) -> SuiteKeys:
    sizes = crypto_suites.get(suite).enc_key_sizes
    enc = {kid: base64.b64decode(v) for kid, v in section["enc"].items()}
    for kid, key in enc.items():
        if ":" in kid or len(key) not in sizes:
            expected = " or ".join(map(str, sizes))
            raise KeysNotConfiguredError(f"{suite} encryption key {kid!r}: an id without ':' and {expected} bytes")
    current = section.get("enc_current") or sorted(enc)[-1]
    return SuiteKeys(base64.b64decode(section["mac"]), enc, current)


def _parse(document: dict) -> Keys:
    if not isinstance(document, dict) or "mac" not in document or "enc" not in document:
        raise KeysNotConfiguredError(
            "the keys secret holds no keys document yet: see docs/deploy.md (python -m chalicelib.ops keys generate)"
        )
    standard = _suite_keys("standard", document)
    suites = {"standard": standard}
    for name in crypto_suites.NAMES:
        if name != "standard" and isinstance(document.get(name), dict):
            suites[name] = _suite_keys(name, document[name])
    platforms = {name: base64.b64decode(v) for name, v in document.get("platforms", {}).items()}
    return Keys(standard.mac_key, standard.enc_keys, standard.enc_current, platforms, suites)


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
        # 国密 (SM4 keys are 16 bytes): used once HALL_CRYPTO_SUITE=sm
        "sm": {
            "mac": base64.b64encode(os.urandom(32)).decode(),
            "enc": {"s1": base64.b64encode(os.urandom(16)).decode()},
            "enc_current": "s1",
        },
    }


def mac(kind: str, value: str) -> str:
    """Keyed MAC (hex, 32 bytes: HMAC-SHA256, or HMAC-SM3 under the ``sm`` suite) of a value;
    ``kind`` separates domains: a lookup field (``phone``), a code's purpose
    (``code:<purpose>``), the CSRF signature (``csrf``)."""
    suite = settings.get().crypto_suite
    message = f"{kind}\x1f{value}".encode()
    if suite == "standard":  # the default path, as fast as before suites existed
        return hmac.new(keys().mac_key, message, hashlib.sha256).hexdigest()
    return crypto_suites.get(suite).mac(keys().of(suite).mac_key, message)


def macs(kind: str, value: str, *, any_suite: bool = False) -> tuple[str, ...]:
    """The value's MACs a stored one may be: under the configured suite first, then (during a
    migration, ``HALL_CRYPTO_PREVIOUS_SUITE``) under the previous one. For lookups and checks
    of stored MACs; new values are always written with :func:`mac`.

    ``any_suite``: under every suite the keys document holds keys for, window or not. Only for
    checking MACs the re-keying job cannot move because the hall never keeps what they were
    made of (a printed statement's code, one-time recovery codes): they stay checkable while
    the keys document keeps the old suite's MAC key."""
    cfg = settings.get()
    current = mac(kind, value)
    if any_suite:
        others = [name for name in keys().suites if name != cfg.crypto_suite]
    else:
        previous = cfg.crypto_previous_suite
        others = [previous] if previous and previous != cfg.crypto_suite else []
    if not others:
        return (current,)
    message = f"{kind}\x1f{value}".encode()
    k = keys()
    return (current, *(crypto_suites.get(name).mac(k.of(name).mac_key, message) for name in others))


def encrypt(kind: str, value: str) -> str:
    """``value`` sealed under the configured suite's current key, the kind bound to it; the
    result names the suite and key (see the module's docstring)."""
    suite = settings.get().crypto_suite
    k = keys().of(suite)
    sealed = crypto_suites.get(suite).seal(k.enc_keys[k.enc_current], kind, value.encode())
    payload = base64.b64encode(sealed).decode()
    if suite == "standard":
        return f"{k.enc_current}:{payload}"
    return f"{suite}:{k.enc_current}:{payload}"


def sealed_with(blob: str) -> tuple[str, str]:
    """The suite and key id a ciphertext names (``standard`` when it names none)."""
    head, _, rest = blob.partition(":")
    if ":" in rest:
        return head, rest.partition(":")[0]
    return "standard", head


def decrypt(kind: str, blob: str) -> str:
    """The value a ciphertext of this kind holds, under the suite and key it names. Fails
    closed: an unknown suite or key raises :class:`UnknownKeyError`, another kind, a wrong
    key or a changed byte ``cryptography.exceptions.InvalidTag``."""
    suite, kid = sealed_with(blob)
    payload = blob.rpartition(":")[2]
    section = keys().suites.get(suite)
    key = section.enc_keys.get(kid) if section is not None else None
    if key is None:
        raise UnknownKeyError(kid if suite == "standard" else f"{suite}:{kid}")
    return crypto_suites.get(suite).open(key, kind, base64.b64decode(payload)).decode()


def new_token() -> str:
    """An opaque random token (256 bits)."""
    return secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    """Tokens carry 256 bits of entropy, so a plain SHA-256 is enough to store them."""
    return hashlib.sha256(token.encode()).hexdigest()


def hash_code(purpose: str, subject: str, code: str) -> str:
    """Short codes (SMS, captcha) have little entropy: keyed, so a table dump cannot be brute-forced."""
    return mac(f"code:{purpose}", f"{subject}\x1f{code}")


def hash_codes(purpose: str, subject: str, code: str, *, any_suite: bool = False) -> tuple[str, ...]:
    """Every hash a stored code hash may be (see :func:`macs`): the configured suite's first."""
    return macs(f"code:{purpose}", f"{subject}\x1f{code}", any_suite=any_suite)


def equal(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())


def platform_secret(name: str) -> bytes:
    """A shared secret for signing requests to an external platform (from the keys document)."""
    k = keys()
    secret = k.platform_secrets.get(name)
    if secret is None:
        raise RuntimeError(f"no secret configured for platform {name!r}")
    return secret
