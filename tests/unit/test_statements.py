"""社会保险个人权益记录单: the year's figures (chalicelib.domain.statements), and the local
counterpart of the social-insurance systems that feeds them."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from chalicelib.domain import statements


@dataclass(frozen=True)
class R:
    period: str
    unit: str
    base: Decimal
    unit_amount: Decimal
    personal_amount: Decimal
    status: str = "paid"


def months(first: str, last: str, unit="甲公司", base="5000", rate_unit="0.16", rate_personal="0.08", arrears=()):
    from chalicelib.platforms.si_records import _months

    out = []
    for p in _months(first, last):
        b = Decimal(base)
        out.append(
            R(
                p,
                unit,
                b,
                (b * Decimal(rate_unit)).quantize(Decimal("0.01")),
                (b * Decimal(rate_personal)).quantize(Decimal("0.01")),
                "arrears" if p in arrears else "paid",
            )
        )
    return out


def test_a_statement_year_runs_july_to_june():
    assert statements.statement_year("2019-07") == 2019
    assert statements.statement_year("2020-06") == 2019
    assert statements.statement_year("2020-07") == 2020
    assert statements.statement_year("2019-06") == 2018
    assert statements.year_bounds(2019) == ("2019-07", "2020-06")
    assert statements.period_label(2019) == "2019年7月至2020年6月"


def test_the_years_figures_sum_the_paid_months_of_that_year_only():
    pension = months("2018-03", "2021-02", arrears=("2019-12",))
    unemployment = months("2018-03", "2021-02", rate_unit="0.005", rate_personal="0.005")
    injury = months("2019-01", "2021-02", rate_unit="0.004", rate_personal="0")
    s = statements.build(2019, "陈小明", "3201**********1239", pension, unemployment, injury)
    assert s.title == "2019年度社会保险个人权益记录单（城镇职工）"
    assert s.period == "2019年7月至2020年6月"
    # 12 months in the year, one in arrears: 11 paid
    assert s.months == 11
    assert s.pension_unit == Decimal("800.00") * 11
    assert s.pension_personal == Decimal("400.00") * 11
    assert s.unemployment_unit == Decimal("25.00") * 12
    assert s.unemployment_personal == Decimal("25.00") * 12
    assert s.injury_unit == Decimal("20.00") * 12
    # first payment dates are the first month ever, not the year's
    assert (s.first_pension, s.first_unemployment, s.first_injury) == ("2018年03月", "2018年03月", "2019年01月")
    assert s.base_pension == Decimal("5000")
    assert s.figures()["pension_unit"] == "8800.00"
    assert s.notice == "请及时对记录单内容进行审核，如有异议请到参保地经办机构进行核实、处理。"


def test_the_unit_and_bases_are_the_years_latest_month():
    pension = months("2019-07", "2019-12", unit="甲公司", base="5000") + months(
        "2020-01", "2020-09", unit="乙公司", base="7000"
    )
    s = statements.build(2019, "王芳", "x", pension, pension, pension)
    assert s.unit == "乙公司"
    assert s.base_pension == Decimal("7000")
    assert s.pension_unit == Decimal("800.00") * 6 + Decimal("1120.00") * 6


def test_a_year_without_records_is_all_zero():
    s = statements.build(2030, "王芳", "x", months("2019-07", "2020-06"), [], [])
    assert s.unit == "" and s.months == 0
    assert s.figures()["pension_unit"] == "0.00" and s.figures()["injury_unit"] == "0.00"
    assert s.first_pension == "2019年07月" and s.first_injury == ""


def test_years_of_lists_statement_years_newest_first():
    assert statements.years_of(months("2019-05", "2020-08")) == [2020, 2019, 2018]


def test_the_local_counterpart_is_deterministic_and_raises_bases_each_july():
    from chalicelib.platforms.si_records import LocalSiRecords, RecordKind

    a = LocalSiRecords("demo/si_records.json").records("resident_id", "320102199003071239", RecordKind.PENSION)
    b = LocalSiRecords("demo/si_records.json").records("resident_id", "320102199003071239", RecordKind.PENSION)
    assert a == b and len({r.year for r in a}) >= 5
    by_period = {r.period: r for r in a}
    assert by_period["2020-06"].base == by_period["2019-07"].base < by_period["2020-07"].base
    assert all(r.unit_amount == (r.base * Decimal("0.16")).quantize(Decimal("0.01")) for r in a)
    payments = LocalSiRecords("demo/si_records.json").records("resident_id", "320102199003071239", RecordKind.PAYMENTS)
    assert {r.insurance for r in payments} == {
        RecordKind.PENSION,
        RecordKind.MEDICAL,
        RecordKind.UNEMPLOYMENT,
        RecordKind.INJURY,
        RecordKind.MATERNITY,
    }
    assert LocalSiRecords("demo/si_records.json").records("resident_id", "110101199001010011", RecordKind.PENSION) == []
