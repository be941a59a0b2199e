"""电子社保卡扫码登录 during login: the browser's side (show a QR whose code changes every minute,
poll, collect the session once) and the national e-SSC platform's signed callback.

``begin`` stores a record (``essc#<id>``) with a per-record TOTP secret (pyotp, 60-second step;
AES-GCM encrypted under the hall's key) bound to a secret only the asking browser holds (the
HttpOnly ``hall_qr`` cookie; the record keeps its hash), and answers the QR: an https URL of the
hall carrying the record's random id and this minute's code. ``proceed`` is the page's poll: one
GetItem; while the platform has not confirmed it answers ``authorization_pending`` and, when the
minute (the TOTP step) changed since the step the page shows, the new QR. Once confirmed, the
record is marked collected by a conditional write in the session's own transaction.

``confirm_scan`` is the platform's callback (chalicelib/methods/essc_qr/platform.py: the fields
and signature): signature against the platform's public key, timestamp within ±5 minutes, the
nonce used once (a conditional put), the code this minute's or the last minute's; then the
holder's account is resolved by chalicelib.methods.federation (an e-SSC holder is verified, so
assurance 实名) and the record confirmed for it, with a new link claim in the same transaction.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache

from chalicelib import crypto, settings
from chalicelib.clock import to_epoch
from chalicelib.context import RequestContext
from chalicelib.errors import HallError
from chalicelib.flows.login import Authenticated, LinkRequired, Pending, Step
from chalicelib.guards import rate_limits
from chalicelib.methods.browser_binding import binding_hash, bound_record
from chalicelib.observability import count, logger
from chalicelib.store import accounts, essc_logins
from chalicelib.store.errors import LimitExceededError, TryRefusedError

__all__ = ["POLL_AFTER", "PROVIDER", "STEP_SECONDS", "EsscQrLogin", "confirm_scan", "current_code", "qr_url"]

PROVIDER = "essc"
POLL_AFTER = 2  # seconds between polls
STEP_SECONDS = 60  # the QR's code changes every minute (the manual: 每分钟自动更新)
TIMESTAMP_WINDOW = timedelta(minutes=5)
_SECRET_KIND = "essc_totp_secret"  # noqa: S105 - a key-derivation label, not a secret


def _totp(secret: str):
    import pyotp  # loaded with the first e-SSC QR, not at cold start

    return pyotp.TOTP(secret, interval=STEP_SECONDS)


def _step(now: datetime) -> int:
    return to_epoch(now) // STEP_SECONDS


def current_code(secret_cipher: str, now: datetime) -> tuple[int, str]:
    """(the TOTP step, its code) at ``now`` for a stored record's secret."""
    step = _step(now)
    return step, _totp(crypto.decrypt(_SECRET_KIND, secret_cipher)).at(step * STEP_SECONDS)


def _code_matches(secret_cipher: str, code: str, now: datetime) -> bool:
    """This minute's code or the last minute's (a scan just before the QR changed); never a later one."""
    totp = _totp(crypto.decrypt(_SECRET_KIND, secret_cipher))
    step = _step(now)
    return any(crypto.equal(code, totp.at(s * STEP_SECONDS)) for s in (step, step - 1))


def qr_url(qr_id: str, code: str) -> str:
    """What the QR encodes: the hall's page for this id with this minute's code."""
    return f"{settings.get().public_base_url.rstrip('/')}/essc/{qr_id}?c={code}"


def _qr_view(qr_id: str, step: int, code: str) -> dict:
    from chalicelib.methods.app_qr.login import _qr_image

    url = qr_url(qr_id, code)
    return {"qr_url": url, "qr_image": _qr_image(url), "qr_step": step}


@cache
def _request_model() -> type:
    from typing import Literal

    from pydantic import BaseModel, Field

    class EsscQrLoginRequest(BaseModel):
        method: Literal["essc_qr"]
        # The TOTP step of the QR the page shows (a poll): a new QR is sent only when it moved on.
        step: int | None = Field(default=None, ge=0, le=2**40)

    return EsscQrLoginRequest


