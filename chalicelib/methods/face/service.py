"""人脸识别 (face verification) as one service for the flows that need it: 忘记密码找回
(recovery), 用户申诉 (appeal) and 实人认证 (the 实人用户 level).

A host flow calls :func:`start` for a named person (normalised values) once the citizen has
consented (the page's ``face_consent``); one PutItem stores the check (``face#<id>``, see
chalicelib/store/face_checks.py) bound to the asking browser by the hash of a secret the handler
sets as the HttpOnly ``hall_face`` cookie, with the consent's version and time, and answers the
QR: the hall's ``/face/<id>``, scanned with 支付宝APP or 江苏智慧人社APP. The page polls
(:func:`poll`, one GetItem, RFC 8628's words) until the provider's signed callback
(:func:`receive_callback`: signature, timestamp within ±5 minutes, nonce used once) has decided it,
audited as ``FaceChecked`` on the person's account when there is one. The host then calls
:func:`passed` in its own step: one GetItem, the rules of chalicelib/domain/face_checks.py, and
the conditional write that consumes the check, to commit in the host's own transaction (single
use; a refused write there means the check was used or changed meanwhile: answer
``HallError.face_check_used()``). No face image or template reaches the hall.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta

from chalicelib import crypto, settings
from chalicelib.citizen_data import id_number_mac
from chalicelib.clock import to_epoch
from chalicelib.context import RequestContext
from chalicelib.domain import face_checks as rules
from chalicelib.domain.face_checks import FacePurpose
from chalicelib.domain.masking import mask_id_number, mask_name
from chalicelib.errors import HallError
from chalicelib.methods.browser_binding import binding_hash
from chalicelib.observability import count, logger
from chalicelib.store import face_checks
from chalicelib.store.writes import Write

__all__ = [
    "POLL_AFTER",
    "FacePerson",
    "FacePurpose",
    "FaceStarted",
    "passed",
    "poll",
    "qr_url",
    "receive_callback",
    "start",
]

POLL_AFTER = 2  # seconds between polls
TIMESTAMP_WINDOW = timedelta(minutes=5)
METHOD = "face"  # the method id in audit events and metrics
_MAX_ID = 64


@dataclass(frozen=True)
class FacePerson:
    id_type: str
    id_number: str
    name: str


@dataclass(frozen=True)
class FaceStarted:
    face_id: str
    browser_secret: str
    max_age: int
    view: dict


def qr_url(face_id: str) -> str:
    """What the QR encodes: the hall's page for this check (the apps open the comparison there)."""
    return f"{settings.get().public_base_url.rstrip('/')}/face/{face_id}"


def _qr_image(text: str) -> str:
    from chalicelib.methods.app_qr.login import _qr_image as draw

    return draw(text)


def start(person: FacePerson, purpose: FacePurpose, owner: str, ctx: RequestContext, consent: bool) -> FaceStarted:
    """A new check for ``person`` and ``purpose``, asked by the host record ``owner``; refused
    without the citizen's consent. One PutItem."""
    if consent is not True:
        raise HallError.face_consent_required()
    purpose = FacePurpose(purpose)
    lifetime = settings.get().face_check_lifetime
    face_id = secrets.token_urlsafe(24)
    browser_secret = crypto.new_token()
    valid_until = ctx.now + lifetime
    face_checks.create(
        face_checks.NewFaceCheck(
            face_id=face_id,
            purpose=purpose.value,
            owner=owner,
            binding_hash=binding_hash(browser_secret),
            id_type=person.id_type,
            id_mac=id_number_mac(person.id_number),
            id_masked=mask_id_number(person.id_number),
            name_masked=mask_name(person.name),
            consent_version=rules.CONSENT_VERSION,
            consented_at=ctx.now,
            valid_until=valid_until,
        )
    )
    count("FaceCheckStarted", purpose=purpose.value)
    url = qr_url(face_id)
    view = {
        "face_id": face_id,
        "qr_url": url,
        "qr_image": _qr_image(url),
        "status": "authorization_pending",
        "poll_after": POLL_AFTER,
        "expires_at": valid_until.isoformat(),
    }
    seconds = int(lifetime.total_seconds())
    return FaceStarted(face_id, browser_secret, seconds + 60, view)


