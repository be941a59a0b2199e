"""Dev and tests only: the face-verification provider (支付宝 / 江苏智慧人社APP 人脸识别), as the hall sees it.

It holds its own RSA key (devtools/stubs/face_provider_test_key.pem: a TEST-ONLY key, committed on
purpose, never used anywhere real; ``HALL_FACE_DEV_SIGNING_KEY_PATH`` names it) and builds the
callback the real provider sends once a citizen has scanned a hall face QR and been compared:
the check's id, passed or failed, the app that did it, a fresh nonce and timestamp, signed as
chalicelib/methods/face/provider.py verifies. In the dev stage the hall verifies with this key's
public half when no provider key is configured.
"""

from __future__ import annotations

import secrets
from urllib.parse import urlsplit

from devtools.stubs.dev_keys import DevSigningKey

_KEY = DevSigningKey("face_dev_signing_key_path")


def private_key():
    return _KEY.private_key()


def public_key_pem() -> str:
    return _KEY.public_key_pem()


def read_qr(url: str) -> str:
    """What the app reads from a hall face QR: the check's id."""
    return urlsplit(url).path.rstrip("/").rsplit("/", 1)[-1]


def callback(
    face_id: str,
    passed: bool,
    timestamp: int,
    *,
    channel: str = "alipay",
    nonce: str | None = None,
    sign_type: str = "RSA2",
    key=None,
) -> dict:
    """The signed outcome of one face comparison (the provider's callback body)."""
    from chalicelib.methods.signed_callbacks import sign

    fields = {
        "face_id": face_id,
        "result": "passed" if passed else "failed",
        "channel": channel,
        "nonce": nonce or secrets.token_urlsafe(16),
        "timestamp": timestamp,
    }
    return sign(fields, key or private_key(), sign_type)
