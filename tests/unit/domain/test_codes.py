"""One-time codes and captchas (chalicelib/domain/codes.py)."""

from __future__ import annotations

import re

import pytest

from chalicelib.domain import codes
from chalicelib.domain.codes import Purpose, new_captcha_text, new_sms_code


def test_sms_codes_are_six_digits():
    drawn = [new_sms_code() for _ in range(500)]
    assert all(re.fullmatch(r"\d{6}", c) for c in drawn)
    assert len(set(drawn)) > 450  # random, not a counter or a constant


def test_sms_codes_keep_leading_zeros(monkeypatch):
    monkeypatch.setattr(codes.secrets, "randbelow", lambda n: 42)
    assert new_sms_code() == "000042"


def test_purposes_are_stable_ids_with_chinese_labels():
    # Stored in data: renaming one would orphan live codes.
    assert {p.value for p in Purpose} == {"register", "login", "recovery", "appeal", "change_phone", "link", "reauth"}
    assert Purpose("reauth").label == "身份确认"
    assert Purpose("register").label == "注册"
    assert Purpose("link").label == "账号关联"
    assert Purpose("login").label == "登录"
    assert Purpose("recovery").label == "找回密码"
    assert all(p.label for p in Purpose)


@pytest.mark.parametrize("purpose", list(Purpose))
def test_the_sms_text_names_its_purpose_the_code_and_its_lifetime(purpose):
    text = codes.sms_text(purpose, "012345")
    assert "012345" in text
    assert purpose.label in text
    assert "5分钟" in text


def test_captchas_avoid_glyphs_a_citizen_could_misread():
    # WHEN many captchas are drawn
    drawn = [new_captcha_text() for _ in range(300)]
    # THEN each is four characters, none a glyph that reads as another (0/O, 1/I/L), all random
    assert all(len(c) == 4 for c in drawn)
    assert not set("".join(drawn)) & set("0O1IL")
    assert set("".join(drawn)) <= set("23456789ABCDEFGHJKMNPQRSTUVWXYZ")
    assert len(set(drawn)) > 250


def test_a_captcha_answer_is_trimmed_and_case_folded():
    assert codes.normalize_captcha_answer(" ab3d ") == "AB3D"
    assert codes.normalize_captcha_answer(None) == ""


# The policy's figures are proven by what the hall does with them, not restated here:
# six digits (test_identifiers: validate_sms_code), five minutes, five wrong tries, sixty
# seconds between codes and a captcha's two minutes (tests/functional/test_sms_codes.py,
# each on both sides of its boundary).
