"""Identity levels (个人认证等级) and what they unlock.

注册用户: name and ID did not match the base library (基础库).
实名用户: name and ID number matched the base library.
实人用户: real-name plus a passed face verification.
A higher level can do more (实名可办理人社业务，实人可办理更多的业务).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

__all__ = ["AuthLevel", "LevelShortfall", "shortfall"]


class AuthLevel(IntEnum):
    REGISTERED = 1
    REAL_NAME = 2
    REAL_PERSON = 3

    @property
    def label(self) -> str:
        return {1: "注册用户", 2: "实名用户", 3: "实人用户"}[int(self)]

    def allows(self, required: AuthLevel) -> bool:
        return self >= required


# How a citizen reaches each level, in the manual's words, and the page where it is done.
_UPGRADES = {
    AuthLevel.REAL_NAME: ("实名认证", "个人中心->基本信息修改", "/user/profile#real-name"),
    AuthLevel.REAL_PERSON: ("实人认证", "个人中心->基本信息->人脸认证", "/user/profile#real-person"),
}


@dataclass(frozen=True)
class LevelShortfall:
    """A service needs ``required`` and the citizen is at ``current``: what is missing and how
    to reach it (the next level up: 注册 → 实名 by 基本信息修改, 实名 → 实人 by 人脸认证)."""

    current: AuthLevel
    required: AuthLevel

    @property
    def next_level(self) -> AuthLevel:
        return AuthLevel(int(self.current) + 1)

    @property
    def upgrade_url(self) -> str:
        return _UPGRADES[self.next_level][2]

    @property
    def message(self) -> str:
        step, where, _ = _UPGRADES[self.next_level]
        text = f"该业务需要{self.required.label}办理，您当前为{self.current.label}。请通过“{where}”完成{step}"
        if self.next_level < self.required:
            text += f"，再通过“{_UPGRADES[self.required][1]}”完成{_UPGRADES[self.required][0]}"
        return text + "后办理"


def shortfall(current: int, required: AuthLevel) -> LevelShortfall | None:
    """None when ``current`` allows ``required``; else what is missing and how to reach it."""
    level = AuthLevel(current)
    return None if level.allows(required) else LevelShortfall(level, required)
