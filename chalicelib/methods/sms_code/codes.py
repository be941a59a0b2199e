"""Sending an SMS code (after the graphic captcha) and checking one, for any purpose."""

from __future__ import annotations

from chalicelib import crypto
from chalicelib.citizen_data import phone_mac
from chalicelib.context import RequestContext
from chalicelib.domain import codes
from chalicelib.domain.identity import InvalidValue
from chalicelib.domain.masking import mask_phone
from chalicelib.errors import HallError
from chalicelib.guards import captcha, rate_limits
from chalicelib.observability import count, logger
from chalicelib.platforms import sms
from chalicelib.store import records

__all__ = ["accept", "send", "verify", "withdraw_undelivered"]


def send(phone: str, purpose: codes.Purpose, captcha_id: str, captcha_answer: str, ctx: RequestContext) -> dict:
    """Send a code to a validated phone. Answers the same whether or not the phone has an account."""
    captcha.check(captcha_id, captcha_answer, ctx)
    mac = phone_mac(phone)
    rate_limits.sms_send(phone, mac, ctx)  # every cap reserved before the code is made
    code = codes.new_sms_code()
    try:
        records.start_sms_code(purpose.value, mac, crypto.hash_code(purpose.value, mac, code), ctx.now, codes.SMS_CODE)
    except codes.ResendTooSoon as exc:
        raise HallError.sms_resend_too_soon(exc.retry_after) from None
    except codes.CodeExhausted:
        raise HallError.sms_code_exhausted() from None
    try:
        sms.sender().send(phone, codes.sms_text(purpose, code))
    except Exception:
        # The gateway refused or failed: never report a code as sent. The exception
        # (no phone, no code in it: they travel in the request, not the error) is logged.
        logger.exception("sms gateway failed", extra={"purpose": purpose.value})
        count("SmsSendFailed", purpose=purpose.value)
        withdraw_undelivered(purpose, mac, crypto.hash_code(purpose.value, mac, code))
        raise HallError.sms_unavailable(int(codes.SMS_CODE.resend_interval.total_seconds())) from None
    count("SmsCodeSent", purpose=purpose.value)
    # Facts for the request's one log line (the middleware writes it when the answer is ready).
    logger.append_keys(event="sms code sent", sms_purpose=purpose.value, phone=mask_phone(phone))
    return {
        "phone_masked": mask_phone(phone),
        "resend_after": int(codes.SMS_CODE.resend_interval.total_seconds()),
        "expires_in": int(codes.SMS_CODE.lifetime.total_seconds()),
    }


def verify(phone: str, purpose: codes.Purpose, code: str, ctx: RequestContext) -> None:
    """Accept the code once, or raise the matching error.

    A code that is not 6 ASCII digits once normalised is a field error and does
    not count as a wrong try (it could never match).
    """
    _judged(phone, purpose, code, ctx, records.verify_sms_code)


def accept(phone: str, purpose: codes.Purpose, code: str, ctx: RequestContext):
    """As :func:`verify`, but the code's use is handed back as a store write for the caller's
    own transaction (a registration's): a transaction that fails does not spend the code."""
    return _judged(phone, purpose, code, ctx, records.sms_code_use)


def _judged(phone: str, purpose: codes.Purpose, code: str, ctx: RequestContext, check):
    try:
        code = codes.validate_sms_code(code)
    except InvalidValue as exc:
        raise HallError.validation_failed({"sms_code": str(exc)}) from None
    mac = phone_mac(phone)
    try:
        return check(purpose.value, mac, crypto.hash_code(purpose.value, mac, code), ctx.now, codes.SMS_CODE)
    except codes.CodeMismatch as exc:
        count("SmsCodeRejected", purpose=purpose.value)
        raise HallError.sms_code_invalid(exc.tries_left) from None
    except codes.CodeExhausted:
        count("SmsCodeRejected", purpose=purpose.value)
        raise HallError.sms_code_exhausted() from None
    except codes.CodeExpired:
        raise HallError.sms_code_expired() from None


def withdraw_undelivered(purpose: codes.Purpose, subject: str, code_hash: str) -> None:
    """A code the gateway did not take is void: it can never be used, whoever guesses it. The
    send stays counted (the caps count every send asked for); ``sms_unavailable`` says when
    the phone may be sent the next one. Best effort: when the store fails too, the code was
    still never shown to anyone."""
    try:
        records.withdraw_sms_code(purpose.value, subject, code_hash)
    except Exception:
        logger.exception("undelivered sms code not withdrawn", extra={"purpose": purpose.value})