class EsscQrLogin:
    id = "essc_qr"

    @property
    def request_model(self) -> type:
        return _request_model()

    def begin(self, form: dict, ctx: RequestContext) -> Step:
        import pyotp

        lifetime = settings.get().essc_qr_lifetime
        qr_id = secrets.token_urlsafe(24)
        browser_secret = crypto.new_token()
        cipher = crypto.encrypt(_SECRET_KIND, pyotp.random_base32())
        # A record is made only while this address's hourly window of QR records has room.
        window = rate_limits.qr_login_window(self.id, ctx)
        try:
            essc_logins.create(qr_id, binding_hash(browser_secret), cipher, ctx.now + lifetime, window)
        except LimitExceededError:
            rate_limits.qr_login_window_full(window, ctx)
        except TryRefusedError:
            raise HallError.rate_limited(1) from None
        step, code = current_code(cipher, ctx.now)
        seconds = int(lifetime.total_seconds())
        return Pending(
            qr_id,
            view={**_qr_view(qr_id, step, code), "expires_in": seconds},
            poll_after=POLL_AFTER,
            browser_secret=browser_secret,
            browser_secret_max_age=seconds + 60,
        )

    def proceed(self, flow_id: str, form: dict, ctx: RequestContext) -> Step:
        record = essc_logins.get(flow_id) if flow_id and len(flow_id) <= 64 else None
        # (the binding is checked first: another browser learns nothing of the QR's codes)
        record = bound_record(record, essc_logins.COLLECTED, ctx.browser_secret, ctx.now)
        binding = binding_hash(ctx.browser_secret)
        if record.state == essc_logins.LINK_REQUIRED:
            # The link step's record has this QR's id and binding: the browser's hall_qr secret
            # becomes its hall_link cookie too (chalicelib.methods.federation).
            from chalicelib.methods.federation import LINK_LIFETIME

            return LinkRequired(
                flow_id,
                PROVIDER,
                browser_secret=ctx.browser_secret,
                browser_secret_max_age=int(LINK_LIFETIME.total_seconds()),
            )
        if record.state != essc_logins.CONFIRMED:
            view = {"expires_in": max(int((record.valid_until - ctx.now).total_seconds()), 0)}
            step, code = current_code(record.secret_cipher, ctx.now)
            view["qr_step"] = step
            if form.get("step") != step:
                view.update(_qr_view(flow_id, step, code))
            return Pending(flow_id, view=view, poll_after=POLL_AFTER)
        account = accounts.get(record.account_id) if record.account_id else None
        if account is None:
            raise HallError.login_flow_expired()
        return Authenticated(account, session_writes=(essc_logins.collect(flow_id, binding, ctx.now),))


@dataclass(frozen=True)
class _Vouched:
    """What the platform vouches for, in federation's words (the card is tied to the ID number)."""

    subject: str
    name: str
    id_number: str
    phone: str | None
    assurance: int


def confirm_scan(body: dict, ctx: RequestContext) -> str:
    """The platform's callback: verified, then the record confirmed (or link_required). Answers the state."""
    from chalicelib.methods import federation
    from chalicelib.methods.essc_qr import platform

    public_key = settings.get().essc_platform_public_key
    if not public_key:
        logger.warning("essc_qr is not configured (HALL_ESSC_PLATFORM_PUBLIC_KEY)")
        raise HallError.essc_platform_unavailable()
    try:
        callback = platform.verify(body, public_key)
    except platform.SignatureInvalidError:
        count("EsscCallbackRefused", reason="essc_signature_invalid")
        raise HallError.essc_signature_invalid() from None
    if abs(to_epoch(ctx.now) - callback.timestamp) > TIMESTAMP_WINDOW.total_seconds():
        raise HallError.essc_timestamp_stale()
    try:
        # Kept past the window, so a replay within it always finds the nonce.
        essc_logins.use_nonce(callback.nonce, ctx.now, ctx.now + 3 * TIMESTAMP_WINDOW)
    except essc_logins.NonceReusedError:
        raise HallError.essc_nonce_reused() from None
    record = essc_logins.get(callback.qr_id) if len(callback.qr_id) <= 64 else None
    if (
        record is None
        or record.state != essc_logins.PENDING
        or record.expired(ctx.now)
        or not _code_matches(record.secret_cipher, callback.code, ctx.now)
    ):
        raise HallError.essc_code_invalid()
    id_number = callback.id_number.strip().upper()
    vouched = _Vouched(
        subject=id_number, name=callback.name, id_number=id_number, phone=None, assurance=federation.REAL_NAME_ASSURANCE
    )
    try:
        step = federation.resolve(PROVIDER, EsscQrLogin.id, callback.qr_id, vouched, ctx, bind_to=record.binding_hash)
    except HallError as exc:
        if exc.code == "oidc_token_invalid":  # federation's word for an invalid name or ID number
            raise HallError.essc_identity_invalid() from None
        raise
    try:
        if isinstance(step, Authenticated):
            essc_logins.decide(
                callback.qr_id, essc_logins.CONFIRMED, step.account.account_id, ctx.now, step.session_writes
            )
            state = essc_logins.CONFIRMED
        else:
            essc_logins.decide(callback.qr_id, essc_logins.LINK_REQUIRED, None, ctx.now)
            state = essc_logins.LINK_REQUIRED
    except essc_logins.EsscLoginRefusedError:
        raise HallError.essc_code_invalid() from None
    logger.append_keys(essc_state=state)
    return state
