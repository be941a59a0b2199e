"""Identity documents, names and mobile numbers (chalicelib/domain/identity.py)."""

from __future__ import annotations

import random
from datetime import date

import pytest

from chalicelib.domain.identity import (
    DocumentType,
    InvalidValue,
    looks_like_phone,
    normalize_phone,
    resident_id_check_char,
    validate_id_number,
    validate_name,
    validate_phone,
)

TODAY = date(2025, 6, 1)
# The example printed in GB 11643-1999 itself.
STANDARD_EXAMPLE = "11010519491231002X"
RID = DocumentType.RESIDENT_ID


def iso7064_mod11_2(digits: str) -> str:
    """ISO 7064 MOD 11-2, computed the standard's recursive way (independent of the code under test)."""
    p = 0
    for d in digits:
        p = ((p + int(d)) * 2) % 11
    value = (12 - p) % 11
    return "X" if value == 10 else str(value)


def with_check(first17: str) -> str:
    return first17 + iso7064_mod11_2(first17)


def with_wrong_check(first17: str) -> str:
    right = iso7064_mod11_2(first17)
    return first17 + next(c for c in "0123456789X" if c != right)


def is_valid(doc_type: DocumentType, number: str, today: date = TODAY) -> bool:
    try:
        validate_id_number(doc_type, number, today)
    except InvalidValue:
        return False
    return True


# -- 居民身份证 ------------------------------------------------------------------------------


def test_the_standards_own_example_is_valid():
    # GIVEN the example number printed in GB 11643
    # WHEN it is validated as a resident ID
    # THEN it is accepted as it is
    assert validate_id_number(RID, STANDARD_EXAMPLE, TODAY) == STANDARD_EXAMPLE


def test_changing_any_single_character_of_the_example_makes_it_invalid():
    # GIVEN the valid example
    # WHEN any one position is replaced by any other digit (or X)
    # THEN no variant is accepted (some fail on region or date, the rest on the check character)
    accepted = []
    for position in range(18):
        for replacement in "0123456789X":
            if replacement == STANDARD_EXAMPLE[position]:
                continue
            variant = STANDARD_EXAMPLE[:position] + replacement + STANDARD_EXAMPLE[position + 1 :]
            if is_valid(RID, variant):
                accepted.append(variant)
    assert accepted == []


def test_a_changed_sequence_digit_is_caught_by_the_check_character_alone():
    # GIVEN the example with one sequence digit changed (region and date untouched)
    variant17 = STANDARD_EXAMPLE[:16] + "3"
    # WHEN the old check character is kept THEN it is refused as a check failure
    with pytest.raises(InvalidValue, match="校验位"):
        validate_id_number(RID, variant17 + STANDARD_EXAMPLE[17], TODAY)
    # AND WHEN the check character is recomputed THEN the number is valid again
    assert is_valid(RID, with_check(variant17))


def test_check_character_follows_iso_7064_mod_11_2():
    # GIVEN many random 17-digit prefixes
    rng = random.Random(11643)
    prefixes = [f"{rng.randrange(10**17):017d}" for _ in range(2000)]
    # WHEN the hall computes the check character
    # THEN it equals the standard's recursive MOD 11-2 computation, X included
    assert [resident_id_check_char(p) for p in prefixes] == [iso7064_mod11_2(p) for p in prefixes]
    assert "X" in {resident_id_check_char(p) for p in prefixes}


def test_lower_case_x_and_full_width_characters_are_normalised():
    # GIVEN the example typed with a lower-case x, with spaces, and in full-width digits
    typed = [" 11010519491231002x ", "110105 19491231 002X", "１１０１０５１９４９１２３１００２ｘ"]
    # WHEN each is validated
    # THEN each comes back as the canonical upper-case number
    assert {validate_id_number(RID, t, TODAY) for t in typed} == {STANDARD_EXAMPLE}


@pytest.mark.parametrize(
    "number",
    [
        STANDARD_EXAMPLE[:17],  # 17 characters
        STANDARD_EXAMPLE + "1",  # 19 characters
        "1101051949123100X2",  # X not in last place
        "11010519491231002Y",  # a letter other than X
        "",
    ],
)
def test_a_resident_id_must_be_17_digits_and_a_check_character(number):
    # GIVEN a malformed number WHEN it is validated THEN it is refused
    assert not is_valid(RID, number)


def test_the_birth_date_must_exist():
    # GIVEN numbers whose region and check character are right but whose date is impossible
    for impossible in ("19490230", "19491301", "19490000", "18991231"):
        number = with_check("110105" + impossible + "002")
        # WHEN validated THEN refused for the date
        with pytest.raises(InvalidValue, match="出生日期"):
            validate_id_number(RID, number, TODAY)


