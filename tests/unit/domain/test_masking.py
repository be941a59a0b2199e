"""Masked forms shown on pages (chalicelib/domain/masking.py)."""

from __future__ import annotations

import pytest

from chalicelib.domain.masking import mask_id_number, mask_name, mask_phone


@pytest.mark.parametrize("name", ["陈明", "陈小明", "欧阳小明", "阿依古丽·买买提"])
def test_a_name_shows_its_first_character_and_one_star(name):
    # The manual's top-right corner shows 陈*: one star, whatever the length, hides the length too.
    assert mask_name(name) == name[0] + "*"


def test_an_18_character_id_number_shows_four_and_four():
    assert mask_id_number("320102199003071234") == "3201**********1234"
    assert mask_id_number("65010219920615302X") == "6501**********302X"


@pytest.mark.parametrize("number", ["H12345678", "H1234567801", "12345678", "E1234", "USA320101234567", "AB", "A"])
def test_shorter_numbers_keep_at_least_half_hidden(number):
    masked = mask_id_number(number)
    assert len(masked) == len(number)
    shown = sum(1 for a, b in zip(masked, number, strict=True) if a == b and a != "*")
    assert shown * 2 <= len(number)
    assert masked != number


def test_a_phone_shows_three_and_four():
    assert mask_phone("13800005678") == "138****5678"
    assert mask_phone("15912345678") == "159****5678"
