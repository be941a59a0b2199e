"""Dev and tests only: the back office (业务经办系统) that handles the hall's 办件, as the hall sees it.

It holds its own RSA key (devtools/stubs/back_office_test_key.pem: a TEST-ONLY key, committed on
purpose, never used anywhere real; ``HALL_BACK_OFFICE_DEV_SIGNING_KEY_PATH`` names it) and builds
the callback the real back office sends when it has handled a case (办结), signed as
chalicelib/platforms/back_office.py verifies. In the dev stage the hall verifies with this key's
public half when no back-office key is configured.
"""

from __future__ import annotations

import secrets

from devtools.stubs.dev_keys import DevSigningKey

_KEY = DevSigningKey("back_office_dev_signing_key_path")


def private_key():
    return _KEY.private_key()


def public_key_pem() -> str:
    return _KEY.public_key_pem()


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
