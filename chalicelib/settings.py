"""One home for configuration, read lazily from the environment.

Chalice's test client and ``chalice local`` set a stage's environment per call,
and Lambda cold starts should not pay for anything they do not use, so nothing
here is read at import time: call :func:`get` wherever a setting is needed.

Each setting is written once, as a field of :class:`Settings`: the environment
variable it comes from, how that text is parsed, and its default (used when the
variable is unset or empty).
"""

from __future__ import annotations

import base64
import json
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from datetime import timedelta
from functools import lru_cache
from typing import Any

__all__ = ["Settings", "get", "reset"]


def _flag(text: str) -> bool:
    return text == "true"


def _minutes(text: str) -> timedelta:
    return timedelta(minutes=int(text))


def _seconds(text: str) -> timedelta:
    return timedelta(seconds=int(text))


def _list(text: str) -> tuple[str, ...]:
    return tuple(item.strip() for item in text.split(",") if item.strip())


def _keys_document(text: str) -> dict:
    return json.loads(base64.b64decode(text))


def _crypto_suite(text: str) -> str:
    from chalicelib import crypto_suites

    return crypto_suites.get(text.strip()).name  # an unknown name fails loudly, at the first get()


def _env(*names: str, parse: Callable[[str], Any] = str) -> dict[str, Any]:
    """Field metadata: the setting comes from the first of ``names`` that is set and not
    empty, parsed by ``parse``; when none is, the field's default stands."""
    return {"env": names, "parse": parse}


