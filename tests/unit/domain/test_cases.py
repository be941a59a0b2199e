"""The rules of 办件 and 好差评: the 办件编号, the application form, the comment rule."""

from __future__ import annotations

from datetime import date

import pytest

from chalicelib.domain import cases
from chalicelib.domain.cases import Grade, InvalidValue

TODAY = date(2026, 11, 30)
FORM = [
    {"name": "unit", "label": "工作单位", "kind": "text", "required": True},
    {"name": "phone", "label": "联系电话", "kind": "phone", "required": True},
    {"name": "since", "label": "起始日期", "kind": "date", "required": False},
    {"name": "amount", "label": "金额", "kind": "number", "required": False},
    {"name": "remark", "label": "申请说明", "kind": "textarea", "required": False},
]


def test_a_case_number_is_the_province_the_china_date_and_8_digits():
    number = cases.new_case_id(TODAY)
    assert len(number) == 22 and number.startswith("32000020261130")
    full_width = number.translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    assert cases.normalize_case_id(" " + full_width) == number


NOT_CASE_NUMBERS = ["", "3200002026113012345", "32000020261130１２３４５６７x", "3200002026113012345٦78"]


@pytest.mark.parametrize("typed", NOT_CASE_NUMBERS)
def test_anything_else_is_not_a_case_number(typed):
    with pytest.raises(InvalidValue):
        cases.normalize_case_id(typed)


def test_the_form_is_read_by_its_fields():
    values, errors = cases.validate_form(
        FORM,
        {"unit": " 南京大学 ", "phone": "138 0000 1111", "since": "2024-07-01", "amount": "１２.５", "extra": "x"},
        TODAY,
    )
    assert errors == {}
    assert values == {"unit": "南京大学", "phone": "13800001111", "since": "2024-07-01", "amount": "12.5"}


def test_each_field_says_what_is_wrong():
    _, errors = cases.validate_form(
        FORM, {"phone": "1380000", "since": "2024-02-30", "amount": "十", "remark": "长" * 501}, TODAY
    )
    assert set(errors) == {"unit", "phone", "since", "amount", "remark"}
    assert errors["unit"] == "请填写此项"
    _, errors = cases.validate_form(FORM, "not a form", TODAY)
    assert set(errors) == {"unit", "phone"}


def test_the_idempotency_key_is_the_pages_random_id():
    assert cases.normalize_idempotency_key("a" * 16) == "a" * 16
    for bad in ("short", "a" * 65, "有" * 20, 12345678901234567, None):
        with pytest.raises(InvalidValue):
            cases.normalize_idempotency_key(bad)


def test_the_scale_has_five_grades_and_the_two_lowest_need_a_comment():
    assert [g.label for g in Grade] == ["非常满意", "满意", "基本满意", "不满意", "非常不满意"]
    assert [g for g in Grade if g.needs_comment] == [Grade.DISSATISFIED, Grade.VERY_DISSATISFIED]
    assert cases.validate_comment(Grade.SATISFIED, None) == ""
    assert cases.validate_comment(Grade.DISSATISFIED, " 太慢 ") == "太慢"
    with pytest.raises(InvalidValue, match="请填写评价内容"):
        cases.validate_comment(Grade.VERY_DISSATISFIED, "  ")
    with pytest.raises(InvalidValue):
        cases.validate_comment(Grade.SATISFIED, "好" * 301)