def test_the_birth_date_must_not_be_in_the_future():
    # GIVEN a number for someone born on 2030-01-01
    number = with_check("32010220300101001")
    # WHEN validated the day before THEN refused; on the day itself THEN accepted
    with pytest.raises(InvalidValue, match="出生日期"):
        validate_id_number(RID, number, date(2029, 12, 31))
    assert validate_id_number(RID, number, date(2030, 1, 1)) == number


@pytest.mark.parametrize("region", ["000000", "990101", "720101", "320000", "320012", "100101"])
def test_an_implausible_region_code_is_refused(region):
    # GIVEN a correctly checked number with a region code no county has
    number = with_check(region + "19900307" + "123")
    # WHEN validated THEN refused for the region
    with pytest.raises(InvalidValue, match="地区码"):
        validate_id_number(RID, number, TODAY)


@pytest.mark.parametrize("region", ["320102", "650102", "110105", "810000", "820000", "830000"])
def test_county_codes_and_the_hk_macao_taiwan_residence_permit_codes_are_plausible(region):
    # GIVEN a correctly checked number from a county, or from a 港澳台居民居住证 (810000/820000/830000)
    number = with_check(region + "19900307" + "123")
    # WHEN validated THEN accepted
    assert validate_id_number(RID, number, TODAY) == number


# -- other documents, each by its own format --------------------------------------------------


HK = DocumentType.HK_MACAO_PERMIT
TW = DocumentType.TAIWAN_PERMIT
FPR = DocumentType.FOREIGN_PERMANENT_RESIDENCE
PASSPORT = DocumentType.PASSPORT


@pytest.mark.parametrize(
    ("doc_type", "number"),
    [
        (HK, "H12345678"),
        (HK, "M12345678"),
        (HK, "H1234567801"),
        (TW, "12345678"),
        (TW, "1234567890"),
        (FPR, "USA320101234567"),  # 2004-2017 card: country + 12 digits
        (FPR, with_check("93284019850101001")),  # 2023 card: 9 + province + country + birth + sequence + check
        (PASSPORT, "E12345678"),
        (PASSPORT, "G1234"),
        (PASSPORT, "12345678901234567"),
    ],
)
def test_each_document_type_accepts_its_own_format(doc_type, number):
    # GIVEN a well-formed number of that type WHEN validated THEN accepted unchanged
    assert validate_id_number(doc_type, number, TODAY) == number


@pytest.mark.parametrize(
    ("doc_type", "number"),
    [
        (HK, "A12345678"),  # not H or M
        (HK, "H1234567"),  # 7 digits
        (HK, "H123456789"),  # 9 digits
        (HK, STANDARD_EXAMPLE),
        (TW, "1234567"),
        (TW, "123456789"),
        (TW, "A1234567"),
        (FPR, "US320101234567"),  # two letters
        (FPR, "USA32010123456"),  # 11 digits
        (FPR, with_wrong_check("93284019850101001")),
        (FPR, with_check("83284019850101001")),  # 18 digits not starting with 9
        (FPR, with_check("99984019850101001")),  # no such province
        (FPR, with_check("93284019851301001")),  # no 13th month
        (FPR, STANDARD_EXAMPLE),
        (PASSPORT, "E123"),  # too short
        (PASSPORT, "E" * 18),  # too long
        (PASSPORT, "E1234-567"),
        (RID, "H12345678"),
    ],
)
def test_each_document_type_refuses_other_formats(doc_type, number):
    # GIVEN a number that does not fit the type WHEN validated THEN refused
    assert not is_valid(doc_type, number)


def test_a_new_foreign_permanent_residence_card_cannot_be_born_in_the_future():
    number = with_check("93284020300101001")
    assert not is_valid(FPR, number, date(2029, 12, 31))
    assert is_valid(FPR, number, date(2030, 1, 2))


def test_letters_in_permit_and_passport_numbers_are_upper_cased():
    assert validate_id_number(HK, " h12345678 ", TODAY) == "H12345678"
    assert validate_id_number(PASSPORT, "e12345678", TODAY) == "E12345678"
    assert validate_id_number(FPR, "usa320101234567", TODAY) == "USA320101234567"


def test_an_empty_number_is_refused_for_every_type():
    for doc_type in DocumentType:
        with pytest.raises(InvalidValue, match="请输入证件号码"):
            validate_id_number(doc_type, "   ", TODAY)


def test_document_types_are_labelled_as_in_the_manual_and_ids_are_stable():
    # Stored in data: renaming an id would orphan accounts.
    assert {t.value: t.label for t in DocumentType} == {
        "resident_id": "居民身份证",
        "hk_macao_permit": "港澳居民来往内地通行证",
        "taiwan_permit": "台湾居民来往大陆通行证",
        "foreign_permanent_residence": "外国人永久居留身份证",
        "passport": "护照",
    }


# -- names -----------------------------------------------------------------------------------


def test_a_chinese_name_is_trimmed():
    assert validate_name(RID, "  陈小明\t") == "陈小明"


