"""Password rules (密码设置规则) and password hashing.

The manual's rule, word for word: 8-20位字符,由数字、大小写字母、特殊字符中的三种或以上组成.
On top of it the hall refuses a password that contains the citizen's ID number
or phone number, and one that is easy to guess: a common password (the 10,000
most common, plus well-known Chinese ones) or an obvious variant of one
(Password1!, P@ssw0rd!, Abc@123456, Woaini1314!), or one the zxcvbn strength
estimator, told the citizen's ID number, phone and name, scores below
:data:`MIN_SCORE`. All of these are the one "common" rule for the citizen.

Hashes are argon2id at no less than the OWASP minimum (m=19 MiB, t=2, p=1);
a hash made with older parameters is replaced on the next successful login.
"""

from __future__ import annotations

import string
import threading
from collections.abc import Iterable
from functools import lru_cache
from importlib import resources

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

__all__ = ["MIN_SCORE", "PasswordRuleError", "check_password", "hash_password", "needs_rehash", "verify_password"]

MIN_LENGTH, MAX_LENGTH = 8, 20
RULE_TEXT = "8-20位字符,由数字、大小写字母、特殊字符中的三种或以上组成"
# zxcvbn's 2 is "somewhat guessable": about 10^6 guesses or more, far beyond what
# the lockout (5 tries) and the per-client limit allow online. 3 would refuse every
# 8-character password (zxcvbn puts any 8 random characters at 10^8 guesses: 2),
# which the manual's 8-20 allows.
MIN_SCORE = 2
_SPECIAL = set(string.punctuation)
_ASCII_DIGITS = set(string.digits)
_COMMON_MESSAGE = "密码过于常见，容易被猜中，请换一个"


class PasswordRuleError(ValueError):
    """The password breaks a rule; ``rule`` names which, ``message`` is for the citizen."""

    def __init__(self, rule: str, message: str) -> None:
        super().__init__(message)
        self.rule = rule
        self.message = message


def _word_list(name: str) -> list[str]:
    text = resources.files("chalicelib.domain").joinpath(f"data/{name}").read_text("utf-8")
    return [line.strip().lower() for line in text.splitlines() if line.strip() and not line.startswith("#")]


@lru_cache(maxsize=1)
def _chinese_passwords() -> tuple[str, ...]:
    return tuple(_word_list("common_passwords_zh.txt"))


@lru_cache(maxsize=1)
def _common_passwords() -> frozenset[str]:
    return frozenset(_word_list("common_passwords.txt")) | frozenset(_chinese_passwords())


_EDGES = string.digits + string.punctuation
_NO_PUNCTUATION = str.maketrans("", "", string.punctuation)
# Letters people swap for look-alike digits and signs; 1 and ! stand for i or l.
_LEET = (
    str.maketrans("@43105$7!", "aaeiosst" + "i"),
    str.maketrans("@43105$7!", "aaelosst" + "l"),
)


def _variants(password: str) -> set[str]:
    """The listed passwords this one could be derived from: lower-cased, without any of the
    digits and signs added at either end (Password1! → password1, password), without
    signs inside (Abc@123456 → abc123456), and with look-alikes unfolded (P@ssw0rd → password)."""
    lowered = password.lower()
    n = len(lowered)
    lead = n - len(lowered.lstrip(_EDGES))
    trail = n - len(lowered.rstrip(_EDGES))
    # Every cut within the runs of digits and signs at each end: at most 21 x 21 set lookups.
    cores = {lowered[start:end] for start in range(lead + 1) for end in range(max(start, n - trail), n + 1)}
    cores.add(lowered.translate(_NO_PUNCTUATION))
    return cores | {core.translate(table) for core in cores for table in _LEET}


def _is_common(password: str) -> bool:
    return not _variants(password).isdisjoint(_common_passwords())


# zxcvbn keeps the current user inputs in a module-level dictionary while it scores.
_zxcvbn_lock = threading.Lock()


def _estimated_score(password: str, user_inputs: Iterable[str]) -> int:
    """zxcvbn's 0-4 score, with the citizen's data and the Chinese list as extra words."""
    # Imported here: ~1.7 MB of word lists, paid by the flows that set a password, never by login.
    from zxcvbn import zxcvbn

    words = [*user_inputs, *_chinese_passwords()]
    with _zxcvbn_lock:
        return int(zxcvbn(password, user_inputs=words)["score"])


def _user_inputs(id_number: str | None, phone: str | None, name: str | None) -> list[str]:
    inputs = [value for value in (id_number, phone, name) if value]
    if name:
        # The parts of a Latin name (John O'Neil-Smith → john, neil, smith) are words of their own.
        inputs += [part for part in "".join(c if c.isalpha() else " " for c in name).split() if len(part) >= 3]
    return inputs


def check_password(
    password: str, *, id_number: str | None = None, phone: str | None = None, name: str | None = None
) -> None:
    """Raise :class:`PasswordRuleError` naming the first rule the password breaks.

    ``id_number``, ``phone`` and ``name`` are the citizen's own (normalised), when
    known: a password may not contain the first two, and all three make a
    password that is built from them easier to guess.
    """
    if not MIN_LENGTH <= len(password) <= MAX_LENGTH:
        raise PasswordRuleError("length", f"密码长度应为{MIN_LENGTH}-{MAX_LENGTH}位字符")
    if any(c.isspace() or not c.isascii() or not c.isprintable() for c in password):
        raise PasswordRuleError("charset", "密码只能由数字、大小写字母和特殊字符组成")
    classes = sum(
        (
            any(c in _ASCII_DIGITS for c in password),
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
    # The list first: it is a set lookup, and the estimator costs a few milliseconds.
    if _is_common(password) or _estimated_score(password, _user_inputs(id_number, phone, name)) < MIN_SCORE:
        raise PasswordRuleError("common", _COMMON_MESSAGE)


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
    """Whether the hash was made with other parameters than the hasher's (then it is replaced).

    What ``check_needs_rehash`` decides, without parsing the hash on every login: an
    encoded hash starts with its parameters (``$argon2id$v=19$m=19456,t=2,p=1$``) and
    then holds the salt and the digest in unpadded base64, so that prefix and the
    encoded length are the parameters. Both are worked out once per hasher.
    """
    hasher = _hasher
    form = needs_rehash.__dict__.get("form")
    if form is None or form[0] is not hasher:  # the first call, or another hasher (tests swap it)
        from argon2.low_level import ARGON2_VERSION

        prefix = (
            f"$argon2{hasher.type.name.lower()}$v={ARGON2_VERSION}"
            f"$m={hasher.memory_cost},t={hasher.time_cost},p={hasher.parallelism}$"
        )
        encoded_length = len(prefix) + (4 * hasher.salt_len + 2) // 3 + 1 + (4 * hasher.hash_len + 2) // 3
        form = needs_rehash.__dict__["form"] = (hasher, prefix, encoded_length)
    _, prefix, encoded_length = form
    return not (len(stored_hash) == encoded_length and stored_hash.startswith(prefix))
