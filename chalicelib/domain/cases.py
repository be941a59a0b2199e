"""办件 (cases) and 好差评 (evaluations): plain rules, no HTTP, no DynamoDB.

A case is made by 在线办理 in 办理中, moved to 已办结 by the back office (outside the hall), and
then waits for the citizen's evaluation (待评价) on the national 好差评 five-point scale. An
evaluation is given once and never changed; a comment is optional, except for the two lowest
grades, where it is required. The 办件编号 is the province's code (320000), the China date it was
made and 8 random digits: 22 digits in all.

The application form is described by the service's data (``form_fields``: name, label, kind
(text, textarea, date, phone, number; id_number too), required); :func:`validate_form` reads it
the way every other form is read (field errors under each field's name).
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from chalicelib.domain import identity
from chalicelib.domain.folding import ASCII_DIGITS, fold_full_width

__all__ = [
    "COMMENT_MAX",
    "CaseList",
    "CaseStatus",
    "Grade",
    "InvalidValue",
    "clean_note",
    "new_case_id",
    "normalize_case_id",
    "normalize_idempotency_key",
    "validate_comment",
    "validate_form",
]

InvalidValue = identity.InvalidValue

COMMENT_MAX = 300
FIELD_TEXT_MAX = 100
FIELD_TEXTAREA_MAX = 500


class CaseStatus(StrEnum):
    """Where a case is (stored values, never renamed)."""

    HANDLING = "handling"
    FINISHED = "finished"

    @property
    def label(self) -> str:
        return {"handling": "办理中", "finished": "已办结"}[self.value]


class CaseList(StrEnum):
    """The three cards of the user center's home, each a list: 办理中, 已办结, 待评价."""

    HANDLING = "handling"
    FINISHED = "finished"
    DUE = "due"

    @property
    def label(self) -> str:
        return {"handling": "办理中", "finished": "已办结", "due": "待评价"}[self.value]


class Grade(StrEnum):
    """The national 好差评 five-point scale, best first (stored values, never renamed)."""

    VERY_SATISFIED = "very_satisfied"
    SATISFIED = "satisfied"
    BASICALLY_SATISFIED = "basically_satisfied"
    DISSATISFIED = "dissatisfied"
    VERY_DISSATISFIED = "very_dissatisfied"

    @property
    def label(self) -> str:
        return _GRADE_LABELS[self]

    @property
    def needs_comment(self) -> bool:
        """不满意 and 非常不满意 must say why."""
        return self in (Grade.DISSATISFIED, Grade.VERY_DISSATISFIED)


_GRADE_LABELS = {
    Grade.VERY_SATISFIED: "非常满意",
    Grade.SATISFIED: "满意",
    Grade.BASICALLY_SATISFIED: "基本满意",
    Grade.DISSATISFIED: "不满意",
    Grade.VERY_DISSATISFIED: "非常不满意",
}


# -- 办件编号 ------------------------------------------------------------------------------------

_PROVINCE = "320000"
_CASE_ID = re.compile(r"320000[0-9]{16}")


def new_case_id(today: date) -> str:
    return f"{_PROVINCE}{today:%Y%m%d}{secrets.randbelow(10**8):08d}"


def normalize_case_id(raw: str | None) -> str:
    """A typed 办件编号 (spaces dropped, full-width folded), or :class:`InvalidValue`."""
    value = fold_full_width(raw).strip().replace(" ", "")
    if not value:
        raise InvalidValue("请输入办件编号")
    if not set(value) <= ASCII_DIGITS or not _CASE_ID.fullmatch(value):
        raise InvalidValue("办件编号应为22位数字")
    return value


# -- the application -----------------------------------------------------------------------------

_KEY = re.compile(r"[A-Za-z0-9_-]{16,64}")


def normalize_idempotency_key(raw: object) -> str:
    """The page's idempotency key (a random id it made when the form was drawn)."""
    if not isinstance(raw, str) or not _KEY.fullmatch(raw):
        raise InvalidValue("请刷新页面后重新提交")
    return raw


def _clean(raw: object) -> str:
    # Control characters other than line breaks are dropped; the rest is kept as typed.
    text = "".join(c for c in str(raw) if c == "\n" or c.isprintable())
    return text.strip()


_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_NUMBER = re.compile(r"[0-9]{1,12}(\.[0-9]{1,2})?")


def _read_field(spec: dict, raw: object, today: date) -> str:
    kind = spec.get("kind") or "text"
    if isinstance(raw, bool) or not isinstance(raw, str | int | float):
        raise InvalidValue("格式不正确")
    text = _clean(raw)
    if not text:
        return ""
    if kind == "phone":
        return identity.validate_phone(text)
    if kind == "id_number":
        return identity.validate_id_number(identity.DocumentType.RESIDENT_ID, text, today)
    if kind == "date":
        value = fold_full_width(text)
        if not _DATE.fullmatch(value):
            raise InvalidValue("请按“年-月-日”填写日期")
        try:
            date.fromisoformat(value)
        except ValueError:
            raise InvalidValue("请填写正确的日期") from None
        return value
    if kind == "number":
        value = fold_full_width(text)
        if not _NUMBER.fullmatch(value):
            raise InvalidValue("请填写数字")
        return value
    limit = FIELD_TEXTAREA_MAX if kind == "textarea" else FIELD_TEXT_MAX
    if len(text) > limit:
        raise InvalidValue(f"最多{limit}个字")
    return text


def validate_form(form_fields: list[dict], values: object, today: date) -> tuple[dict[str, str], dict[str, str]]:
    """The service's form read from ``values``: (the values by field name, errors by field name).
    Fields the service does not describe are ignored; a required field left empty is an error."""
    given = values if isinstance(values, dict) else {}
    accepted: dict[str, str] = {}
    errors: dict[str, str] = {}
    for spec in form_fields:
        name = spec["name"]
        try:
            value = _read_field(spec, given.get(name, ""), today)
        except InvalidValue as exc:
            errors[name] = str(exc)
            continue
        if not value and spec.get("required"):
            errors[name] = "请填写此项"
            continue
        if value:
            accepted[name] = value
    return accepted, errors


# -- 好差评 --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Evaluation:
    grade: Grade
    comment: str


def clean_note(raw: str | None, limit: int = 100) -> str:
    """A note the back office sends with a change, as shown in the case's history."""
    return _clean(raw or "")[:limit]


def validate_comment(grade: Grade, raw: str | None) -> str:
    """The evaluation's comment: optional, except for 不满意 and 非常不满意; at most COMMENT_MAX."""
    comment = _clean(raw or "")
    if len(comment) > COMMENT_MAX:
        raise InvalidValue(f"评价内容最多{COMMENT_MAX}个字")
    if grade.needs_comment and not comment:
        raise InvalidValue(f"选择“{grade.label}”时，请填写评价内容")
    return comment
