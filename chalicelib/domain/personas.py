"""我是: which of the catalogue's personas a citizen's own records suggest, for 推荐.

The hall knows a citizen's personas only from what the social-insurance systems say: the months
their 养老保险 was paid, and their age and sex from a 居民身份证号码. The rules are deliberately
plain (a guess for ranking services, never a decision about anyone's rights):

- 就业人员: a payment in the last :data:`RECENT_MONTHS` months.
- 退休人员: no recent payment and at the statutory retirement age (60 for men, 55 for women: the
  age most of the hall's retirees retired at; the 2025 gradual rise only moves it later).
- 失业人员: payments once, none recently, below that age.
- 高校毕业生: at most :data:`GRADUATE_MAX_AGE` and paying for no longer than two years (or not yet).

工伤人员, 创业人员 and 其他人员 are not in these records; no persona is a valid answer.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

__all__ = ["GRADUATE_MAX_AGE", "RECENT_MONTHS", "RETIREMENT_AGE", "personas"]

RECENT_MONTHS = 3
GRADUATE_MAX_AGE = 24
RETIREMENT_AGE = {"M": 60, "F": 55}


def _months_between(earlier: str, today: date) -> int:
    """Whole months from ``earlier`` ("YYYY-MM") to today's month."""
    return (today.year - int(earlier[:4])) * 12 + today.month - int(earlier[5:7])


def _age(born: date, today: date) -> int:
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


def personas(paid_periods: Iterable[str], born: date | None, sex: str | None, today: date) -> tuple[str, ...]:
    """The personas (the catalogue's words) the records suggest, most telling first."""
    periods = sorted(paid_periods)
    age = _age(born, today) if born else None
    found: list[str] = []
    recent = bool(periods) and _months_between(periods[-1], today) <= RECENT_MONTHS
    if recent:
        found.append("就业人员")
    elif age is not None and sex in RETIREMENT_AGE and age >= RETIREMENT_AGE[sex]:
        found.append("退休人员")
    elif periods:
        found.append("失业人员")
    if age is not None and age <= GRADUATE_MAX_AGE and (not periods or _months_between(periods[0], today) <= 24):
        found.append("高校毕业生")
    return tuple(found)
