"""The graphic captcha (图形验证码) solved before any SMS is sent.

Single use (a wrong answer uses it up too), valid 2 minutes, stored as a keyed
hash. In the dev stage only, each answer is also written to the dev outbox so
that testers and browser tests can complete every flow.
"""

from __future__ import annotations

import base64
import secrets
from dataclasses import dataclass

from chalicelib import crypto, settings
from chalicelib.context import RequestContext
from chalicelib.domain.codes import CAPTCHA, new_captcha_text, normalize_captcha_answer
from chalicelib.errors import HallError
from chalicelib.guards import rate_limits
from chalicelib.observability import count
from chalicelib.store import flows

__all__ = ["Challenge", "check", "issue"]


@dataclass(frozen=True)
class Challenge:
    captcha_id: str
    image: str  # data: URL of a PNG
    expires_in: int


def _render(text: str) -> bytes:
    # Pillow and the captcha library are only loaded by the flow that draws.
    from captcha.image import ImageCaptcha

    return ImageCaptcha(width=160, height=60).generate(text).getvalue()


def issue(ctx: RequestContext) -> Challenge:
    rate_limits.captcha_per_client(ctx)
    text = new_captcha_text()
    captcha_id = secrets.token_urlsafe(16)
    flows.put_captcha(captcha_id, crypto.hash_code("captcha", captcha_id, text), ctx.now + CAPTCHA.lifetime)
    if settings.get().is_dev:
        from chalicelib.platforms.sms import outbox

        outbox().append({"kind": "captcha", "captcha_id": captcha_id, "answer": text})
    count("CaptchaIssued")
    png = base64.b64encode(_render(text)).decode()
    return Challenge(captcha_id, f"data:image/png;base64,{png}", int(CAPTCHA.lifetime.total_seconds()))


def check(captcha_id: str, answer: str, ctx: RequestContext) -> None:
    """Use the captcha up; raise ``captcha_invalid`` unless the answer was right.

    An answer with characters outside the captcha's alphabet (another script's
    digits, say) is wrong like any other: the captcha is used up all the same.
    """
    stored = flows.consume_captcha(captcha_id, ctx.now) if captcha_id else None
    normalized = normalize_captcha_answer(answer)
    given = crypto.hash_code("captcha", captcha_id or "", normalized)
    if stored is None or not normalized or not crypto.equal(stored, given):
        count("CaptchaFailed")
        raise HallError.captcha_invalid()
