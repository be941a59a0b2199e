"""Identifiers are made of ASCII (chalicelib/domain/identity.py, codes.py, folding.py).

Python's ``\\d``, ``int()`` and ``str.isdigit()`` read every script's digits, and NFKC
folds superscripts, circled and mathematical digits to 0-9, so "the same" ID number
or phone could be typed many ways, and one person could hold several accounts. Only
full-width forms (what Chinese input methods type) and letter case fold; every other
character is refused. These properties hold for every identifier kind.
"""

from __future__ import annotations

import sys
import unicodedata
from datetime import date
from functools import lru_cache

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chalicelib.domain import codes
from chalicelib.domain.identity import (
    DocumentType,
    InvalidValue,
    looks_like_phone,
    normalize_id_number,
    normalize_phone,
    resident_id_check_char,
    validate_id_number,
    validate_phone,
)

TODAY = date(2025, 6, 1)
RID = DocumentType.RESIDENT_ID
HK = DocumentType.HK_MACAO_PERMIT
TW = DocumentType.TAIWAN_PERMIT
FPR = DocumentType.FOREIGN_PERMANENT_RESIDENCE
PASSPORT = DocumentType.PASSPORT

ASCII_ALNUM = frozenset("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")
CANONICAL = frozenset("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ()")

# The hypothesis tests draw from pools; the function-scoped fixtures of this folder
# (the no-tables guard) need no reset between examples.
PROPERTY = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def iso7064_mod11_2(digits: str) -> str:
    """ISO 7064 MOD 11-2, computed the standard's recursive way (independent of the code under test)."""
    p = 0
    for d in digits:
        p = ((p + "0123456789".index(d)) * 2) % 11
    value = (12 - p) % 11
    return "X" if value == 10 else str(value)


def full_width(c: str) -> str:
    """The full-width form of a printable ASCII character."""
    return chr(ord(c) + 0xFEE0)


def is_full_width(c: str) -> bool:
    return "\uff01" <= c <= "\uff5e"


def ascii_reading(text: str) -> str:
    """What the hall may read a typed number as: full-width forms folded by NFKC, a-z upper-cased."""
    folded = "".join(unicodedata.normalize("NFKC", c) if is_full_width(c) else c for c in text)
    return "".join(c.upper() if "a" <= c <= "z" else c for c in folded)


@lru_cache(maxsize=1)
def look_alikes() -> tuple[str, ...]:
    """Non-ASCII characters that can pass for an ASCII digit or letter: every decimal digit
    (category Nd) and numeric character of every script, and whatever NFKC, NFKD or case
    mapping turns into ASCII (full-width forms, superscripts, circled and mathematical
    digits, ß, ı, ſ, the Kelvin sign, Roman numerals, accented letters), plus Cyrillic and
    Greek letters that look like Latin ones."""
    found = []
    for code in range(0x80, 0x30000):
        c = chr(code)
        if 0xD800 <= code <= 0xDFFF:
            continue
        forms = (unicodedata.normalize("NFKC", c), unicodedata.normalize("NFKD", c), c.upper(), c.lower())
        if (
            unicodedata.category(c) == "Nd"
            or unicodedata.numeric(c, None) is not None
            or any(ch in ASCII_ALNUM for form in forms for ch in form)
        ):
            found.append(c)
    found += "АВЕКМНОРСТХУаеорсхуΑΒΕΖΗΙΚΜΝΟΡΤΥΧο"
    return tuple(found)


@lru_cache(maxsize=1)
def decimal_digits() -> tuple[str, ...]:
    """Every Unicode decimal digit (category Nd) that is not ASCII."""
    return tuple(chr(c) for c in range(0x80, sys.maxunicode + 1) if unicodedata.category(chr(c)) == "Nd")


def accepted_id(doc_type: DocumentType, typed: str) -> str | None:
    try:
        return validate_id_number(doc_type, typed, TODAY)
    except InvalidValue:
        return None


def accepted_phone(typed: str) -> str | None:
    try:
        return validate_phone(typed)
    except InvalidValue:
        return None


# -- valid numbers of every kind ---------------------------------------------------------------

digits = st.text(alphabet="0123456789", min_size=1, max_size=1)
births = st.dates(min_value=date(1900, 1, 1), max_value=TODAY).map(lambda d: d.strftime("%Y%m%d"))


def n_digits(n: int) -> st.SearchStrategy[str]:
    return st.text(alphabet="0123456789", min_size=n, max_size=n)


@st.composite
def resident_ids(draw) -> str:
    region = draw(st.sampled_from(["110105", "320102", "320583", "650102", "810000", "830000"]))
    first17 = region + draw(births) + draw(n_digits(3))
    return first17 + iso7064_mod11_2(first17)


@st.composite
def new_foreign_permanent_residence_numbers(draw) -> str:
    province = draw(st.sampled_from(["11", "32", "44"]))
    first17 = "9" + province + draw(n_digits(3)) + draw(births) + draw(n_digits(3))
    return first17 + iso7064_mod11_2(first17)


letters = st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=1, max_size=1)

