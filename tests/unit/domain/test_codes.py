"""One-time codes and captchas (chalicelib/domain/codes.py)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from chalicelib.domain import codes
from chalicelib.domain.codes import CAPTCHA, SMS_CODE, Purpose, new_captcha_text, new_sms_code


def test_sms_codes_are_six_digits():
    drawn = [new_sms_code() for _ in range(500)]
    assert all(re.fullmatch(r"\d{6}", c) for c in drawn)
    assert len(set(drawn)) > 450  # random, not a counter or a constant


def test_sms_codes_keep_leading_zeros(monkeypatch):
    monkeypatch.setattr(codes.secrets, "randbelow", lambda n: 42)
    assert new_sms_code() == "000042"


def test_sms_code_policy_is_the_issues():
    assert SMS_CODE.length == 6
    assert SMS_CODE.lifetime == timedelta(minutes=5)
    assert SMS_CODE.max_wrong_tries == 5
    assert SMS_CODE.resend_interval == timedelta(seconds=60)


def test_purposes_are_stable_ids_with_chinese_labels():
    # Stored in data: renaming one would orphan live codes.
    assert {p.value for p in Purpose} == {"register", "login", "recovery", "appeal", "change_phone"}
    assert Purpose("register").label == "注册"
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
    assert not set("0O1IL") & set(CAPTCHA.alphabet)
    assert set(CAPTCHA.alphabet) <= set("23456789ABCDEFGHJKMNPQRSTUVWXYZ")
    drawn = [new_captcha_text() for _ in range(300)]
    assert all(len(c) == CAPTCHA.length and set(c) <= set(CAPTCHA.alphabet) for c in drawn)
    assert len(set(drawn)) > 250


def test_captchas_live_two_minutes():
    assert CAPTCHA.lifetime == timedelta(minutes=2)


def test_a_captcha_answer_is_trimmed_and_case_folded():
    assert codes.normalize_captcha_answer(" ab3d ") == "AB3D"
    assert codes.normalize_captcha_answer(None) == ""


def test_code_errors_carry_what_the_citizen_needs():
    assert codes.CodeMismatch(3).tries_left == 3
    assert codes.ResendTooSoon(42).retry_after == 42
    assert issubclass(codes.CodeExpired, codes.CodeError)
    assert issubclass(codes.CodeExhausted, codes.CodeError)
