"""Authenticator apps (RFC 6238 TOTP through pyotp): the secret, its otpauth URI and QR, a code's check.

The rule (±1 step, a code used once, never one older than a used one) is
chalicelib.domain.second_factor's; the conditional write that records the step a code was
used at is chalicelib.store.login_protection's. pyotp and qrcode load on first use.
"""

from __future__ import annotations

import base64
import io
from datetime import datetime

from chalicelib import crypto
from chalicelib.domain import second_factor as rules

__all__ = ["ISSUER", "accepted_step", "code_at", "new_secret", "provisioning_uri", "qr_data_uri"]

ISSUER = "江苏人社"
_CIPHER_KIND = "totp_secret"  # the associated data of the secret's encryption


def new_secret() -> str:
    import pyotp

    return pyotp.random_base32()  # 160 bits, as RFC 4226 recommends


def encrypt(secret: str) -> str:
    return crypto.encrypt(_CIPHER_KIND, secret)


def decrypt(cipher: str) -> str:
    return crypto.decrypt(_CIPHER_KIND, cipher)


def provisioning_uri(secret: str, account_label: str) -> str:
    """``otpauth://totp/江苏人社:<label>?secret=...&issuer=江苏人社`` (the label is a masked identifier)."""
    import pyotp

    totp = pyotp.TOTP(secret, digits=rules.TOTP_DIGITS, interval=rules.TOTP_INTERVAL)
    return totp.provisioning_uri(name=account_label, issuer_name=ISSUER)


def qr_data_uri(text: str) -> str:
    """The QR of ``text`` as a ``data:image/png`` URI (the page's CSP allows data: images)."""
    import qrcode

    image = qrcode.make(text, box_size=6, border=2)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


def code_at(secret: str, step: int) -> str:
    import pyotp

    totp = pyotp.TOTP(secret, digits=rules.TOTP_DIGITS, interval=rules.TOTP_INTERVAL)
    return totp.at(step * rules.TOTP_INTERVAL)


def accepted_step(secret: str, code: str, now: datetime, last_step: int | None) -> int | None:
    """The time step the code is right for under the rule, or None."""
    return rules.accepted_step(code, now, lambda step: code_at(secret, step), last_step, crypto.equal)
