"""Named rate limits, each a fixed window counted by a conditional write."""

from __future__ import annotations

from datetime import timedelta

from chalicelib import crypto, settings
from chalicelib.clock import CHINA
from chalicelib.context import RequestContext
from chalicelib.errors import HallError
from chalicelib.observability import count
from chalicelib.store import flows
from chalicelib.store.errors import LimitExceededError

__all__ = ["captcha_per_client", "sms_per_client", "sms_per_phone"]


def _client(ctx: RequestContext) -> str:
    return crypto.mac("client_ip", ctx.client_ip)[:32]


def _hit(name: str, subject: str, window: str, limit: int, window_end, error: HallError) -> None:
    try:
        flows.hit_rate_limit(name, subject, window, limit, window_end)
    except LimitExceededError:
        count("RateLimited", limit=name)
        raise error from None


def sms_per_phone(phone_mac: str, ctx: RequestContext) -> None:
    """At most N codes a day (China time) to one phone, whatever the purpose."""
    local = ctx.now.astimezone(CHINA)
    day_end = (local + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
    limit = settings.get().sms_daily_limit_per_phone
    _hit("sms_phone_day", phone_mac, local.strftime("%Y%m%d"), limit, day_end, HallError.sms_daily_limit())


def sms_per_client(ctx: RequestContext) -> None:
    hour = ctx.now.replace(minute=0, second=0, microsecond=0)
    limit = settings.get().sms_hourly_limit_per_client
    _hit(
        "sms_client_hour",
        _client(ctx),
        hour.strftime("%Y%m%d%H"),
        limit,
        hour + timedelta(hours=1),
        HallError.rate_limited(),
    )


def captcha_per_client(ctx: RequestContext) -> None:
    minute = ctx.now.replace(second=0, microsecond=0)
    _hit(
        "captcha_client_minute",
        _client(ctx),
        minute.strftime("%Y%m%d%H%M"),
        60,
        minute + timedelta(minutes=1),
        HallError.rate_limited(),
    )


# -- wrong passwords per client address -------------------------------------------------
# The per-account lock stops guessing one account; this stops one address guessing a few
# passwords each across many accounts (credential stuffing). The window is read in the
# same round trip as the account and its lock, and written only when a password is wrong.

_PASSWORD_FAILURES = "password_failures_client_hour"  # noqa: S105 - a limit name


def _password_window(ctx: RequestContext) -> tuple[str, str]:
    hour = ctx.now.replace(minute=0, second=0, microsecond=0)
    return _client(ctx), hour.strftime("%Y%m%d%H")


def password_failure_window(ctx: RequestContext) -> str:
    """The key of this client's window, for the login's combined read."""
    return flows.rate_window_key(_PASSWORD_FAILURES, *_password_window(ctx))


def check_password_failures(hits: int) -> None:
    if hits >= settings.get().password_failures_per_client_hour:
        count("RateLimited", limit=_PASSWORD_FAILURES)
        raise HallError.rate_limited()


def count_password_failure(ctx: RequestContext) -> None:
    subject, window = _password_window(ctx)
    hour_end = ctx.now.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
    # Counting only: the limit is enforced on the next attempt's read.
    flows.hit_rate_limit(_PASSWORD_FAILURES, subject, window, 2**31, hour_end)
