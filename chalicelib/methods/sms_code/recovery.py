"""SMS code during 忘记密码找回 (短信验证): 移动电话 + 短信验证码, the phone bound to the account.

A code is sent only to the phone bound to the account that the 填写账号 step matched. For
any other phone (or when nothing matched) the hall keeps a code it sent to nobody: the
answer to 获取验证码, the limits, and the answer to a wrong code (tries left) are the same
either way, so neither step tells anyone whether an account exists or which phone it has.

The code is a record of the SMS code kind keyed by the recovery (``sms#recovery#<recovery
id>``): one live code per recovery, its keyed hash bound to the recovery and to the phone it
was sent to, so a code sent for another recovery or to another phone is a wrong code. Its
tries (counted before the comparison), resend interval and single use are those of every
SMS code (chalicelib.store.records); the per-phone and per-client limits are the same too.
"""

from __future__ import annotations

from chalicelib import crypto
from chalicelib.citizen_data import phone_mac
from chalicelib.context import RequestContext
from chalicelib.domain import codes
from chalicelib.domain.identity import InvalidValue
from chalicelib.domain.masking import mask_phone
from chalicelib.errors import HallError
from chalicelib.guards import captcha, rate_limits
from chalicelib.methods.sms_code import codes as sms_codes
from chalicelib.observability import count, logger
from chalicelib.platforms import sms
from chalicelib.store import records

__all__ = ["PURPOSE", "send", "verify"]

PURPOSE = codes.Purpose.RECOVERY


def _hash(recovery_id: str, mac: str, code: str) -> str:
    return crypto.hash_code(PURPOSE.value, f"{recovery_id}#{mac}", code)


def send(
    recovery_id: str,
    bound_phone_mac: str | None,
    phone: str,
    captcha_id: str,
    captcha_answer: str,
    ctx: RequestContext,
) -> dict:
    """Send a code to ``phone`` (validated) if it is the bound one; answer the same in every case."""
    captcha.check(captcha_id, captcha_answer, ctx)
    mac = phone_mac(phone)
    rate_limits.sms_send(phone, mac, ctx)  # counted for any phone typed: the limits answer alike
    code = codes.new_sms_code()
    code_hash = _hash(recovery_id, mac, code)
    try:
        records.start_sms_code(PURPOSE.value, recovery_id, code_hash, ctx.now, codes.SMS_CODE)
    except codes.ResendTooSoon as exc:
        raise HallError.sms_resend_too_soon(exc.retry_after) from None
    except codes.CodeExhausted:
        raise HallError.sms_code_exhausted() from None
    if bound_phone_mac and crypto.equal(mac, bound_phone_mac):
        try:
            sms.sender().send(phone, codes.sms_text(PURPOSE, code))
        except Exception:
            logger.exception("sms gateway failed", extra={"purpose": PURPOSE.value})
            count("SmsSendFailed", purpose=PURPOSE.value)
            # A code the gateway did not take is void, as every other send's (sms_code.codes).
            sms_codes.withdraw_undelivered(PURPOSE, recovery_id, code_hash)
            raise HallError.sms_unavailable(int(codes.SMS_CODE.resend_interval.total_seconds())) from None
        count("SmsCodeSent", purpose=PURPOSE.value)
    else:
        count("RecoveryCodeWithheld")  # not the bound phone, or no account: nobody is sent the code
    logger.append_keys(event="recovery code asked", sms_purpose=PURPOSE.value, phone=mask_phone(phone))
    return {
        "phone_masked": mask_phone(phone),
        "resend_after": int(codes.SMS_CODE.resend_interval.total_seconds()),
        "expires_in": int(codes.SMS_CODE.lifetime.total_seconds()),
    }


def verify(recovery_id: str, bound_phone_mac: str | None, phone: str, code: str, ctx: RequestContext) -> None:
    """Accept the code once for this recovery and this phone, or raise the matching error.

    A code that is not 6 ASCII digits once normalised is a field error and does not count
    as a wrong try (it could never match)."""
    try:
        code = codes.validate_sms_code(code)
    except InvalidValue as exc:
        raise HallError.validation_failed({"sms_code": str(exc)}) from None
    mac = phone_mac(phone)
    try:
        records.verify_sms_code(PURPOSE.value, recovery_id, _hash(recovery_id, mac, code), ctx.now, codes.SMS_CODE)
    except codes.CodeMismatch as exc:
        count("SmsCodeRejected", purpose=PURPOSE.value)
        raise HallError.sms_code_invalid(exc.tries_left) from None
    except codes.CodeExhausted:
        count("SmsCodeRejected", purpose=PURPOSE.value)
        raise HallError.sms_code_exhausted() from None
    except codes.CodeExpired:
        raise HallError.sms_code_expired() from None
    if not (bound_phone_mac and crypto.equal(mac, bound_phone_mac)):
        # Only a guess of a code sent to nobody gets here (a one-in-a-million chance per try):
        # that code is spent, and proves nothing.
        raise HallError.sms_code_expired()
