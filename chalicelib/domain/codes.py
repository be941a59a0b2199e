"""One-time codes: SMS verification codes (短信验证码) and graphic captchas (图形验证码).

An SMS code is 6 digits, valid 5 minutes, single use, dead after 5 wrong tries,
bound to one phone and one purpose. A resend replaces the previous code (which
dies) but keeps its wrong-try count; resends come no sooner than 60 seconds and
at most 10 a day per phone. A graphic captcha must be solved before any SMS is
sent: single use, valid 2 minutes. Its spoken alternative (语音验证码), for citizens
who cannot see the picture, is the same check with digits heard instead of letters seen.

What a citizen types back is folded like every identifier (full-width forms and
letter case only, :mod:`chalicelib.domain.folding`): another script's digits
are never read as 0-9.
"""

from __future__ import annotations

import hmac
import secrets
from datetime import timedelta
from enum import Enum

from chalicelib.domain.folding import ASCII_DIGITS, fold_full_width, upper_ascii
from chalicelib.domain.identity import InvalidValue

__all__ = [
    "AUDIO_CAPTCHA",
    "CAPTCHA",
    "SMS_CODE",
    "Purpose",
    "judge_code",
    "new_captcha_text",
    "new_sms_code",
    "normalize_captcha_answer",
    "normalize_sms_code",
    "validate_sms_code",
]


class Purpose(str, Enum):
    """What an SMS code may be used for. Stored in data; never rename."""

    REGISTER = "register"
    LOGIN = "login"
    RECOVERY = "recovery"
    APPEAL = "appeal"
    CHANGE_PHONE = "change_phone"
    LINK = "link"  # proving an account (by its bound phone) to tie a federated login to it
    REAUTH = "reauth"  # 身份确认 before 个人信息导出 or 注销账号 (sent only to the bound phone)

    @property
    def label(self) -> str:
        return {
            "register": "注册",
            "login": "登录",
            "recovery": "找回密码",
            "appeal": "用户申诉",
            "change_phone": "修改移动电话",
            "link": "账号关联",
            "reauth": "身份确认",
        }[self.value]


class SmsCodePolicy:
    length = 6
    lifetime = timedelta(minutes=5)
    max_wrong_tries = 5
    resend_interval = timedelta(seconds=60)


class CaptchaPolicy:
    length = 4
    lifetime = timedelta(minutes=2)
    # No 0/O, 1/I/L: a citizen should not fail on a glyph.
    alphabet = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"


class AudioCaptchaPolicy(CaptchaPolicy):
    """The spoken captcha (WCAG 1.1.1): same lifetime and single use, read out as digits.

    The captcha library's only voice reads English; letters heard that way are easily
    confused (B/D/E/G/P/T/V/Z) and less widely known than digits, so it says digits only,
    six of them, about as hard to guess as the picture's four letters and digits.
    """

    length = 6
    alphabet = "0123456789"


SMS_CODE = SmsCodePolicy()
CAPTCHA = CaptchaPolicy()
AUDIO_CAPTCHA = AudioCaptchaPolicy()


def new_sms_code() -> str:
    return f"{secrets.randbelow(10**SMS_CODE.length):0{SMS_CODE.length}d}"


def new_captcha_text(policy: CaptchaPolicy = CAPTCHA) -> str:
    return "".join(secrets.choice(policy.alphabet) for _ in range(policy.length))


def normalize_sms_code(raw: str | None) -> str:
    """A typed SMS code, trimmed and with full-width digits folded. Never raises."""
    return fold_full_width(raw).strip()


def validate_sms_code(raw: str | None) -> str:
    """Return the code as 6 ASCII digits, or raise :class:`InvalidValue` (message for the ``sms_code`` field)."""
    code = normalize_sms_code(raw)
    if not code:
        raise InvalidValue("请输入短信验证码")
    if len(code) != SMS_CODE.length or not set(code) <= ASCII_DIGITS:
        raise InvalidValue(f"请输入{SMS_CODE.length}位数字短信验证码")
    return code


# One check for both kinds (it does not know which was issued): a digit typed for the picture,
# which has no 0 or 1, is a wrong answer like any other.
_CAPTCHA_ALPHABET = frozenset(CAPTCHA.alphabet) | frozenset(AUDIO_CAPTCHA.alphabet)


def normalize_captcha_answer(raw: str | None) -> str:
    """A typed captcha answer in the captchas' alphabets (trimmed, full-width folded, upper-cased),
    or "" when it holds any other character: such an answer can only be wrong."""
    answer = upper_ascii(fold_full_width(raw).strip())
    return answer if set(answer) <= _CAPTCHA_ALPHABET else ""


def sms_text(purpose: Purpose, code: str) -> str:
    minutes = int(SMS_CODE.lifetime.total_seconds() // 60)
    return f"【江苏人社】您的{purpose.label}验证码为{code}，{minutes}分钟内有效。如非本人操作，请忽略本短信。"


class CodeError(Exception):
    """Why a one-time code was not accepted."""


class CodeExpired(CodeError):
    """No live code: never sent, expired, already used, or replaced by a resend."""


class CodeExhausted(CodeError):
    """Too many wrong tries; a new code can be requested once this one has expired."""


class CodeMismatch(CodeError):
    def __init__(self, tries_left: int) -> None:
        super().__init__(tries_left)
        self.tries_left = tries_left


class ResendTooSoon(CodeError):
    def __init__(self, retry_after: int) -> None:
        super().__init__(retry_after)
        self.retry_after = retry_after


def judge_code(stored_hash: str, candidate_hash: str, tries_counted: int, policy: SmsCodePolicy) -> None:
    """The rule for a code whose try has already been counted (``tries_counted`` includes it).

    Returns when the candidate matches; otherwise raises :class:`CodeMismatch` with the
    tries left, or :class:`CodeExhausted` when this was the last one. Comparison is in
    constant time: the hashes are keyed MACs of a 6-digit code.
    """
    if hmac.compare_digest(stored_hash.encode(), candidate_hash.encode()):
        return
    tries_left = policy.max_wrong_tries - tries_counted
    if tries_left <= 0:
        raise CodeExhausted()
    raise CodeMismatch(tries_left)
