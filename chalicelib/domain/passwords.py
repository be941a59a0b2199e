"""Password rules (密码设置规则) and password hashing.

The manual's rule, word for word: 8-20位字符,由数字、大小写字母、特殊字符中的三种或以上组成.
On top of it the hall refuses a password that contains the citizen's ID number
or phone number, or that is one of the 10,000 most common passwords.

Hashes are argon2id at no less than the OWASP minimum (m=19 MiB, t=2, p=1);
a hash made with older parameters is replaced on the next successful login.
"""

from __future__ import annotations

import string
from functools import lru_cache
from importlib import resources

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

__all__ = ["PasswordRuleError", "check_password", "hash_password", "needs_rehash", "verify_password"]

MIN_LENGTH, MAX_LENGTH = 8, 20
RULE_TEXT = "8-20位字符,由数字、大小写字母、特殊字符中的三种或以上组成"
_SPECIAL = set(string.punctuation)


class PasswordRuleError(ValueError):
    """The password breaks a rule; ``rule`` names which, ``message`` is for the citizen."""

    def __init__(self, rule: str, message: str) -> None:
        super().__init__(message)
        self.rule = rule
        self.message = message


@lru_cache(maxsize=1)
def _common_passwords() -> frozenset[str]:
    text = resources.files("chalicelib.domain").joinpath("data/common_passwords.txt").read_text("utf-8")
    return frozenset(line.strip().lower() for line in text.splitlines() if line and not line.startswith("#"))


def check_password(password: str, *, id_number: str | None = None, phone: str | None = None) -> None:
    """Raise :class:`PasswordRuleError` naming the first rule the password breaks."""
    if not MIN_LENGTH <= len(password) <= MAX_LENGTH:
        raise PasswordRuleError("length", f"密码长度应为{MIN_LENGTH}-{MAX_LENGTH}位字符")
    if any(c.isspace() or not c.isascii() or not c.isprintable() for c in password):
        raise PasswordRuleError("charset", "密码只能由数字、大小写字母和特殊字符组成")
    classes = sum(
        (
            any(c.isdigit() for c in password),
            any(c.isupper() for c in password),
            any(c.islower() for c in password),
            any(c in _SPECIAL for c in password),
        )
    )
    if classes < 3:
        raise PasswordRuleError("classes", f"密码设置规则: {RULE_TEXT}")
    folded = password.upper()
    if id_number and id_number.upper() in folded:
        raise PasswordRuleError("contains_id_number", "密码不能包含证件号码")
    if phone and phone in password:
        raise PasswordRuleError("contains_phone", "密码不能包含移动电话号码")
    if password.lower() in _common_passwords():
        raise PasswordRuleError("common", "密码过于常见，容易被猜中，请换一个")


# OWASP Password Storage Cheat Sheet minimum for argon2id.
_hasher = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    return _hasher.hash("dummy-password-for-timing")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(stored_hash: str | None, password: str) -> bool:
    """Constant work whether or not an account exists: with no hash, a dummy is verified."""
    try:
        matched = _hasher.verify(stored_hash or _dummy_hash(), password)
    except (VerificationError, InvalidHashError):
        return False
    # An empty stored hash is no hash: only the dummy was checked.
    return matched and bool(stored_hash)


def needs_rehash(stored_hash: str) -> bool:
    return _hasher.check_needs_rehash(stored_hash)