VALID = {
    RID: resident_ids(),
    HK: st.tuples(st.sampled_from("HM"), n_digits(8), st.sampled_from(["", "01", "99"])).map("".join),
    TW: st.one_of(
        n_digits(8), n_digits(10), st.tuples(n_digits(8), letters).map(lambda t: f"{t[0]}({t[1]})")
    ),
    FPR: st.one_of(
        st.tuples(st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=3, max_size=3), n_digits(12)).map("".join),
        new_foreign_permanent_residence_numbers(),
    ),
    PASSPORT: st.text(alphabet="0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=5, max_size=17),
}
phones = st.tuples(st.sampled_from("3456789"), n_digits(9)).map(lambda t: f"1{t[0]}{t[1]}")

# A substitute for one character: any look-alike, often the full-width form of an ASCII one.
substitutes = st.one_of(
    st.sampled_from(sorted(ASCII_ALNUM)).map(full_width),
    st.sampled_from(decimal_digits()),
    st.sampled_from(look_alikes()),
)


@st.composite
def typed_variants(draw, numbers: st.SearchStrategy[str]) -> tuple[str, str]:
    """A valid number and the same number with one to three characters replaced by look-alikes."""
    number = draw(numbers)
    typed = list(number)
    positions = draw(st.lists(st.integers(0, len(number) - 1), min_size=1, max_size=3, unique=True))
    for position in positions:
        typed[position] = draw(substitutes)
    return number, "".join(typed)


# -- ID numbers of every document type -----------------------------------------------------------


@pytest.mark.parametrize("doc_type", list(DocumentType))
@PROPERTY
@given(data=st.data())
def test_an_id_number_reads_only_ascii_and_its_full_width_forms(doc_type, data):
    # GIVEN a valid number of the type, with characters replaced by look-alikes
    number, typed = data.draw(typed_variants(VALID[doc_type]))
    assert accepted_id(doc_type, number) == number  # the strategies make valid numbers
    # WHEN it is validated
    accepted = accepted_id(doc_type, typed)
    # THEN it is accepted only if every character is ASCII or a full-width form,
    # and then as its plain ASCII reading, made of ASCII digits and capitals only;
    # full-width forms of the number's own characters give the number itself
    if all(c.isascii() or is_full_width(c) for c in typed):
        assert accepted == accepted_id(doc_type, ascii_reading(typed))
        if ascii_reading(typed) == number:
            assert accepted == number
    else:
        assert accepted is None, f"{typed!a} was accepted as {accepted!a}"
    assert accepted is None or set(accepted) <= CANONICAL


SAMPLES = {
    RID: ["11010519491231002X", "320102199003071239"],
    HK: ["H12345678", "M1234567801"],
    TW: ["12345678", "1234567890", "12345678(A)"],
    FPR: ["USA320101234567", "932840198501010014"],
    PASSPORT: ["E12345678", "G1234"],
}


@pytest.mark.parametrize(("doc_type", "number"), [(t, n) for t, ns in SAMPLES.items() for n in ns])
def test_no_decimal_digit_of_another_script_is_read_as_a_digit(doc_type, number):
    # GIVEN a valid number (the samples are valid) ...
    assert validate_id_number(doc_type, number, TODAY) == number
    # ... WHEN any of its digits is replaced by a decimal digit of any other script (٠, ०, ০, ๐, 𝟎, ...)
    accepted = []
    for position, c in enumerate(number):
        if not c.isascii() or c not in "0123456789":
            continue
        for other in decimal_digits():
            if is_full_width(other):
                continue
            typed = number[:position] + other + number[position + 1 :]
            if accepted_id(doc_type, typed) is not None:
                accepted.append(typed)
    # THEN not one variant is accepted
    assert [ascii(t) for t in accepted] == []


def test_another_scripts_digit_is_a_clear_error_in_chinese():
    arabic_indic = "32010219900307123" + "\u0669"  # ٩
    with pytest.raises(InvalidValue, match="证件号码只能由数字0-9和英文字母组成"):
        validate_id_number(RID, arabic_indic, TODAY)
    with pytest.raises(InvalidValue, match="证件号码只能由数字0-9和英文字母组成"):
        validate_id_number(PASSPORT, "E1234\u00df", TODAY)  # ß would upper-case to SS


@pytest.mark.parametrize(
    ("typed", "why"),
    [
        ("E1234\u00df", "ß upper-cases to SS"),
        ("E12345\u0131", "dotless ı upper-cases to I"),
        ("E12345\u017f", "long ſ upper-cases to S"),
        ("E12345\u212a", "the Kelvin sign folds to K"),
        ("E12345\u2160", "Roman numeral Ⅰ folds to I"),
        ("E1234\ufb01", "the ligature ﬁ folds to FI"),
        ("E1234567\u00b2", "superscript ² folds to 2"),
        ("E1234567\u2461", "circled ② folds to 2"),
        ("E1234567\U0001d7d0", "mathematical 𝟐 folds to 2"),
    ],
)
def test_letters_and_digits_that_fold_to_ascii_are_refused(typed, why):
    assert accepted_id(PASSPORT, typed) is None, why


