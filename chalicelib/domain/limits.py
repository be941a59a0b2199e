"""The rules of the anti-automation limits: which windows a request is counted in.

Plain rules, no DynamoDB: the windows' boundaries (a clock hour, a China day), the
number prefix an SMS send is counted under, and the names the windows are stored under
(stored in keys: never renamed). The conditional writes that enforce them are
chalicelib.store.records'; chalicelib.guards.rate_limits applies them to a request.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from chalicelib.clock import CHINA

__all__ = [
    "PREFIX_DIGITS",
    "SMS_BUDGET",
    "SMS_CLIENT_DAY",
    "SMS_CLIENT_HOUR",
    "SMS_PHONE_DAY",
    "SMS_PREFIX_DAY",
    "Window",
    "china_day",
    "clock_hour",
    "login_client_hour",
    "number_prefix",
]

# A mainland mobile number's first seven digits: the 号段 (three) and the four of the
# 地区 (HLR) block, about ten thousand numbers of one carrier in one city. SMS pumping
# sends to ranges of numbers (premium or colluding ones), so a range has its own daily cap.
PREFIX_DIGITS = 7

# Window names (stored in keys, never renamed).
SMS_CLIENT_HOUR = "sms_client_hour"
SMS_CLIENT_DAY = "sms_client_day"
SMS_PHONE_DAY = "sms_phone_day"
SMS_PREFIX_DAY = "sms_prefix_day"
SMS_BUDGET = "sms_budget_hour"  # one window for the whole hall: every code sent in the hour


def login_client_hour(method_id: str) -> str:
    """The window of one login method's attempts from one client address in an hour."""
    return f"login_{method_id}_client_hour"


@dataclass(frozen=True)
class Window:
    """One fixed window: its label (part of the key) and when it ends."""

    label: str
    ends_at: datetime


def clock_hour(now: datetime) -> Window:
    hour = now.replace(minute=0, second=0, microsecond=0)
    return Window(hour.strftime("%Y%m%d%H"), hour + timedelta(hours=1))


def china_day(now: datetime) -> Window:
    """The China calendar day (what "a day" means to a citizen and to the daily caps)."""
    local = now.astimezone(CHINA)
    day_end = (local + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
    return Window(local.strftime("%Y%m%d"), day_end)


def number_prefix(phone: str) -> str:
    """The 号段 + 地区 block of a validated mainland mobile number (11 ASCII digits)."""
    if len(phone) != 11 or not phone.isascii() or not phone.isdigit():
        raise ValueError("a validated 11-digit mobile number is expected")
    return phone[:PREFIX_DIGITS]
