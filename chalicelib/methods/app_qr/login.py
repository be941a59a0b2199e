"""扫码登录 during login: the browser's side (show a QR, poll, collect the session once).

``begin`` stores a QR record bound to a secret only the asking browser holds (an HttpOnly
cookie; the record keeps its hash) and answers the QR: an https URL of the hall carrying
only the record's random id. ``proceed`` is the page's poll: one GetItem and no write
while the app has not confirmed (RFC 8628's words); once confirmed, the record is marked
collected by a conditional write in the session's own transaction, so one browser, once,
gets the session.
"""

from __future__ import annotations

import secrets
from functools import cache

from chalicelib import crypto, settings
from chalicelib.context import RequestContext
from chalicelib.errors import HallError
from chalicelib.flows.login import Authenticated, Pending, Step
from chalicelib.guards import rate_limits
from chalicelib.methods.browser_binding import binding_hash, bound_record
from chalicelib.store import accounts, qr_logins
from chalicelib.store.errors import LimitExceededError, TryRefusedError

__all__ = ["POLL_AFTER", "AppQrLogin", "qr_url"]

POLL_AFTER = 2  # seconds between polls


def qr_url(qr_id: str) -> str:
    """What the QR encodes: the hall's page for this id (the app reads the id from it)."""
    return f"{settings.get().public_base_url.rstrip('/')}/qr/{qr_id}"


def _qr_image(text: str) -> str:
    import base64
    import io

    import qrcode  # loaded with the first QR, not at cold start

    image = qrcode.make(text, box_size=6, border=4)  # the quiet zone phone cameras expect (4 modules)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return "data:image/png;base64," + base64.b64encode(out.getvalue()).decode("ascii")


@cache
def _request_model() -> type:
    from typing import Literal

    from pydantic import BaseModel

    class AppQrLoginRequest(BaseModel):
        method: Literal["app_qr"]

    return AppQrLoginRequest


class AppQrLogin:
    id = "app_qr"

    @property
    def request_model(self) -> type:
        return _request_model()

    def begin(self, form: dict, ctx: RequestContext) -> Step:
        lifetime = settings.get().qr_login_lifetime
        qr_id = secrets.token_urlsafe(24)
        secret = crypto.new_token()
        # A record is made only while this address's hourly window of QR records has room.
        window = rate_limits.qr_login_window(self.id, ctx)
        try:
            qr_logins.create(
                qr_id, binding_hash(secret), ctx.now, ctx.now + lifetime, ctx.client_ip, ctx.user_agent, window
            )
        except LimitExceededError:
            rate_limits.qr_login_window_full(window, ctx)
        except TryRefusedError:
            raise HallError.rate_limited(1) from None
        url = qr_url(qr_id)
        seconds = int(lifetime.total_seconds())
        return Pending(
            qr_id,
            view={"qr_url": url, "qr_image": _qr_image(url), "expires_in": seconds, "scanned": False},
            poll_after=POLL_AFTER,
            browser_secret=secret,
            browser_secret_max_age=seconds + 60,
        )

    def proceed(self, flow_id: str, form: dict, ctx: RequestContext) -> Step:
        record = qr_logins.get(flow_id) if flow_id and len(flow_id) <= 64 else None
        record = bound_record(record, qr_logins.COLLECTED, ctx.browser_secret, ctx.now)
        binding = binding_hash(ctx.browser_secret)
        if record.state == qr_logins.CANCELLED:
            raise HallError.access_denied()
        if record.state != qr_logins.CONFIRMED:
            left = max(int((record.valid_until - ctx.now).total_seconds()), 0)
            return Pending(
                flow_id,
                view={"scanned": record.state == qr_logins.SCANNED, "expires_in": left},
                poll_after=POLL_AFTER,
            )
        account = accounts.get(record.scanned_by) if record.scanned_by else None
        if account is None:
            raise HallError.login_flow_expired()
        return Authenticated(account, session_writes=(qr_logins.collect(flow_id, binding, ctx.now),))
