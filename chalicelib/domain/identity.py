"""Identity documents (证件), names and mobile numbers: what a valid one looks like.

Each document type has a stable id (stored in data, never renamed), the label
the manual uses, and its own format check. The resident ID check follows
GB 11643-1999: 17 digits, then an ISO 7064 MOD 11-2 check character.

Every number is made of ASCII digits and the ASCII letters its format allows.
The normalisers fold full-width forms and letter case only (see
:mod:`chalicelib.domain.folding`); a digit of another script (٣, ३, ³, ③, 𝟑)
survives normalisation unchanged and no check accepts it, so one person's
number cannot be typed two ways into two accounts.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from enum import Enum

from chalicelib.domain.folding import ASCII_DIGITS, fold_full_width, upper_ascii

__all__ = [
    "DocumentType",
    "InvalidValue",
    "document_types_fitting",
    "looks_like_phone",
    "normalize_id_number",
    "normalize_phone",
    "resident_id_check_char",
    "validate_id_number",
    "validate_name",
    "validate_person",
    "validate_phone",
]


class InvalidValue(ValueError):
    """A value does not satisfy its format; the message is for the citizen."""


class DocumentType(str, Enum):
    RESIDENT_ID = "resident_id"
    HK_MACAO_PERMIT = "hk_macao_permit"
    TAIWAN_PERMIT = "taiwan_permit"
    FOREIGN_PERMANENT_RESIDENCE = "foreign_permanent_residence"
    PASSPORT = "passport"

    @property
    def label(self) -> str:
        return _LABELS[self]

    @property
    def allows_latin_name(self) -> bool:
        return self in (DocumentType.FOREIGN_PERMANENT_RESIDENCE, DocumentType.PASSPORT)


_LABELS = {
    DocumentType.RESIDENT_ID: "居民身份证",
    DocumentType.HK_MACAO_PERMIT: "港澳居民来往内地通行证",
    DocumentType.TAIWAN_PERMIT: "台湾居民来往大陆通行证",
    DocumentType.FOREIGN_PERMANENT_RESIDENCE: "外国人永久居留身份证",
    DocumentType.PASSPORT: "护照",
}

# Province-level codes of GB/T 2260, plus 71 (Taiwan), 81/82 (Hong Kong,
# Macao) and 83 (residence permits of Taiwan residents).
_PROVINCES = frozenset(
    "11 12 13 14 15 21 22 23 31 32 33 34 35 36 37 41 42 43 44 45 46 50 51 52 53 54 61 62 63 64 65 71 81 82 83".split()
)
# Residence permits of Hong Kong, Macao and Taiwan residents (港澳台居民居住证)
# carry the whole-region codes 810000, 820000 and 830000; every other number
# names a county, whose prefecture digits are never 00.
_REGION_WIDE = frozenset({"810000", "820000", "830000"})
_WEIGHTS = [2 ** (17 - i) % 11 for i in range(17)]
_CHECK_CHARS = "10X98765432"


def resident_id_check_char(first17: str) -> str:
    """The GB 11643 check character for 17 leading ASCII digits (ValueError for anything else)."""
    # Not int(c): it also reads Arabic-Indic, Devanagari and other scripts' digits.
    if len(first17) != 17 or not set(first17) <= ASCII_DIGITS:
        raise ValueError("17 ASCII digits expected")
    return _CHECK_CHARS[sum((ord(c) - 48) * w for c, w in zip(first17, _WEIGHTS, strict=True)) % 11]


def normalize_id_number(raw: str | None) -> str:
    """The canonical form of a typed ID number of any document type.

    Trims, drops spaces, folds full-width forms to ASCII and upper-cases a-z
    (x → X). Nothing else is folded: any other character stays as typed, so
    :func:`validate_id_number` refuses the result. Never raises.
    """
    return upper_ascii(fold_full_width(raw).strip().replace(" ", ""))


# Characters any document's number may hold: the Taiwan booklet's "(A)" adds parentheses.
_ID_CHARACTERS = re.compile(r"[0-9A-Z()]+")


def _birth_date(digits: str) -> date | None:
    if not set(digits) <= ASCII_DIGITS:  # int() would read other scripts' digits
        return None
    try:
        return date(int(digits[0:4]), int(digits[4:6]), int(digits[6:8]))
    except ValueError:
        return None


def resident_birth_and_sex(number: str) -> tuple[date, str] | None:
    """A validated 居民身份证号码's birth date and sex ("M" or "F": the 17th digit's parity)."""
    born = _birth_date(number[6:14]) if len(number) == 18 else None
    if born is None or number[16] not in ASCII_DIGITS:
        return None
    return born, "M" if int(number[16]) % 2 else "F"


def _plausible_birth(digits: str, today: date) -> bool:
    born = _birth_date(digits)
    return born is not None and born.year >= 1900 and born <= today


def _resident_id(number: str, today: date) -> None:
    if not re.fullmatch(r"[0-9]{17}[0-9X]", number):
        raise InvalidValue("居民身份证号码应为18位，最后一位可以是数字或X")
    if number[:2] not in _PROVINCES or (number[2:4] == "00" and number[:6] not in _REGION_WIDE):
        raise InvalidValue("居民身份证号码的地区码不正确")
    if not _plausible_birth(number[6:14], today):
        raise InvalidValue("居民身份证号码的出生日期不正确")
    if resident_id_check_char(number[:17]) != number[17]:
        raise InvalidValue("居民身份证号码校验位不正确，请核对")


def _foreign_permanent_residence(number: str, today: date) -> None:
    # 2004-2017 cards: 3-letter country code + 12 digits. 2023 cards: 18 characters,
    # 9 + province of issue (2) + country (3) + birth date (8) + sequence (3) +
    # the resident ID's check character.
    if re.fullmatch(r"[A-Z]{3}[0-9]{12}", number):
        return
    if (
        re.fullmatch(r"9[0-9]{16}[0-9X]", number)
        and number[1:3] in _PROVINCES
        and _plausible_birth(number[6:14], today)
        and resident_id_check_char(number[:17]) == number[17]
    ):
        return
    raise InvalidValue("外国人永久居留身份证号码格式不正确")


_PATTERNS = {
    # New cards: H/M + 8 digits; older booklets carried 10 digits after the letter.
    DocumentType.HK_MACAO_PERMIT: (r"[HM][0-9]{8}([0-9]{2})?", "港澳居民来往内地通行证号码应为H或M开头加8位或10位数字"),
    # New cards: 8 digits; older booklets 10 characters.
    DocumentType.TAIWAN_PERMIT: (
        r"[0-9]{8}|[0-9]{10}|[0-9]{8}\([A-Z]\)",
        "台湾居民来往大陆通行证号码应为8位或10位数字",
    ),
    DocumentType.PASSPORT: (r"[A-Z0-9]{5,17}", "护照号码应为5-17位字母或数字"),
}


def validate_id_number(doc_type: DocumentType, raw: str | None, today: date) -> str:
    """Return the normalised number (ASCII digits and upper-case letters only), or raise :class:`InvalidValue`."""
    number = normalize_id_number(raw)
    if not number:
        raise InvalidValue("请输入证件号码")
    if not _ID_CHARACTERS.fullmatch(number):
        raise InvalidValue("证件号码只能由数字0-9和英文字母组成")
    if doc_type is DocumentType.RESIDENT_ID:
        _resident_id(number, today)
    elif doc_type is DocumentType.FOREIGN_PERMANENT_RESIDENCE:
        _foreign_permanent_residence(number, today)
    else:
        pattern, message = _PATTERNS[doc_type]
        if not re.fullmatch(pattern, number):
            raise InvalidValue(message)
    return number


# Look-alikes of the middle dot that keyboards and input methods produce.
_DOTS = str.maketrans({c: "·" for c in "\u2022\u30fb\uff65\uff0e\u2027\u2219\u22c5\u2e31"})
_CHINESE_NAME = re.compile(
    r"[\u3400-\u4dbf\u4e00-\u9fff\U00020000-\U0002ebef]+(·[\u3400-\u4dbf\u4e00-\u9fff\U00020000-\U0002ebef]+)*"
)
_LATIN_NAME = re.compile(r"[A-Za-z][A-Za-z .'\-]*[A-Za-z.]")


def validate_name(doc_type: DocumentType, raw: str) -> str:
    """Chinese names (with the middle dot of minority and transliterated names);
    Latin names as well for foreign document types. Returns the trimmed name."""
    name = re.sub(r"\s+", " ", unicodedata.normalize("NFC", raw or "").strip()).translate(_DOTS)
    if not name:
        raise InvalidValue("请输入姓名")
    # In a Chinese name an ASCII full stop, and spaces around a dot, are typing slips for "·".
    chinese = re.sub(r"\s*[.·]\s*", "·", name)
    if _CHINESE_NAME.fullmatch(chinese):
        name = chinese
        if not 2 <= len(name) <= 30:
            raise InvalidValue("姓名长度应为2-30个字")
        return name
    if doc_type.allows_latin_name and _LATIN_NAME.fullmatch(name):
        if not 2 <= len(name) <= 60:
            raise InvalidValue("姓名长度应为2-60个字符")
        return name
    if doc_type.allows_latin_name:
        raise InvalidValue("姓名只能包含汉字、中间点“·”或英文字母")
    raise InvalidValue("姓名只能包含汉字和中间点“·”")


_PHONE = re.compile(r"1[3-9][0-9]{9}")


def validate_person(
    id_type: str, id_number: str | None, name: str | None, today: date, fields: dict[str, str]
) -> tuple[DocumentType | None, str, str]:
    """证件类型, 证件号码 and (unless ``name`` is None) 姓名 as one person, the way every form
    that names a person reads them: each problem goes into ``fields`` under its field's name,
    so a form reports them with its other fields. Answers what was valid ("" where not)."""
    try:
        doc_type = DocumentType(id_type)
    except ValueError:
        fields["id_type"] = "请选择证件类型"
        return None, "", ""
    number = valid_name = ""
    try:
        number = validate_id_number(doc_type, id_number, today)
    except InvalidValue as exc:
        fields["id_number"] = str(exc)
    if name is not None:
        try:
            valid_name = validate_name(doc_type, name)
        except InvalidValue as exc:
            fields["name"] = str(exc)
    return doc_type, number, valid_name


def normalize_phone(raw: str | None) -> str:
    """The canonical form of a typed mobile number.

    Trims, drops spaces, hyphens and a +86 prefix, and folds full-width forms
    to ASCII. Nothing else is folded: another script's digits stay as typed, so
    :func:`validate_phone` and :func:`looks_like_phone` refuse the result. Never raises.
    """
    phone = fold_full_width(raw).strip().replace(" ", "").replace("-", "")
    return phone[3:] if phone.startswith("+86") else phone


def looks_like_phone(raw: str | None) -> bool:
    """Whether the text is a mainland mobile number (11 ASCII digits once normalised)."""
    return bool(_PHONE.fullmatch(normalize_phone(raw)))


def validate_phone(raw: str | None) -> str:
    """Return the normalised number (11 ASCII digits), or raise :class:`InvalidValue`."""
    phone = normalize_phone(raw)
    if not phone:
        raise InvalidValue("请输入移动电话")
    if not set(phone) <= ASCII_DIGITS:
        raise InvalidValue("移动电话号码只能由数字0-9组成")
    if not _PHONE.fullmatch(phone):
        raise InvalidValue("请输入正确的11位移动电话号码")
    return phone


def document_types_fitting(number: str, today: date) -> list[DocumentType]:
    """The document types whose format a (normalised) number fits: an 8-digit number is a
    valid 台湾居民来往大陆通行证 number and a valid 护照 number, so it fits two."""
    fitting = []
    for doc_type in DocumentType:
        try:
            validate_id_number(doc_type, number, today)
        except InvalidValue:
            continue
        fitting.append(doc_type)
    return fitting
