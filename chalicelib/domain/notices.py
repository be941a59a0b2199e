"""公示公告 (notices): what a notice is made of, and its id. Plain rules, no DynamoDB.

A notice's id is the China time it was published and four random digits
(``20261130093000-0427``): ids sort by publication, so the newest come first without an index.
"""

from __future__ import annotations

import re
import secrets
from datetime import datetime

from chalicelib.clock import CHINA
from chalicelib.domain.identity import InvalidValue

__all__ = ["BODY_MAX", "DEPARTMENT", "TITLE_MAX", "new_notice_id", "normalize_notice_id", "validate_text"]

TITLE_MAX = 80
BODY_MAX = 5000
DEPARTMENT = "江苏省人力资源和社会保障厅"
_ID = re.compile(r"[0-9]{14}-[0-9]{4}")


def new_notice_id(now: datetime) -> str:
    return f"{now.astimezone(CHINA):%Y%m%d%H%M%S}-{secrets.randbelow(10_000):04d}"


def normalize_notice_id(raw: str | None) -> str | None:
    """A notice id as linked, or None when it is not one (strict ASCII digits)."""
    value = (raw or "").strip()
    return value if _ID.fullmatch(value) else None


def validate_text(title: str, body: str, department: str) -> tuple[str, str, str]:
    """The notice's title, body and department, trimmed; InvalidValue when one is empty or too long."""
    title, body, department = title.strip(), body.strip(), department.strip()
    if not title or len(title) > TITLE_MAX:
        raise InvalidValue(f"标题须为1-{TITLE_MAX}个字符")
    if not body or len(body) > BODY_MAX:
        raise InvalidValue(f"正文须为1-{BODY_MAX}个字符")
    if not department or len(department) > TITLE_MAX:
        raise InvalidValue("发布单位不能为空")
    return title, body, department
