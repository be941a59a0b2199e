"""亲情号 (family numbers): a citizen binds relatives so as to look after their affairs.

A 实名 or 实人 citizen binds a relative by 姓名, 证件类型, 证件号码 and 关系; the name and
ID must match the base library (基础库). One account binds at most five; an ID is bound by
one account at a time, and never when it has an account of its own (the relative then
logs in themself). While bound, the binder may view the relative's records read-only; the
relative frees themself by 用户申诉 → 亲情号解绑. The writes enforcing this are
chalicelib.store.family_numbers'.
"""

from __future__ import annotations

from enum import Enum

from chalicelib.domain.levels import AuthLevel

__all__ = [
    "BIND_LEVEL",
    "DAILY_CHECKS",
    "MAX_FAMILY_NUMBERS",
    "VIEW_RECORDS_LEVEL",
    "Relation",
]

MAX_FAMILY_NUMBERS = 5
# Binding asks the base library whether a name goes with an ID: a daily ceiling per account keeps
# the check from becoming an oracle (a try is reserved before the base library is asked).
DAILY_CHECKS = 10
BIND_LEVEL = AuthLevel.REAL_NAME
VIEW_RECORDS_LEVEL = AuthLevel.REAL_NAME


class Relation(str, Enum):
    """关系: the value is a stable id (stored in bindings, never renamed)."""

    PARENT = "parent"
    SPOUSE = "spouse"
    CHILD = "child"
    GRANDPARENT = "grandparent"
    GRANDCHILD = "grandchild"
    SIBLING = "sibling"
    OTHER = "other"

    @property
    def label(self) -> str:
        return _LABELS[self]

    @classmethod
    def find(cls, value: str | None) -> Relation | None:
        try:
            return cls(value)
        except ValueError:
            return None


_LABELS = {
    Relation.PARENT: "父母",
    Relation.SPOUSE: "配偶",
    Relation.CHILD: "子女",
    Relation.GRANDPARENT: "祖父母、外祖父母",
    Relation.GRANDCHILD: "孙子女、外孙子女",
    Relation.SIBLING: "兄弟姐妹",
    Relation.OTHER: "其他亲属",
}
