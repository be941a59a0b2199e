"""The graphic captcha (图形验证码) solved before any SMS is sent, and its spoken alternative.

Single use (a wrong answer uses it up too), valid 2 minutes, stored as a keyed
hash. In the dev stage only, each answer is also written to the dev outbox so
that testers and browser tests can complete every flow.

A citizen who cannot see the picture asks for the spoken kind (语音验证码, WCAG
1.1.1): digits read out as a WAV. It is the same captcha in every other way: the
same per-client limit, lifetime, record and check, so either kind answers for the
other wherever a captcha is asked.
"""

from __future__ import annotations

import base64
import secrets
from dataclasses import dataclass
from enum import Enum

from chalicelib import crypto, settings
from chalicelib.context import RequestContext
from chalicelib.domain.codes import AUDIO_CAPTCHA, CAPTCHA, new_captcha_text, normalize_captcha_answer
from chalicelib.errors import HallError
from chalicelib.guards import rate_limits
from chalicelib.observability import count
from chalicelib.store import records

__all__ = ["CaptchaKind", "Challenge", "check", "issue"]


class CaptchaKind(str, Enum):
    """What the citizen is given to answer. The value is the API's ``kind`` and the answer's field."""

    IMAGE = "image"
    AUDIO = "audio"


@dataclass(frozen=True)
class Challenge:
    captcha_id: str
    kind: CaptchaKind
    media: str  # data: URL: a PNG to read (IMAGE) or a WAV to listen to (AUDIO)
    expires_in: int


def _render(text: str) -> bytes:
    # Pillow and the captcha library are only loaded by the flow that draws.
    from captcha.image import ImageCaptcha

    return ImageCaptcha(width=160, height=60).generate(text).getvalue()


def _speak(text: str) -> bytes:
    # Only loaded by the flow that speaks (cold start).
    from chalicelib.guards.captcha_audio import speak

    return speak(text)


def issue(ctx: RequestContext, kind: CaptchaKind = CaptchaKind.IMAGE) -> Challenge:
    rate_limits.captcha_per_client(ctx)
    text = new_captcha_text(AUDIO_CAPTCHA) if kind is CaptchaKind.AUDIO else new_captcha_text()
    captcha_id = secrets.token_urlsafe(16)
    records.put_captcha(captcha_id, crypto.hash_code("captcha", captcha_id, text), ctx.now + CAPTCHA.lifetime)
    if settings.get().is_dev:
        from chalicelib.platforms.sms import outbox

        outbox().append({"kind": "captcha", "captcha_id": captcha_id, "answer": text, "captcha_kind": kind.value})
    count("CaptchaIssued")
    if kind is CaptchaKind.AUDIO:
        media = "data:audio/wav;base64," + base64.b64encode(_speak(text)).decode()
    else:
        media = "data:image/png;base64," + base64.b64encode(_render(text)).decode()
    return Challenge(captcha_id, kind, media, int(CAPTCHA.lifetime.total_seconds()))


def check(captcha_id: str, answer: str, ctx: RequestContext) -> None:
    """Use the captcha up; raise ``captcha_invalid`` unless the answer was right.

    An answer with characters outside the captcha's alphabet (another script's
    digits, say) is wrong like any other: the captcha is used up all the same.
    """
    stored = records.consume_captcha(captcha_id, ctx.now) if captcha_id else None
    normalized = normalize_captcha_answer(answer)
    given = crypto.hash_code("captcha", captcha_id or "", normalized)
    if stored is None or not normalized or not crypto.equal(stored, given):
        count("CaptchaFailed")
        raise HallError.captcha_invalid()
