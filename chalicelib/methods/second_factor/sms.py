"""SMS code as a second step (登录保护): a code to the account's bound phone, keyed by the step.

The code is a record of the SMS code kind keyed by the second step (``sms#second_step#<step
id>``): one live code per step, its keyed hash bound to the step. Its tries (counted before
the comparison), resend interval and single use are those of every SMS code
(chalicelib.store.records); the per-phone and per-client daily limits are the same too. No
graphic captcha: the password was just proved, and the step's record bounds its sends.
"""

from __future__ import annotations

from chalicelib import crypto
from chalicelib.citizen_data import phone_mac
from chalicelib.context import RequestContext
from chalicelib.domain import codes
from chalicelib.domain.identity import InvalidValue
from chalicelib.domain.masking import mask_phone
from chalicelib.errors import HallError
from chalicelib.guards import rate_limits
from chalicelib.observability import count, logger
from chalicelib.platforms import sms
from chalicelib.store import records

__all__ = ["PURPOSE", "send", "verify"]

PURPOSE = "second_step"


def _hash(step_id: str, code: str) -> str:
    return crypto.hash_code(PURPOSE, step_id, code)


def text(code: str) -> str:
    minutes = int(codes.SMS_CODE.lifetime.total_seconds() // 60)
    return (
        f"【江苏人社】您正在登录网上办事大厅，登录验证码为{code}，{minutes}分钟内有效。如非本人操作，请立即修改密码。"
    )


def send(step_id: str, phone: str, ctx: RequestContext) -> dict:
    rate_limits.sms_send(phone, phone_mac(phone), ctx)  # every cap reserved before the code is made
    code = codes.new_sms_code()
    try:
        records.start_sms_code(PURPOSE, step_id, _hash(step_id, code), ctx.now, codes.SMS_CODE)
    except codes.ResendTooSoon as exc:
        raise HallError.sms_resend_too_soon(exc.retry_after) from None
    except codes.CodeExhausted:
        raise HallError.sms_code_exhausted() from None
    try:
        sms.sender().send(phone, text(code))
    except Exception:
        logger.exception("sms gateway failed", extra={"purpose": PURPOSE})
        count("SmsSendFailed", purpose=PURPOSE)
        try:  # a code the gateway did not take is void
            records.withdraw_sms_code(PURPOSE, step_id, _hash(step_id, code))
        except Exception:
            logger.exception("undelivered sms code not withdrawn", extra={"purpose": PURPOSE})
        raise HallError.sms_unavailable(int(codes.SMS_CODE.resend_interval.total_seconds())) from None
    count("SmsCodeSent", purpose=PURPOSE)
    logger.append_keys(event="second step code sent", sms_purpose=PURPOSE, phone=mask_phone(phone))
    return {
        "phone_masked": mask_phone(phone),
        "resend_after": int(codes.SMS_CODE.resend_interval.total_seconds()),
        "expires_in": int(codes.SMS_CODE.lifetime.total_seconds()),
    }


def verify(step_id: str, code: str, ctx: RequestContext) -> None:
    """Accept the code once for this step, or raise the matching error (a code that is not 6
    ASCII digits is a field error and no try)."""
    try:
        code = codes.validate_sms_code(code)
    except InvalidValue as exc:
        raise HallError.validation_failed({"code": str(exc)}) from None
    try:
        records.verify_sms_code(PURPOSE, step_id, _hash(step_id, code), ctx.now, codes.SMS_CODE)
    except codes.CodeMismatch as exc:
        count("SmsCodeRejected", purpose=PURPOSE)
        raise HallError.sms_code_invalid(exc.tries_left) from None
    except codes.CodeExhausted:
        count("SmsCodeRejected", purpose=PURPOSE)
        raise HallError.sms_code_exhausted() from None
    except codes.CodeExpired:
        raise HallError.sms_code_expired() from None
