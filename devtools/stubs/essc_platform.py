"""Dev and tests only: the national 电子社保卡 platform, as far as the hall sees it.

It holds its own RSA key pair (devtools/stubs/essc_platform_test_key.pem: a TEST-ONLY key,
committed on purpose, never used anywhere real; the dev stage's HALL_ESSC_PLATFORM_PUBLIC_KEY in
.chalice/config.json is its public half) and builds the callback the real platform sends when a
card holder scans a hall QR and presses 授权登录: the QR's id and code, the holder's name and ID
number, the issuing channel, a fresh nonce and timestamp, signed exactly as
chalicelib/methods/essc_qr/platform.py verifies (sorted ``name=value`` joined by ``&``;
SHA256withRSA or RSA-PSS).
"""

from __future__ import annotations

import secrets
from functools import cache
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

KEY_PATH = Path(__file__).resolve().parent / "essc_platform_test_key.pem"
CHANNEL = "电子社保卡(国家社会保险公共服务平台)"


@cache
def private_key():
    from cryptography.hazmat.primitives.serialization import load_pem_private_key

    return load_pem_private_key(KEY_PATH.read_bytes(), password=None)


def public_key_pem() -> str:
    from cryptography.hazmat.primitives import serialization

    return (
        private_key()
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode("ascii")
    )


def read_qr(url: str) -> tuple[str, str]:
    """What the e-SSC app reads from a hall QR: (qr_id, code)."""
    parts = urlsplit(url)
    return parts.path.rstrip("/").rsplit("/", 1)[-1], (parse_qs(parts.query).get("c") or [""])[0]


def sign(fields: dict, sign_type: str = "RSA2", key=None) -> dict:
    from chalicelib.methods.signed_callbacks import sign as sign_fields

    return sign_fields(fields, key or private_key(), sign_type)


def callback(
    qr_id: str, code: str, name: str, id_number: str, timestamp: int, *, nonce: str | None = None, sign_type="RSA2"
) -> dict:
    """The signed callback for a holder who pressed 授权登录."""
    return sign(
        {
            "qr_id": qr_id,
            "code": code,
            "name": name,
            "id_number": id_number,
            "channel": CHANNEL,
            "nonce": nonce or secrets.token_urlsafe(16),
            "timestamp": timestamp,
        },
        sign_type,
    )
