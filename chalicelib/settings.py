"""One home for configuration, read lazily from the environment.

Chalice's test client and ``chalice local`` set a stage's environment per call,
and Lambda cold starts should not pay for anything they do not use, so nothing
here is read at import time: call :func:`get` wherever a setting is needed.
"""

from __future__ import annotations

import base64
import json
import os
from dataclasses import dataclass, field
from datetime import timedelta
from functools import lru_cache

__all__ = ["Settings", "get", "reset"]


def _env(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(name)
    return value if value not in (None, "") else default


def _int(name: str, default: int) -> int:
    return int(_env(name, str(default)))


@dataclass(frozen=True)
class Settings:
    """The hall's settings for one stage."""

    stage: str
    table_prefix: str
    dynamodb_endpoint: str | None
    region: str
    secure_cookies: bool
    public_base_url: str
    sms_provider: str
    sms_sender_id: str | None
    sms_origination_identity: str | None
    base_library: str
    base_library_url: str | None
    base_library_app_id: str | None
    keys_secret_arn: str | None
    outbox_path: str = ".local/outbox.jsonl"
    local_base_library_path: str = "demo/citizens.json"
    local_keys: dict = field(repr=False, default_factory=dict)
    max_password_failures: int = 5
    lockout_duration: timedelta = timedelta(hours=4)
    failure_streak_window: timedelta = timedelta(hours=24)
    session_idle: timedelta = timedelta(minutes=30)
    session_absolute: timedelta = timedelta(hours=12)
    sms_daily_limit_per_phone: int = 10
    sms_hourly_limit_per_client: int = 30
    password_failures_per_client_hour: int = 1000
    password_captcha_after_failures: int = 2
    password_captcha_after_client_failures: int = 10
    agreement_version: str = "2024-01"

    @property
    def is_dev(self) -> bool:
        """Dev-only routes (the SMS outbox, captcha answers) exist only here."""
        return self.stage == "dev"

    def table_name(self, short_name: str) -> str:
        return f"{self.table_prefix}-{short_name}"


@lru_cache(maxsize=1)
def _load(signature: tuple) -> Settings:
    stage = _env("HALL_STAGE", "dev")
    raw_keys = _env("HALL_LOCAL_KEYS")
    local_keys = json.loads(base64.b64decode(raw_keys)) if raw_keys else {}
    return Settings(
        stage=stage,
        table_prefix=_env("HALL_TABLE_PREFIX", "hall-dev"),
        dynamodb_endpoint=_env("HALL_DYNAMODB_ENDPOINT"),
        region=_env("AWS_REGION", _env("AWS_DEFAULT_REGION", "cn-north-1")),
        secure_cookies=_env("HALL_SECURE_COOKIES", "true") == "true",
        public_base_url=_env("HALL_PUBLIC_BASE_URL", "http://127.0.0.1:8000"),
        sms_provider=_env("HALL_SMS_PROVIDER", "outbox"),
        sms_sender_id=_env("HALL_SMS_SENDER_ID"),
        sms_origination_identity=_env("HALL_SMS_ORIGINATION_IDENTITY"),
        base_library=_env("HALL_BASE_LIBRARY", "local"),
        base_library_url=_env("HALL_BASE_LIBRARY_URL"),
        base_library_app_id=_env("HALL_BASE_LIBRARY_APP_ID"),
        keys_secret_arn=_env("HALL_KEYS_SECRET_ARN"),
        outbox_path=_env("HALL_OUTBOX_PATH", ".local/outbox.jsonl"),
        local_base_library_path=_env("HALL_LOCAL_BASE_LIBRARY_PATH", "demo/citizens.json"),
        local_keys=local_keys,
        max_password_failures=_int("HALL_MAX_PASSWORD_FAILURES", 5),
        lockout_duration=timedelta(minutes=_int("HALL_LOCKOUT_MINUTES", 240)),
        failure_streak_window=timedelta(minutes=_int("HALL_FAILURE_STREAK_MINUTES", 1440)),
        session_idle=timedelta(minutes=_int("HALL_SESSION_IDLE_MINUTES", 30)),
        session_absolute=timedelta(minutes=_int("HALL_SESSION_ABSOLUTE_MINUTES", 720)),
        sms_daily_limit_per_phone=_int("HALL_SMS_DAILY_LIMIT", 10),
        sms_hourly_limit_per_client=_int("HALL_SMS_CLIENT_HOURLY_LIMIT", 30),
        password_failures_per_client_hour=_int("HALL_PASSWORD_FAILURES_CLIENT_HOURLY_LIMIT", 1000),
        password_captcha_after_failures=_int("HALL_PASSWORD_CAPTCHA_AFTER_FAILURES", 2),
        password_captcha_after_client_failures=_int("HALL_PASSWORD_CAPTCHA_AFTER_CLIENT_FAILURES", 10),
        agreement_version=_env("HALL_AGREEMENT_VERSION", "2024-01"),
    )


# Every variable _load reads (a test checks this list against the code).
_NAMES = (
    "AWS_DEFAULT_REGION",
    "AWS_REGION",
    "HALL_AGREEMENT_VERSION",
    "HALL_BASE_LIBRARY",
    "HALL_BASE_LIBRARY_APP_ID",
    "HALL_BASE_LIBRARY_URL",
    "HALL_DYNAMODB_ENDPOINT",
    "HALL_FAILURE_STREAK_MINUTES",
    "HALL_KEYS_SECRET_ARN",
    "HALL_LOCAL_BASE_LIBRARY_PATH",
    "HALL_LOCAL_KEYS",
    "HALL_LOCKOUT_MINUTES",
    "HALL_MAX_PASSWORD_FAILURES",
    "HALL_OUTBOX_PATH",
    "HALL_PASSWORD_CAPTCHA_AFTER_CLIENT_FAILURES",
    "HALL_PASSWORD_CAPTCHA_AFTER_FAILURES",
    "HALL_PASSWORD_FAILURES_CLIENT_HOURLY_LIMIT",
    "HALL_PUBLIC_BASE_URL",
    "HALL_SECURE_COOKIES",
    "HALL_SESSION_ABSOLUTE_MINUTES",
    "HALL_SESSION_IDLE_MINUTES",
    "HALL_SMS_CLIENT_HOURLY_LIMIT",
    "HALL_SMS_DAILY_LIMIT",
    "HALL_SMS_ORIGINATION_IDENTITY",
    "HALL_SMS_PROVIDER",
    "HALL_SMS_SENDER_ID",
    "HALL_STAGE",
    "HALL_TABLE_PREFIX",
)

_RAW_NAMES = tuple(os.fsencode(name) for name in _NAMES)


def get() -> Settings:
    """The settings for the environment as it is now.

    Cached on the variables it reads, so a changed environment (a test, another
    Chalice stage) is seen on the next call; a call costs a few dictionary lookups.
    """
    environ = os.environ
    raw = getattr(environ, "_data", None)  # os.environ's own dict of bytes: no decoding per lookup
    if isinstance(raw, dict):
        return _load(tuple(map(raw.get, _RAW_NAMES)))
    return _load(tuple(map(environ.get, _NAMES)))  # a plain dict (Chalice's test client swaps one in)


def reset() -> None:
    _load.cache_clear()
