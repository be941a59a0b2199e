"""社会保险个人权益记录单 (the social-insurance rights statement): one year's figures.

A statement year runs July to June, as the manual's sample says: 2019年度 is
2019年7月至2020年6月 (Jiangsu adjusts contribution bases each July). For that year the
statement shows, as in the manual's table:

* 个人基本信息: 姓名, 单位全称 (the unit of the year's latest month), 社会保障号码, and
  首次缴费日期 for 养老, 失业 and 工伤 (the first month ever recorded, not only this year);
* 缴费情况: 个人月缴费基数 for 养老, 失业, 工伤 (the year's latest month), the year's
  养老缴费信息 单位缴费 and 个人缴费, 失业缴费信息 单位缴费 and 个人缴费, and 工伤缴费信息
  (单位缴费): sums of the months paid (a month in arrears, 欠缴, is not counted).

Plain rules: records in (anything with insurance, period, unit, base, unit_amount,
personal_amount and a status whose value is "paid"), figures out.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

__all__ = [
    "NOTICE",
    "Statement",
    "build",
    "period_label",
    "statement_year",
    "year_bounds",
    "years_of",
]

#: 温馨提示, in the manual's words.
NOTICE = "请及时对记录单内容进行审核，如有异议请到参保地经办机构进行核实、处理。"
TITLE_SUFFIX = "社会保险个人权益记录单（城镇职工）"
ZERO = Decimal("0.00")


def statement_year(period: str) -> int:
    """The statement year a month ("YYYY-MM") belongs to: July starts a year."""
    year, month = int(period[:4]), int(period[5:7])
    return year if month >= 7 else year - 1


def year_bounds(year: int) -> tuple[str, str]:
    """The first and last month of a statement year: 2019 → ("2019-07", "2020-06")."""
    return f"{year:04d}-07", f"{year + 1:04d}-06"


def period_label(year: int) -> str:
    """（2019年7月至2020年6月）"""
    return f"{year}年7月至{year + 1}年6月"


def years_of(records) -> list[int]:
    """The statement years the records touch, newest first."""
    return sorted({statement_year(r.period) for r in records}, reverse=True)


def _month_label(period: str | None) -> str:
    return f"{period[:4]}年{period[5:7]}月" if period else ""


@dataclass(frozen=True)
class Statement:
    year: int
    name: str
    unit: str
    ssn: str  # 社会保障号码, as the caller shows it (masked)
    first_pension: str
    first_unemployment: str
    first_injury: str
    base_pension: Decimal
    base_unemployment: Decimal
    base_injury: Decimal
    pension_unit: Decimal
    pension_personal: Decimal
    unemployment_unit: Decimal
    unemployment_personal: Decimal
    injury_unit: Decimal
    months: int  # months of 养老 paid in the year

    @property
    def title(self) -> str:
        return f"{self.year}年度{TITLE_SUFFIX}"

    @property
    def period(self) -> str:
        return period_label(self.year)

    @property
    def notice(self) -> str:
        return NOTICE

    def figures(self) -> dict[str, str]:
        """Every value the statement shows, as text (the page, the PDF and its digest use these)."""
        return {
            "title": self.title,
            "period": self.period,
            "name": self.name,
            "unit": self.unit,
            "ssn": self.ssn,
            "first_pension": self.first_pension,
            "first_unemployment": self.first_unemployment,
            "first_injury": self.first_injury,
            "base_pension": _money(self.base_pension),
            "base_unemployment": _money(self.base_unemployment),
            "base_injury": _money(self.base_injury),
            "pension_unit": _money(self.pension_unit),
            "pension_personal": _money(self.pension_personal),
            "unemployment_unit": _money(self.unemployment_unit),
            "unemployment_personal": _money(self.unemployment_personal),
            "injury_unit": _money(self.injury_unit),
        }


def _money(value: Decimal) -> str:
    return f"{value:.2f}"


def _in_year(records, year: int) -> list:
    first, last = year_bounds(year)
    return sorted((r for r in records if first <= r.period <= last), key=lambda r: r.period)


def _paid(records) -> list:
    return [r for r in records if getattr(r.status, "value", r.status) == "paid"]


def _first(records) -> str:
    return _month_label(min((r.period for r in records), default=None))


def _latest_base(records) -> Decimal:
    return records[-1].base if records else ZERO


def build(year: int, name: str, ssn: str, pension, unemployment, injury) -> Statement:
    """The statement of ``year`` from every record of the three insurances (all years)."""
    p, u, i = _in_year(pension, year), _in_year(unemployment, year), _in_year(injury, year)
    latest = max(p + u + i, key=lambda r: r.period, default=None)
    paid_p, paid_u, paid_i = _paid(p), _paid(u), _paid(i)
    return Statement(
        year=year,
        name=name,
        unit=latest.unit if latest else "",
        ssn=ssn,
        first_pension=_first(pension),
        first_unemployment=_first(unemployment),
        first_injury=_first(injury),
        base_pension=_latest_base(p),
        base_unemployment=_latest_base(u),
        base_injury=_latest_base(i),
        pension_unit=sum((r.unit_amount for r in paid_p), ZERO),
        pension_personal=sum((r.personal_amount for r in paid_p), ZERO),
        unemployment_unit=sum((r.unit_amount for r in paid_u), ZERO),
        unemployment_personal=sum((r.personal_amount for r in paid_u), ZERO),
        injury_unit=sum((r.unit_amount for r in paid_i), ZERO),
        months=len(paid_p),
    )