@dataclass(frozen=True)
class Settings:
    """The hall's settings for one stage."""

    stage: str = field(default="dev", metadata=_env("HALL_STAGE"))
    table_prefix: str = field(default="hall-dev", metadata=_env("HALL_TABLE_PREFIX"))
    dynamodb_endpoint: str | None = field(default=None, metadata=_env("HALL_DYNAMODB_ENDPOINT"))
    region: str = field(default="cn-north-1", metadata=_env("AWS_REGION", "AWS_DEFAULT_REGION"))
    secure_cookies: bool = field(default=True, metadata=_env("HALL_SECURE_COOKIES", parse=_flag))
    public_base_url: str = field(default="http://127.0.0.1:8000", metadata=_env("HALL_PUBLIC_BASE_URL"))
    sms_provider: str = field(default="outbox", metadata=_env("HALL_SMS_PROVIDER"))
    sms_sender_id: str | None = field(default=None, metadata=_env("HALL_SMS_SENDER_ID"))
    sms_origination_identity: str | None = field(default=None, metadata=_env("HALL_SMS_ORIGINATION_IDENTITY"))
    base_library: str = field(default="local", metadata=_env("HALL_BASE_LIBRARY"))
    base_library_url: str | None = field(default=None, metadata=_env("HALL_BASE_LIBRARY_URL"))
    base_library_app_id: str | None = field(default=None, metadata=_env("HALL_BASE_LIBRARY_APP_ID"))
    keys_secret_arn: str | None = field(default=None, metadata=_env("HALL_KEYS_SECRET_ARN"))
    outbox_path: str = field(default=".local/outbox.jsonl", metadata=_env("HALL_OUTBOX_PATH"))
    local_base_library_path: str = field(default="demo/citizens.json", metadata=_env("HALL_LOCAL_BASE_LIBRARY_PATH"))
    # The social-insurance systems' records (社保/医保/公积金): platforms/si_records.py.
    si_records: str = field(default="local", metadata=_env("HALL_SI_RECORDS"))
    si_records_url: str | None = field(default=None, metadata=_env("HALL_SI_RECORDS_URL"))
    si_records_app_id: str | None = field(default=None, metadata=_env("HALL_SI_RECORDS_APP_ID"))
    local_si_records_path: str = field(default="demo/si_records.json", metadata=_env("HALL_LOCAL_SI_RECORDS_PATH"))
    # The 权益单 PDF's font (Noto Sans CJK, OFL): Debian's fonts-noto-cjk; in prod a Lambda layer (docs/deploy.md).
    statement_font_path: str = field(
        default="/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", metadata=_env("HALL_STATEMENT_FONT_PATH")
    )
    local_keys: dict = field(default_factory=dict, repr=False, metadata=_env("HALL_LOCAL_KEYS", parse=_keys_document))
    # The algorithms new ciphertexts and MACs use (chalicelib/crypto_suites.py): "standard"
    # (AES-256-GCM, HMAC-SHA256) or "sm" (国密: SM4-GCM, HMAC-SM3). During a migration between
    # suites, the one before: lookups also try MACs under it (docs/operations.md, 国密).
    crypto_suite: str = field(default="standard", metadata=_env("HALL_CRYPTO_SUITE", parse=_crypto_suite))
    crypto_previous_suite: str | None = field(
        default=None, metadata=_env("HALL_CRYPTO_PREVIOUS_SUITE", parse=_crypto_suite)
    )
    max_password_failures: int = field(default=5, metadata=_env("HALL_MAX_PASSWORD_FAILURES", parse=int))
    lockout_duration: timedelta = field(
        default=timedelta(hours=4), metadata=_env("HALL_LOCKOUT_MINUTES", parse=_minutes)
    )
    failure_streak_window: timedelta = field(
        default=timedelta(hours=24), metadata=_env("HALL_FAILURE_STREAK_MINUTES", parse=_minutes)
    )
    session_idle: timedelta = field(
        default=timedelta(minutes=30), metadata=_env("HALL_SESSION_IDLE_MINUTES", parse=_minutes)
    )
    session_absolute: timedelta = field(
        default=timedelta(hours=12), metadata=_env("HALL_SESSION_ABSOLUTE_MINUTES", parse=_minutes)
    )
    # CORS (handlers/cors.py): the other origins whose pages may call the API with the citizen's
    # cookies, exactly as browsers send them ("https://host[:port]"); none by default ("*" never).
    cors_origins: tuple[str, ...] = field(default=(), metadata=_env("HALL_CORS_ORIGINS", parse=_list))
    sms_daily_limit_per_phone: int = field(default=10, metadata=_env("HALL_SMS_DAILY_LIMIT", parse=int))
    sms_hourly_limit_per_client: int = field(default=30, metadata=_env("HALL_SMS_CLIENT_HOURLY_LIMIT", parse=int))
    # SMS pumping (docs/operations.md): codes a client address may ask for in a China day, codes
    # sent into one 号段+地区 block (a phone's first 7 digits) in a China day, and the whole
    # hall's codes in a clock hour (past it: the SmsBudgetExceeded alarm, and refusals).
    sms_daily_limit_per_client: int = field(default=200, metadata=_env("HALL_SMS_CLIENT_DAILY_LIMIT", parse=int))
    sms_daily_limit_per_prefix: int = field(default=200, metadata=_env("HALL_SMS_PREFIX_DAILY_LIMIT", parse=int))
    sms_hourly_budget: int = field(default=20000, metadata=_env("HALL_SMS_HOURLY_BUDGET", parse=int))
    # Credential stuffing by SMS code or QR: SMS-code logins whose code was wrong, and QR login
    # records (扫码登录, 电子社保卡) made, per client address and hour.
    sms_login_failures_per_client_hour: int = field(
        default=100, metadata=_env("HALL_SMS_LOGIN_FAILURES_CLIENT_HOURLY_LIMIT", parse=int)
    )
    qr_logins_per_client_hour: int = field(default=120, metadata=_env("HALL_QR_LOGINS_CLIENT_HOURLY_LIMIT", parse=int))
    # 在线办理: applications one account may file in a China day (each reserved in its case's transaction).
    applications_per_account_day: int = field(default=20, metadata=_env("HALL_APPLICATIONS_DAILY_LIMIT", parse=int))
    password_failures_per_client_hour: int = field(
        default=1000, metadata=_env("HALL_PASSWORD_FAILURES_CLIENT_HOURLY_LIMIT", parse=int)
    )
    password_captcha_after_failures: int = field(
        default=2, metadata=_env("HALL_PASSWORD_CAPTCHA_AFTER_FAILURES", parse=int)
    )
    password_captcha_after_client_failures: int = field(
        default=10, metadata=_env("HALL_PASSWORD_CAPTCHA_AFTER_CLIENT_FAILURES", parse=int)
    )
    agreement_version: str = field(default="2024-01", metadata=_env("HALL_AGREEMENT_VERSION"))
    # How long a 扫码登录 QR can be scanned, confirmed and collected.
    qr_login_lifetime: timedelta = field(
        default=timedelta(minutes=2), metadata=_env("HALL_QR_LOGIN_SECONDS", parse=_seconds)
    )

    # 江苏政务 统一身份认证 (OpenID Connect): the issuer (its discovery document is read from
    # ``<issuer>/.well-known/openid-configuration``), the hall's client, and the redirect URIs
    # the hall may send (``<public_base_url>/login/callback/jszw_oidc`` must be one of them).
    jszw_issuer: str | None = field(default=None, metadata=_env("HALL_JSZW_ISSUER"))
    jszw_client_id: str = field(default="jshrss-hall", metadata=_env("HALL_JSZW_CLIENT_ID"))
    jszw_client_secret: str | None = field(default=None, repr=False, metadata=_env("HALL_JSZW_CLIENT_SECRET"))
    jszw_redirect_uris: tuple = field(
        default=("http://127.0.0.1:8000/login/callback/jszw_oidc",),
        metadata=_env("HALL_JSZW_REDIRECT_URIS", parse=_list),
    )

    # 支付宝登录: the hall's app on Alipay's open platform, its authorize page and gateway, the
    # hall's app private key and Alipay's public key (PEM text; RSA2), and the allowed callbacks.
    alipay_app_id: str | None = field(default=None, metadata=_env("HALL_ALIPAY_APP_ID"))
    alipay_authorize_url: str = field(
        default="https://openauth.alipay.com/oauth2/publicAppAuthorize.htm", metadata=_env("HALL_ALIPAY_AUTHORIZE_URL")
    )
    alipay_gateway_url: str = field(
        default="https://openapi.alipay.com/gateway.do", metadata=_env("HALL_ALIPAY_GATEWAY_URL")
    )
    alipay_app_private_key: str | None = field(default=None, repr=False, metadata=_env("HALL_ALIPAY_APP_PRIVATE_KEY"))
    alipay_public_key: str | None = field(default=None, metadata=_env("HALL_ALIPAY_PUBLIC_KEY"))
    alipay_redirect_uris: tuple = field(
        default=("http://127.0.0.1:8000/login/callback/alipay",),
        metadata=_env("HALL_ALIPAY_REDIRECT_URIS", parse=_list),
    )

    # 电子社保卡扫码登录: how long a QR (its code changing every minute) can be scanned and
    # collected, and the national e-SSC platform's public key (PEM) its callbacks are verified with.
    essc_qr_lifetime: timedelta = field(
        default=timedelta(minutes=5), metadata=_env("HALL_ESSC_QR_SECONDS", parse=_seconds)
    )
    essc_platform_public_key: str | None = field(default=None, metadata=_env("HALL_ESSC_PLATFORM_PUBLIC_KEY"))

    # 人脸识别 (face verification): how long a check can be scanned, decided and then used by the
    # flow that asked for it; the provider's public key (PEM) its signed callbacks are verified
    # with; and, in the dev stage only, the local counterpart's test-only signing key (its public
    # half verifies the callbacks when no provider key is set).
    face_check_lifetime: timedelta = field(
        default=timedelta(minutes=10), metadata=_env("HALL_FACE_CHECK_SECONDS", parse=_seconds)
    )
    face_provider_public_key: str | None = field(default=None, metadata=_env("HALL_FACE_PROVIDER_PUBLIC_KEY"))
    face_dev_signing_key_path: str = field(
        default="devtools/stubs/face_provider_test_key.pem", metadata=_env("HALL_FACE_DEV_SIGNING_KEY_PATH")
    )

    # 办件 (cases): the back office's public key (PEM) its signed case callbacks are verified with;
    # in the dev stage only, the local counterpart's test-only signing key (its public half
    # verifies the callbacks when no back-office key is set).
    back_office_public_key: str | None = field(default=None, metadata=_env("HALL_BACK_OFFICE_PUBLIC_KEY"))
    back_office_dev_signing_key_path: str = field(
        default="devtools/stubs/back_office_test_key.pem", metadata=_env("HALL_BACK_OFFICE_DEV_SIGNING_KEY_PATH")
    )

    # Security events (audit_events) are kept this many days from their time (DynamoDB TTL), also
    # under a deleted account's id; MLPS level 3 asks for at least 180 (store/audit.py refuses less).
    audit_retention_days: int = field(default=180, metadata=_env("HALL_AUDIT_RETENTION_DAYS", parse=int))

    @property
    def is_dev(self) -> bool:
        """Dev-only routes (the SMS outbox, captcha answers) exist only here."""
        return self.stage == "dev"

    def table_name(self, short_name: str) -> str:
        """The stage's name for one of the hall's tables (``accounts`` -> ``<prefix>-accounts``)."""
        return f"{self.table_prefix}-{short_name}"


