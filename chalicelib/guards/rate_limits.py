"""Named rate limits, each a fixed window counted by a conditional write."""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from chalicelib import crypto, settings
from chalicelib.clock import CHINA
from chalicelib.context import RequestContext
from chalicelib.domain import limits
from chalicelib.domain.codes import SMS_CODE, ResendTooSoon
from chalicelib.errors import HallError
from chalicelib.observability import count, logger
from chalicelib.store import records
from chalicelib.store.errors import LimitExceededError, TryRefusedError

__all__ = [
    "captcha_per_client",
    "check_password_failures",
    "client_asks_captcha",
    "family_checks_per_account",
    "name_checks_per_account",
    "password_window",
    "qr_login_window",
    "qr_login_window_full",
    "recovery_per_client",
    "reserve_sms_login",
    "retry_after",
    "sms_send",
]


def _client(ctx: RequestContext) -> str:
    return crypto.mac("client_ip", ctx.client_ip)[:32]


def retry_after(window_end: datetime, now: datetime) -> int:
    """Whole seconds until a window ends (at least 1): what a 429 tells the client."""
    return max(math.ceil((window_end - now).total_seconds()), 1)


def _hit(name: str, subject: str, window: str, limit: int, window_end: datetime, ctx: RequestContext) -> None:
    try:
        records.hit_rate_limit(name, subject, window, limit, window_end)
    except LimitExceededError:
        count("RateLimited", limit=name)
        raise HallError.rate_limited(retry_after(window_end, ctx.now)) from None


def sms_send(phone: str, phone_mac: str, ctx: RequestContext) -> None:
    """Reserve every cap one SMS code must fit in, before the code is made or sent (never after).

    Against SMS pumping (after the graphic captcha the caller checked): the client address's
    hour and China day, the phone's China day with the minute between codes (across
    purposes, so one phone cannot be sent a burst for different flows), and the phone's
    号段+地区 block's China day are counted together, all or none, in one conditional
    transaction; then the hall's hourly budget, a single window of its own (a transaction
    on one item every send shares would conflict with every other send). A budget found
    spent emits ``SmsBudgetExceeded`` (an alarm watches it) and refuses. Counted whether
    or not a message then goes out (a code withheld by recovery counts the same: the limits
    must answer alike), and whether or not the gateway then fails.
    """
    cfg = settings.get()
    hour, day = limits.clock_hour(ctx.now), limits.china_day(ctx.now)
    client = _client(ctx)
    prefix = crypto.mac("phone_prefix", limits.number_prefix(phone))[:32]
    windows = [
        _window(limits.SMS_CLIENT_HOUR, client, hour, cfg.sms_hourly_limit_per_client),
        _window(limits.SMS_CLIENT_DAY, client, day, cfg.sms_daily_limit_per_client),
        _window(limits.SMS_PREFIX_DAY, prefix, day, cfg.sms_daily_limit_per_prefix),
    ]
    phone_day = _window(limits.SMS_PHONE_DAY, phone_mac, day, cfg.sms_daily_limit_per_phone)
    try:
        records.hit_windows_and_send_window(windows, phone_day, ctx.now, SMS_CODE.resend_interval)
    except ResendTooSoon as exc:
        raise HallError.sms_resend_too_soon(exc.retry_after) from None
    except TryRefusedError:
        raise HallError.rate_limited(1) from None
    except LimitExceededError as exc:
        full = next(w for w in (*windows, phone_day) if w.key == str(exc))
        name = full.key.split("#")[1]
        count("RateLimited", limit=name)
        wait = retry_after(full.ends_at, ctx.now)
        if name == limits.SMS_PHONE_DAY:
            raise HallError.sms_daily_limit(wait) from None
        if name == limits.SMS_PREFIX_DAY:
            raise HallError.sms_prefix_limit(wait) from None
        raise HallError.rate_limited(wait) from None
    try:
        records.hit_rate_limit(limits.SMS_BUDGET, "all", hour.label, cfg.sms_hourly_budget, hour.ends_at)
    except LimitExceededError:
        count("SmsBudgetExceeded")
        logger.append_keys(event="sms budget exceeded")
        raise HallError.sms_budget_exhausted(retry_after(hour.ends_at, ctx.now)) from None


def _window(name: str, subject: str, window: limits.Window, limit: int) -> records.RateWindow:
    return records.RateWindow(records.rate_window_key(name, subject, window.label), limit, window.ends_at)


# -- login attempts per client address, by method (credential stuffing) ------------------
# Password login has its own window above (a captcha first, then refusals). An SMS-code
# login needs a code first (itself behind the captcha and the send caps above), so its
# window only refuses: each attempt is reserved before its code is checked and a right code
# gives it back in the session's transaction, so only wrong codes fill it. A QR login record
# (扫码登录, 电子社保卡) is made only while the window has room, in the record's own transaction.


def reserve_sms_login(ctx: RequestContext) -> records.RateWindow:
    """Count one SMS-code login attempt from this address before its code is checked; answers
    the window, whose hit a right code gives back (``records.give_back_hit``)."""
    hour = limits.clock_hour(ctx.now)
    name = limits.login_client_hour("sms_code")
    limit = settings.get().sms_login_failures_per_client_hour
    try:
        records.hit_rate_limit(name, _client(ctx), hour.label, limit, hour.ends_at)
    except LimitExceededError:
        count("RateLimited", limit=name)
        raise HallError.rate_limited(retry_after(hour.ends_at, ctx.now)) from None
    return _window(name, _client(ctx), hour, limit)


