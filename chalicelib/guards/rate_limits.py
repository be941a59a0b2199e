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
