"""登录保护: the rules of the second step a password login may ask for.

A citizen may turn on a second step for password login: an SMS code to the bound phone
(``sms``) or a code from an authenticator app (``totp``, RFC 6238: 30-second steps, 6
digits). Either way ten one-time recovery codes are issued, shown once.

- An authenticator code is accepted for the current time step and one step either side
  (clocks drift), and each is used once: the step a code was accepted at is remembered, and
  only a code of a *later* step is accepted after it (the conditional write that records it
  lives in chalicelib.store.login_protection, so two requests with one code cannot both win).
- A recovery code is used once (its keyed hash is removed by a conditional write).
- A second step allows ``MAX_TRIES`` wrong codes, counted before each check. The step's
  record keeps the password's try reserved in the account's lockout streak until it
  succeeds (chalicelib.domain.lockout), so at most five second steps (25 codes) can be
  begun per lock window however many times the password is typed right.
- Risk step-up: a password login from a device not seen on the account in ``DEVICE_MEMORY``
  is asked for the second step (an SMS code when protection is off) when the account was
  locked or recovered in the last ``RECENT_RISK``.

Plain rules: no HTTP, no DynamoDB, no cryptography library.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import datetime, timedelta
from enum import Enum

from chalicelib.domain.folding import ASCII_DIGITS, fold_full_width, upper_ascii

__all__ = [
    "DEVICE_MEMORY",
    "MAX_SENDS",
    "MAX_TRIES",
    "RECENT_RISK",
    "RECOVERY_CODE_COUNT",
    "STEP_LIFETIME",
    "TOTP_DIGITS",
    "TOTP_INTERVAL",
    "TOTP_WINDOW",
    "SecondFactor",
    "Way",
    "accepted_step",
    "display_recovery_code",
    "new_recovery_codes",
    "normalize_recovery_code",
    "normalize_totp_code",
    "recent_risk",
    "step_up_needed",
    "time_step",
    "ways",
]

TOTP_INTERVAL = 30  # seconds a code lives (RFC 6238's default, what every authenticator app uses)
TOTP_DIGITS = 6
TOTP_WINDOW = 1  # steps accepted either side of the current one
RECOVERY_CODE_COUNT = 10
RECOVERY_CODE_LENGTH = 10
# No 0/O, 1/I/L: a code copied from paper is read back right.
RECOVERY_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
STEP_LIFETIME = timedelta(minutes=5)
MAX_TRIES = 5  # wrong codes per second step
MAX_SENDS = 3  # SMS codes per second step
RECENT_RISK = timedelta(days=30)
DEVICE_MEMORY = timedelta(days=90)


class SecondFactor(str, Enum):
    """What the citizen turned on. Stored in data; never rename."""

    SMS = "sms"
    TOTP = "totp"

    @property
    def label(self) -> str:
        return {"sms": "短信验证码", "totp": "身份验证器"}[self.value]


class Way(str, Enum):
    """How a second step may be finished. Part of the API; never rename."""

    SMS_CODE = "sms_code"
    TOTP = "totp"
    RECOVERY_CODE = "recovery_code"


def ways(second_factor: str | None, has_recovery_codes: bool) -> list[Way]:
    """The ways a second step may finish: the factor turned on (an SMS code when it is off and
    the step was asked by the risk step-up), and a recovery code while any is left."""
    first = Way.TOTP if second_factor == SecondFactor.TOTP.value else Way.SMS_CODE
    return [first, Way.RECOVERY_CODE] if second_factor and has_recovery_codes else [first]


def time_step(now: datetime) -> int:
    return int(now.timestamp()) // TOTP_INTERVAL


def normalize_totp_code(raw: str | None) -> str | None:
    """The 6 ASCII digits typed (full-width folded, spaces dropped), or None if it is not that."""
    code = fold_full_width(raw).replace(" ", "").strip()
    if len(code) != TOTP_DIGITS or not set(code) <= ASCII_DIGITS:
        return None
    return code


def accepted_step(
    code: str, now: datetime, code_at: Callable[[int], str], last_step: int | None, equal: Callable[[str, str], bool]
) -> int | None:
    """The time step ``code`` is right for, within ±``TOTP_WINDOW`` of now and later than the
    step last accepted (a code is used once, and never one older than a used one); else None.
    ``code_at(step)`` computes the authenticator's code; ``equal`` compares in constant time."""
    current = time_step(now)
    found = None
    for step in range(current - TOTP_WINDOW, current + TOTP_WINDOW + 1):
        if equal(code_at(step), code) and found is None:  # every step compared: no early exit
            found = step
    if found is None or (last_step is not None and found <= last_step):
        return None
    return found


def new_recovery_codes() -> list[str]:
    return [
        "".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(RECOVERY_CODE_LENGTH))
        for _ in range(RECOVERY_CODE_COUNT)
    ]


def display_recovery_code(code: str) -> str:
    """As shown: two groups of five (``ABCDE-FGHJK``)."""
    half = RECOVERY_CODE_LENGTH // 2
    return f"{code[:half]}-{code[half:]}"


def normalize_recovery_code(raw: str | None) -> str | None:
    """A typed recovery code: full-width folded, upper case, without spaces and hyphens; None
    if it cannot be one (not counted as a wrong try: it could never match)."""
    code = upper_ascii(fold_full_width(raw)).replace("-", "").replace(" ", "").strip()
    if len(code) != RECOVERY_CODE_LENGTH or not set(code) <= set(RECOVERY_ALPHABET):
        return None
    return code


def recent_risk(locked_at: datetime | None, recovered_at: datetime | None, now: datetime) -> bool:
    """Whether the account was locked or recovered within ``RECENT_RISK`` of now."""
    return any(t is not None and now - t < RECENT_RISK for t in (locked_at, recovered_at))


def step_up_needed(
    locked_at: datetime | None, recovered_at: datetime | None, device_last_seen: datetime | None, now: datetime
) -> bool:
    """The risk step-up: recently locked or recovered, and this device not seen within ``DEVICE_MEMORY``."""
    if not recent_risk(locked_at, recovered_at, now):
        return False
    return device_last_seen is None or now - device_last_seen >= DEVICE_MEMORY