def qr_login_window(method_id: str, ctx: RequestContext) -> records.RateWindow:
    """The window a QR login record of ``method_id`` is made in (store.qr_logins / essc_logins)."""
    hour = limits.clock_hour(ctx.now)
    return _window(limits.login_client_hour(method_id), _client(ctx), hour, settings.get().qr_logins_per_client_hour)


def qr_login_window_full(window: records.RateWindow, ctx: RequestContext) -> None:
    count("RateLimited", limit=window.key.split("#")[1])
    raise HallError.rate_limited(retry_after(window.ends_at, ctx.now))


# 忘记密码找回's 填写账号 per client address and hour: with its captcha, what keeps anyone from
# walking ID numbers through it at scale (its answer is the same whatever was typed, but a
# verification step behind it could still be tried).
RECOVERY_STARTS_PER_CLIENT_HOUR = 20


def recovery_per_client(ctx: RequestContext) -> None:
    hour = ctx.now.replace(minute=0, second=0, microsecond=0)
    _hit(
        "recovery_client_hour",
        _client(ctx),
        hour.strftime("%Y%m%d%H"),
        RECOVERY_STARTS_PER_CLIENT_HOUR,
        hour + timedelta(hours=1),
        ctx,
    )


def captcha_per_client(ctx: RequestContext) -> None:
    minute = ctx.now.replace(second=0, microsecond=0)
    _hit("captcha_client_minute", _client(ctx), minute.strftime("%Y%m%d%H%M"), 60, minute + timedelta(minutes=1), ctx)


# -- password tries per client address ---------------------------------------------------
# The per-account lock stops guessing one account; this window stops one address guessing a
# few passwords each across many accounts (credential stuffing). A few wrong passwords from an
# address make its password logins ask for the graphic captcha; only a far higher count refuses
# them outright, so one person behind an office's or a carrier's shared address cannot shut
# everyone else out. Each try is reserved in the window before its password is checked (with
# the account's try, in one transaction); a right password gives its hit back.

_PASSWORD_TRIES = "password_failures_client_hour"  # noqa: S105 - a limit name (stored; never renamed)


def password_window(ctx: RequestContext) -> records.RateWindow:
    hour = ctx.now.replace(minute=0, second=0, microsecond=0)
    key = records.rate_window_key(_PASSWORD_TRIES, _client(ctx), hour.strftime("%Y%m%d%H"))
    return records.RateWindow(key, settings.get().password_failures_per_client_hour, hour + timedelta(hours=1))


def check_password_failures(hits: int, window: records.RateWindow, ctx: RequestContext) -> None:
    """Refuse an address whose window is full (read with the account, before any write)."""
    if hits >= window.limit:
        password_window_full(window, ctx)


def password_window_full(window: records.RateWindow, ctx: RequestContext) -> None:
    count("RateLimited", limit=_PASSWORD_TRIES)
    raise HallError.rate_limited(retry_after(window.ends_at, ctx.now))


def client_asks_captcha(hits: int) -> bool:
    return hits >= settings.get().password_captcha_after_client_failures


# -- base-library checks per account and China day (基本信息修改, 亲情号) -----------------------


def _china_day(ctx: RequestContext) -> tuple[str, datetime]:
    local = ctx.now.astimezone(CHINA)
    day_end = (local + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
    return local.strftime("%Y%m%d"), day_end


def name_checks_per_account(account_id: str, limit: int, ctx: RequestContext) -> int:
    """Reserve one of the day's name checks (基本信息修改: at most ``limit`` a day) before the base
    library is asked; returns the checks left after this one."""
    day, day_end = _china_day(ctx)
    try:
        hits = records.hit_rate_limit("name_check_day", account_id, day, limit, day_end)
    except LimitExceededError:
        count("RateLimited", limit="name_check_day")
        raise HallError.name_correction_limit(retry_after(day_end, ctx.now)) from None
    return max(limit - hits, 0)


def application_window(account_id: str, ctx: RequestContext) -> records.RateWindow:
    """The day's window a 在线办理 application is counted in, inside its case's own transaction
    (store.cases.create): a day's applications beyond the limit make no case."""
    day, day_end = _china_day(ctx)
    key = records.rate_window_key("applications_day", account_id, day)
    return records.RateWindow(key, settings.get().applications_per_account_day, day_end)


def application_window_full(window: records.RateWindow, ctx: RequestContext) -> None:
    count("RateLimited", limit="applications_day")
    raise HallError.application_limit(retry_after(window.ends_at, ctx.now))


def family_checks_per_account(account_id: str, limit: int, ctx: RequestContext) -> None:
    """Reserve one of the day's 亲情号 checks against the base library before it is asked."""
    day, day_end = _china_day(ctx)
    try:
        records.hit_rate_limit("family_check_day", account_id, day, limit, day_end)
    except LimitExceededError:
        count("RateLimited", limit="family_check_day")
        raise HallError.family_check_limit(retry_after(day_end, ctx.now)) from None
