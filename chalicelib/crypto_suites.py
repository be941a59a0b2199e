"""The algorithms behind field encryption and the keyed MAC, one small interface per suite.

A *suite* seals and opens a field (an AEAD: the field's kind is bound as associated data) and
computes the keyed MAC used for lookups, code hashes and signatures (hex, 32 bytes):

============  ==========================  ==============  =====================
suite         field encryption            keyed MAC       encryption key size
============  ==========================  ==============  =====================
``standard``  AES-256-GCM                 HMAC-SHA256     32 bytes
``sm``        SM4-GCM (GB/T 32907, 国密)  HMAC-SM3        16 bytes
============  ==========================  ==============  =====================

Both seal to ``nonce (12 bytes) || ciphertext || tag (16 bytes)`` and fail closed: a wrong key,
another kind or a changed byte raises :class:`cryptography.exceptions.InvalidTag`. Which suite
and key a stored value was written with is said by the value itself (``chalicelib/crypto.py``
reads the prefix); which suite new values use is configuration (``HALL_CRYPTO_SUITE``).

Nothing heavy is imported here: the ``cryptography`` modules are imported by the suite that
uses them, the first time it is used.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from typing import Protocol

__all__ = ["NAMES", "SM", "STANDARD", "Suite", "get"]

NONCE_SIZE = 12
TAG_SIZE = 16


class Suite(Protocol):
    name: str
    enc_key_size: int  # what new keys are made with
    enc_key_sizes: tuple[int, ...]  # what keys may be

    def seal(self, key: bytes, kind: str, plaintext: bytes) -> bytes: ...

    def open(self, key: bytes, kind: str, sealed: bytes) -> bytes: ...

    def mac(self, key: bytes, message: bytes) -> str: ...


class _Standard:
    """AES-256-GCM and HMAC-SHA256: what the hall has always written."""

    name = "standard"
    enc_key_size = 32
    enc_key_sizes = (16, 24, 32)

    def seal(self, key: bytes, kind: str, plaintext: bytes) -> bytes:
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM

        nonce = os.urandom(NONCE_SIZE)
        return nonce + AESGCM(key).encrypt(nonce, plaintext, kind.encode())

    def open(self, key: bytes, kind: str, sealed: bytes) -> bytes:
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM

        return AESGCM(key).decrypt(sealed[:NONCE_SIZE], sealed[NONCE_SIZE:], kind.encode())

    def mac(self, key: bytes, message: bytes) -> str:
        return hmac.new(key, message, hashlib.sha256).hexdigest()


class _Sm:
    """SM4 in GCM mode (an AEAD, as GB/T 17964-2021 and RFC 8998 name it) and HMAC-SM3, both
    from pyca/cryptography (OpenSSL's implementations)."""

    name = "sm"
    enc_key_size = 16
    enc_key_sizes = (16,)

    def seal(self, key: bytes, kind: str, plaintext: bytes) -> bytes:
        from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

        nonce = os.urandom(NONCE_SIZE)
        encryptor = Cipher(algorithms.SM4(key), modes.GCM(nonce)).encryptor()
        encryptor.authenticate_additional_data(kind.encode())
        body = encryptor.update(plaintext) + encryptor.finalize()
        return nonce + body + encryptor.tag

    def open(self, key: bytes, kind: str, sealed: bytes) -> bytes:
        from cryptography.exceptions import InvalidTag
        from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

        if len(sealed) < NONCE_SIZE + TAG_SIZE:
            raise InvalidTag()
        nonce, body, tag = sealed[:NONCE_SIZE], sealed[NONCE_SIZE:-TAG_SIZE], sealed[-TAG_SIZE:]
        decryptor = Cipher(algorithms.SM4(key), modes.GCM(nonce, tag)).decryptor()
        decryptor.authenticate_additional_data(kind.encode())
        return decryptor.update(body) + decryptor.finalize()

    def mac(self, key: bytes, message: bytes) -> str:
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives import hmac as keyed

        digest = keyed.HMAC(key, hashes.SM3())
        digest.update(message)
        return digest.finalize().hex()


STANDARD: Suite = _Standard()
SM: Suite = _Sm()
_SUITES: dict[str, Suite] = {s.name: s for s in (STANDARD, SM)}
NAMES = tuple(_SUITES)


def get(name: str) -> Suite:
    """The suite called ``name``; ``LookupError`` for any other name."""
    try:
        return _SUITES[name]
    except KeyError:
        raise LookupError(f"unknown crypto suite {name!r} (known: {', '.join(NAMES)})") from None