def test_a_name_with_the_middle_dot_is_accepted():
    assert validate_name(RID, "阿依古丽·买买提") == "阿依古丽·买买提"


@pytest.mark.parametrize(
    "dot",
    ["\u2022", "\u30fb", "\uff65", "\uff0e", "\u2027", "\u2219", "\u22c5", "\u2e31", "\u0387", ".", " · ", " . "],
)
def test_look_alike_dots_become_the_middle_dot(dot):
    # GIVEN a minority name typed with a look-alike of "·" (as input methods produce)
    # WHEN validated THEN it is stored with the one middle dot
    assert validate_name(RID, f"阿依古丽{dot}买买提") == "阿依古丽·买买提"


@pytest.mark.parametrize("name", ["·买买提", "阿依古丽·", "阿依古丽··买买提", "陈1明", "陈小明!", "John Smith"])
def test_malformed_chinese_names_are_refused(name):
    with pytest.raises(InvalidValue):
        validate_name(RID, name)


def test_chinese_names_are_length_bounded():
    assert validate_name(RID, "陈明") == "陈明"
    assert validate_name(RID, "陈" * 30) == "陈" * 30
    for name in ("陈", "陈" * 31):
        with pytest.raises(InvalidValue, match="长度"):
            validate_name(RID, name)


def test_a_rare_character_outside_the_basic_block_is_a_chinese_character():
    # 𠀾 (U+2003E, CJK extension B) appears in real names.
    assert validate_name(RID, "陈𠀾") == "陈𠀾"


@pytest.mark.parametrize("doc_type", [FPR, PASSPORT])
def test_latin_names_are_accepted_for_foreign_document_types(doc_type):
    assert validate_name(doc_type, "  John   O'Neil-Smith Jr. ") == "John O'Neil-Smith Jr."


@pytest.mark.parametrize("doc_type", [RID, HK, TW])
def test_latin_names_are_refused_for_chinese_document_types(doc_type):
    with pytest.raises(InvalidValue, match="汉字"):
        validate_name(doc_type, "John Smith")


def test_latin_names_are_length_bounded():
    assert validate_name(PASSPORT, "A" * 60) == "A" * 60
    for name in ("A", "A" * 61):
        with pytest.raises(InvalidValue):
            validate_name(PASSPORT, name)


@pytest.mark.parametrize("name", ["John3", "-John", "John_Smith", "Jöhn"])
def test_malformed_latin_names_are_refused(name):
    with pytest.raises(InvalidValue):
        validate_name(PASSPORT, name)


def test_an_empty_name_is_refused():
    with pytest.raises(InvalidValue, match="请输入姓名"):
        validate_name(RID, "  ")


# -- mobile numbers ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "typed",
    ["13800138000", " 13800138000 ", "+8613800138000", "+86 138 0013 8000", "138-0013-8000", "１３８００１３８０００"],
)
def test_mobile_numbers_are_normalised(typed):
    assert validate_phone(typed) == "13800138000"
    assert looks_like_phone(typed)


def test_the_second_digit_must_be_3_to_9():
    for second in "0123456789":
        phone = f"1{second}800138000"
        assert looks_like_phone(phone) is (second in "3456789")
        if second in "012":
            with pytest.raises(InvalidValue):
                validate_phone(phone)
        else:
            assert validate_phone(phone) == phone


@pytest.mark.parametrize(
    "typed", ["1380013800", "138001380000", "23800138000", "+85213800138000", "1380013800a", STANDARD_EXAMPLE]
)
def test_other_numbers_are_not_mobile_numbers(typed):
    assert not looks_like_phone(typed)
    with pytest.raises(InvalidValue):
        validate_phone(typed)


def test_an_empty_phone_is_refused():
    with pytest.raises(InvalidValue, match="请输入移动电话"):
        validate_phone(" ")
    assert normalize_phone("+86") == ""


def test_a_person_is_read_with_every_problem_named_by_its_field():
    from datetime import date

    from chalicelib.domain.identity import DocumentType, validate_person

    today = date(2026, 11, 30)
    fields: dict[str, str] = {}
    # a right person: the normalised values, nothing reported
    assert validate_person("resident_id", "３２０１０２１９９００３０７１２３９", "陈小明", today, fields) == (
        DocumentType.RESIDENT_ID,
        "320102199003071239",
        "陈小明",
    )
    assert fields == {}
    # a wrong number and a wrong name are both reported, with what was valid
    assert validate_person("resident_id", "320102199003071238", "陈1", today, fields)[0] is DocumentType.RESIDENT_ID
    assert set(fields) == {"id_number", "name"}
    # no type: nothing else can be judged
    fields = {}
    assert validate_person("nope", "320102199003071239", "陈小明", today, fields) == (None, "", "")
    assert set(fields) == {"id_type"}
    # name None: the name is not asked for
    fields = {}
    assert validate_person("resident_id", "320102199003071239", None, today, fields)[2] == ""
    assert fields == {}
