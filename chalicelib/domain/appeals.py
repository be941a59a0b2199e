"""用户申诉 (user appeals): the kinds of appeal a citizen can file, in the manual's words.

Registration refuses an ID number or phone another account holds, and an ID number
bound as someone's 亲情号 (family number); each refusal names the appeal type that
resolves it. Each type has a stable id (in error bodies, links and, later, stored
appeals: never renamed), the title and description the manual's appeal screen shows
(section 04, 个人用户申诉), and the page where it is filed.
"""

from __future__ import annotations

from enum import Enum

__all__ = ["AppealType"]


class AppealType(str, Enum):
    """A 用户申诉 type; the value is its stable id."""

    ID_NUMBER_TAKEN = "id_number_taken"
    PHONE_TAKEN = "phone_taken"
    FAMILY_NUMBER_BOUND = "family_number_bound"
    OTHER = "other"

    @property
    def label(self) -> str:
        """The title the manual gives this type (证件号码被占用, ...)."""
        return _TEXTS[self][0]

    @property
    def description(self) -> str:
        """The manual's one sentence on when to choose this type."""
        return _TEXTS[self][1]

    @property
    def path(self) -> str:
        """The appeal page, opened at this type."""
        return f"/appeal?type={self.value}"

    @classmethod
    def find(cls, value: str | None) -> AppealType | None:
        """The type with this id, or None (ids arrive from query strings)."""
        try:
            return cls(value)
        except ValueError:
            return None


# Word for word from the manual's appeal screen, in its order.
_TEXTS = {
    AppealType.ID_NUMBER_TAKEN: ("证件号码被占用", "证件号码已被占用，导致无法注册，可通过此种方式解除占用关系。"),
    AppealType.PHONE_TAKEN: ("移动电话已被占用", "移动电话已被占用，导致无法注册，可通过此种方式解除占用关系。"),
    AppealType.FAMILY_NUMBER_BOUND: (
        "亲情号解绑",
        "证件号码已被绑定为亲情号，导致无法注册，可通过此种方式解除绑定关系。",
    ),
    AppealType.OTHER: ("其他", "如遇到账户其他问题，请通过此种方式反馈。"),
}