def _read(face_id: str, browser_secret: str | None) -> tuple[face_checks.FaceCheck | None, rules.FaceState | None]:
    record = face_checks.get(face_id) if face_id and len(face_id) <= _MAX_ID else None
    if record is None:
        return None, None
    bound = bool(browser_secret) and crypto.equal(binding_hash(browser_secret), record.binding_hash)
    return record, rules.FaceState(record.state, record.owner, record.purpose, record.valid_until, bound)


_REFUSALS = {
    "unknown": HallError.face_check_invalid,
    "other_browser": HallError.face_check_other_browser,
    "used": HallError.face_check_used,
    "pending": HallError.face_check_pending,
    rules.FAILED: HallError.face_check_denied,
}


def poll(face_id: str, browser_secret: str | None, ctx: RequestContext) -> dict:
    """The page's poll (one GetItem): ``authorization_pending`` or ``passed``; a failed check
    answers ``access_denied``, an expired one ``expired_token``."""
    _, state = _read(face_id, browser_secret)
    verdict = rules.poll_verdict(state, ctx.now)
    if verdict == rules.PENDING:
        return {"status": "authorization_pending", "face_id": face_id, "poll_after": POLL_AFTER}
    if verdict == rules.PASSED:
        return {"status": "passed", "face_id": face_id}
    if verdict == "expired":
        raise HallError.expired_token()
    raise _REFUSALS[verdict]()


def passed(face_id: str, owner: str, purpose: FacePurpose, browser_secret: str | None, ctx: RequestContext) -> Write:
    """The write that consumes a passed check, for the host's own transaction; a HallError unless
    the check passed, is ``owner``'s for ``purpose``, unexpired, unused and bound to this browser."""
    record, state = _read(face_id, browser_secret)
    verdict = rules.use_verdict(state, owner, FacePurpose(purpose).value, ctx.now)
    if verdict == "ok":
        return face_checks.consume(face_id, owner, record.purpose, record.binding_hash, ctx.now)
    if verdict == "expired":
        raise HallError.face_check_expired()
    raise _REFUSALS[verdict]()


def receive_callback(body: dict, ctx: RequestContext) -> str:
    """The provider's signed callback: verified, its nonce spent, then the check decided (once).
    Answers the new state (``passed`` or ``failed``)."""
    from chalicelib.methods.face import provider
    from chalicelib.store import accounts, audit, callback_nonces

    configured = provider.configured()
    if configured is None:
        logger.warning("face verification is not configured (HALL_FACE_PROVIDER_PUBLIC_KEY)")
        raise HallError.face_provider_unavailable()
    try:
        result = configured.read_callback(body)
    except provider.SignatureInvalidError:
        count("FaceCallbackRefused", reason="face_signature_invalid")
        raise HallError.face_signature_invalid() from None
    if abs(to_epoch(ctx.now) - result.timestamp) > TIMESTAMP_WINDOW.total_seconds():
        raise HallError.face_timestamp_stale()
    try:
        # Kept past the window, so a replay within it always finds the nonce.
        callback_nonces.use(METHOD, result.nonce, ctx.now, ctx.now + 3 * TIMESTAMP_WINDOW)
    except callback_nonces.NonceReusedError:
        raise HallError.face_nonce_reused() from None
    record = face_checks.get(result.face_id) if len(result.face_id) <= _MAX_ID else None
    if record is None or record.state != rules.PENDING or record.expired(ctx.now):
        raise HallError.face_callback_invalid()
    state = rules.PASSED if result.passed else rules.FAILED
    claim = accounts.id_claim_key(record.id_type, record.id_mac)
    account_id = accounts.find_account_ids([claim]).get(claim)
    events = ()
    if account_id:
        events = (
            audit.event(
                f"account#{account_id}",
                "FaceChecked",
                ctx.now,
                METHOD,
                passed=result.passed,
                purpose=record.purpose,
                channel=result.channel,
            ),
        )
    try:
        face_checks.decide(result.face_id, state, ctx.now, events)
    except face_checks.FaceCheckRefusedError:
        raise HallError.face_callback_invalid() from None
    count("FaceChecked", purpose=record.purpose, result=state)
    logger.append_keys(face_state=state)
    return state
