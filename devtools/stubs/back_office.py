"""Dev and tests only: the back office (业务经办系统) that handles the hall's 办件, as the hall sees it.

It holds its own RSA key (devtools/stubs/back_office_test_key.pem: a TEST-ONLY key, committed on
purpose, never used anywhere real; ``HALL_BACK_OFFICE_DEV_SIGNING_KEY_PATH`` names it) and builds
the callback the real back office sends when it has handled a case (办结), signed as
chalicelib/platforms/back_office.py verifies. In the dev stage the hall verifies with this key's
public half when no back-office key is configured.
"""

from __future__ import annotations

import secrets
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _key_path() -> Path:
    from chalicelib import settings

    path = Path(settings.get().back_office_dev_signing_key_path)
    return path if path.is_absolute() else ROOT / path


@cache
def _private_key(path: Path):
    from cryptography.hazmat.primitives.serialization import load_pem_private_key

    return load_pem_private_key(path.read_bytes(), password=None)


def private_key():
    return _private_key(_key_path())


@cache
def _public_pem(path: Path) -> str:
    from cryptography.hazmat.primitives import serialization

    return (
        _private_key(path)
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode("ascii")
    )


def public_key_pem() -> str:
    return _public_pem(_key_path())


def callback(
    case_id: str,
    timestamp: int,
    *,
    note: str = "经审核，准予办理",
    nonce: str | None = None,
    sign_type: str = "RSA2",
    key=None,
) -> dict:
    """The signed 办结 of one case (the back office's callback body)."""
    from chalicelib.methods.signed_callbacks import sign

    fields = {
        "case_id": case_id,
        "result": "finished",
        "note": note,
        "nonce": nonce or secrets.token_urlsafe(16),
        "timestamp": timestamp,
    }
    return sign(fields, key or private_key(), sign_type)