@PROPERTY
@given(typed_variants(st.one_of(*VALID.values(), phones)))
def test_what_password_login_normalises_validates_only_as_ascii(variant):
    # GIVEN any valid identifier with look-alikes typed into it
    _, typed = variant
    # WHEN password login normalises it and tries it as a phone and as every document type
    # THEN whatever it accepts is plain ASCII
    number = normalize_id_number(typed)
    for doc_type in DocumentType:
        if accepted_id(doc_type, number) is not None:
            assert set(number) <= CANONICAL, ascii(typed)
    if looks_like_phone(typed):
        assert set(normalize_phone(typed)) <= set("0123456789"), ascii(typed)


def test_the_check_character_is_computed_from_ascii_digits_only():
    assert resident_id_check_char("11010519491231002") == "X"
    with pytest.raises(ValueError):
        resident_id_check_char("1101051949123100\u0662")  # ٢: int() would read it as 2


# -- mobile numbers ------------------------------------------------------------------------------


@PROPERTY
@given(typed_variants(phones))
def test_a_phone_reads_only_ascii_and_full_width_digits(variant):
    number, typed = variant
    assert accepted_phone(number) == number
    accepted = accepted_phone(typed)
    if all(c.isascii() or is_full_width(c) for c in typed):
        assert accepted == accepted_phone(ascii_reading(typed))
        if ascii_reading(typed) == number:
            assert accepted == number
        assert looks_like_phone(typed) is (accepted is not None)
    else:
        assert accepted is None, f"{typed!a} was accepted as {accepted!a}"
        assert not looks_like_phone(typed)
    assert accepted is None or set(accepted) <= set("0123456789")


def test_no_decimal_digit_of_another_script_makes_a_phone():
    phone = "13800138000"
    accepted = [
        typed
        for position in range(len(phone))
        for other in decimal_digits()
        if not is_full_width(other)
        for typed in [phone[:position] + other + phone[position + 1 :]]
        if looks_like_phone(typed) or accepted_phone(typed) is not None
    ]
    assert [ascii(t) for t in accepted] == []


def test_a_phone_with_another_scripts_digit_is_a_clear_error_in_chinese():
    with pytest.raises(InvalidValue, match="移动电话号码只能由数字0-9组成"):
        validate_phone("13\u0668\u0660\u0660\u0661\u0663\u0668\u0660\u0660\u0660")  # 13٨٠٠١٣٨٠٠٠
    assert validate_phone("＋８６ １３８００１３８０００") == "13800138000"


# -- SMS codes and captcha answers ----------------------------------------------------------------


@PROPERTY
@given(typed_variants(n_digits(6)))
def test_an_sms_code_is_six_ascii_or_full_width_digits(variant):
    _, typed = variant
    try:
        accepted = codes.validate_sms_code(typed)
    except InvalidValue as exc:
        accepted = None
        assert str(exc) == "请输入6位数字短信验证码"
    if all(c in "0123456789" or (is_full_width(c) and ascii_reading(c) in "0123456789") for c in typed):
        assert accepted == ascii_reading(typed)
    else:
        assert accepted is None, ascii(typed)


def test_sms_codes_are_trimmed_and_empty_ones_named():
    assert codes.validate_sms_code(" ０１２３４５ ") == "012345"
    with pytest.raises(InvalidValue, match="请输入短信验证码"):
        codes.validate_sms_code("  ")
    for wrong in ("12345", "1234567", "12345a", "\u0661\u0662\u0663\u0664\u0665\u0666", "12³456"):
        with pytest.raises(InvalidValue, match="请输入6位数字短信验证码"):
            codes.validate_sms_code(wrong)


@PROPERTY
@given(typed_variants(st.text(alphabet=codes.CAPTCHA.alphabet, min_size=4, max_size=4)))
def test_a_captcha_answer_reads_only_its_alphabet_in_ascii_or_full_width(variant):
    _, typed = variant
    answer = codes.normalize_captcha_answer(typed)
    reading = ascii_reading(typed)
    # One check serves the picture and the spoken captcha: their alphabets together.
    alphabets = set(codes.CAPTCHA.alphabet) | set(codes.AUDIO_CAPTCHA.alphabet)
    if all(c.isascii() or is_full_width(c) for c in typed) and set(reading) <= alphabets:
        assert answer == reading
    else:
        assert answer == "", ascii(typed)


def test_captcha_answers_fold_full_width_and_case_but_nothing_else():
    assert codes.normalize_captcha_answer(" ａｂ３ｄ ") == "AB3D"
    assert codes.normalize_captcha_answer("AB\u017fD") == ""  # ſ upper-cases to S, which is in the alphabet
    assert codes.normalize_captcha_answer("AB\u00b3D") == ""  # ³ folds to 3 under NFKC
    assert codes.normalize_captcha_answer("AB\u0663D") == ""  # ٣


def test_folding_leaves_everything_but_full_width_forms_alone():
    from chalicelib.domain.folding import fold_full_width, upper_ascii

    assert fold_full_width("０９ＡＺａｚ（）＋－\u3000") == "09AZaz()+- "
    for c in look_alikes():
        if not is_full_width(c):
            assert fold_full_width(c) == c
            assert upper_ascii(c) == c