# Every variable the settings read, derived from the fields: what get()'s cache watches.
_NAMES = tuple(dict.fromkeys(name for f in fields(Settings) for name in f.metadata["env"]))


@lru_cache(maxsize=1)
def _load(values: tuple[str | None, ...]) -> Settings:
    """The settings for these values of ``_NAMES`` (in its order)."""
    given = dict(zip(_NAMES, values, strict=True))
    chosen = {}
    for f in fields(Settings):
        text = next((given[name] for name in f.metadata["env"] if given[name]), None)
        if text is not None:
            chosen[f.name] = f.metadata["parse"](text)
    return Settings(**chosen)


# Reading every variable through os.environ's mapping costs tens of microseconds, and get()
# runs many times a request. Writes to the process environment (os.environ[...] = ...,
# del, update, pytest's monkeypatch) all go through os.putenv / os.unsetenv, which raise
# audit events (PEP 578), so counting them tells get() when to read the variables again.
# (The event comes just before os.environ stores the value: a write in one thread racing a
# read in another could be missed; the hall writes its environment only in tests and setup.)
_WRITE_EVENTS = frozenset({"os.putenv", "os.unsetenv"})
_writes = 0
_watching = False
_last: tuple[object, int, Settings] | None = None  # (environment read, writes seen then, settings)


def _count_write(event: str, _args: tuple) -> None:
    global _writes
    if event in _WRITE_EVENTS:
        _writes += 1


def get() -> Settings:
    """The settings for the environment as it is now.

    Cached on the variables it reads, so a changed environment (a test, another
    Chalice stage) is seen on the next call; an unchanged one costs no lookups.
    """
    global _last, _watching
    environ = os.environ
    if isinstance(environ, dict):
        # A plain dict (Chalice's test client swaps one in for a call): its lookups are cheap.
        return _load(tuple(map(environ.get, _NAMES)))
    last = _last
    if last is not None and last[0] is environ and last[1] == _writes:
        return last[2]
    if not _watching:
        sys.addaudithook(_count_write)
        _watching = True
    writes = _writes  # counted before reading: a write from here on is seen by the next call
    current = _load(tuple(map(environ.get, _NAMES)))
    _last = (environ, writes, current)
    return current


def reset() -> None:
    """Forget the cached settings (the next :func:`get` reads the environment again)."""
    global _last
    _last = None
    _load.cache_clear()
