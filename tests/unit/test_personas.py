"""我是 from the records: the plain rules of chalicelib.domain.personas."""

from __future__ import annotations

from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from chalicelib.domain.identity import resident_birth_and_sex
from chalicelib.domain.personas import personas

TODAY = date(2026, 11, 30)


def _months(first: str, last: str) -> list[str]:
    y, m = int(first[:4]), int(first[5:])
    out = []
    while f"{y:04d}-{m:02d}" <= last:
        out.append(f"{y:04d}-{m:02d}")
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def test_a_citizen_paying_in_the_last_three_months_is_employed():
    assert personas(_months("2015-01", "2026-08"), date(1990, 3, 7), "M", TODAY) == ("就业人员",)
    # four months ago is no longer "recent"
    assert personas(_months("2015-01", "2026-07"), date(1990, 3, 7), "M", TODAY) == ("失业人员",)


def test_retirement_age_differs_by_sex():
    paid = _months("1990-01", "2015-12")
    assert personas(paid, date(1966, 11, 30), "M", TODAY) == ("退休人员",)  # 60 today
    assert personas(paid, date(1966, 12, 1), "M", TODAY) == ("失业人员",)  # 60 tomorrow
    assert personas(paid, date(1971, 11, 30), "F", TODAY) == ("退休人员",)  # 55
    assert personas(paid, date(1971, 11, 30), None, TODAY) == ("失业人员",)  # sex unknown: no guess


def test_a_young_citizen_new_to_work_is_also_a_graduate():
    assert personas([], date(2003, 6, 1), "F", TODAY) == ("高校毕业生",)
    assert personas(_months("2025-07", "2026-10"), date(2003, 6, 1), "F", TODAY) == ("就业人员", "高校毕业生")
    assert personas(_months("2019-07", "2026-10"), date(2002, 6, 1), "F", TODAY) == ("就业人员",)  # 7 years in


def test_nothing_known_suggests_nothing():
    assert personas([], None, None, TODAY) == ()
    assert personas([], date(1990, 3, 7), "M", TODAY) == ()


@given(st.lists(st.sampled_from(_months("2000-01", "2026-11")), max_size=30), st.dates(date(1930, 1, 1), TODAY))
def test_at_most_one_working_status_is_ever_suggested(paid, born):
    found = personas(paid, born, "F", TODAY)
    assert len(set(found) & {"就业人员", "退休人员", "失业人员"}) <= 1
    assert set(found) <= {"就业人员", "退休人员", "失业人员", "高校毕业生"}


def test_birth_and_sex_come_from_the_resident_id():
    assert resident_birth_and_sex("320102199003071239") == (date(1990, 3, 7), "M")  # 17th digit 3: odd
    assert resident_birth_and_sex("32010219900307124X") == (date(1990, 3, 7), "F")
    assert resident_birth_and_sex("short") is None
