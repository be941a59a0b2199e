"""Identity levels (个人认证等级) and what they unlock.

注册用户: name and ID did not match the base library (基础库).
实名用户: name and ID number matched the base library.
实人用户: real-name plus a passed face verification.
A higher level can do more (实名可办理人社业务，实人可办理更多的业务).
"""

from __future__ import annotations

from enum import IntEnum

__all__ = ["AuthLevel"]


class AuthLevel(IntEnum):
    REGISTERED = 1
    REAL_NAME = 2
    REAL_PERSON = 3

    @property
    def label(self) -> str:
        return {1: "注册用户", 2: "实名用户", 3: "实人用户"}[int(self)]

    def allows(self, required: AuthLevel) -> bool:
        return self >= required
