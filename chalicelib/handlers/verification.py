"""Captchas (图形验证码 and its spoken alternative, 语音验证码) and SMS codes (短信验证码), for every flow."""

from __future__ import annotations

from chalice import Blueprint

from chalicelib.domain import identity
from chalicelib.domain.codes import Purpose
from chalicelib.errors import HallError
from chalicelib.guards import captcha
from chalicelib.handlers import web
from chalicelib.methods import registry
from chalicelib.methods.sms_code import codes
from chalicelib.observability import tracer

bp = Blueprint(__name__)


@bp.route("/api/captchas", methods=["POST"])
@tracer.capture_method
def new_captcha():
    """A captcha to read (the default), or with ``{"kind": "audio"}`` the same check to listen to."""
    request = bp.current_request
    web.require_csrf(request)
    body = web.json_body(request)
    try:
        kind = captcha.CaptchaKind(body.get("kind", captcha.CaptchaKind.IMAGE.value))
    except ValueError:
        raise HallError.validation_failed({"kind": "不支持的验证码类型"}) from None
    challenge = captcha.issue(web.context(request), kind)
    return {
        "captcha_id": challenge.captcha_id,
        "kind": challenge.kind.value,
        challenge.kind.value: challenge.media,  # "image" or "audio": a data: URL
        "expires_in": challenge.expires_in,
    }


@bp.route("/api/sms-codes", methods=["POST"])
@tracer.capture_method
def send_sms_code():
    from chalicelib.handlers.schemas import SmsCodeRequest

    request = bp.current_request
    web.require_csrf(request)
    form = web.parse(request, SmsCodeRequest)
    fields = {}
    try:
        phone = identity.validate_phone(form.phone)
    except identity.InvalidValue as exc:
        fields["phone"] = str(exc)
    try:
        purpose = Purpose(form.purpose)
    except ValueError:
        purpose = None
    # A code is sent only for a flow that exists to read it (recovery, appeals... come later).
    if purpose is None or purpose not in registry.sms_purposes():
        fields["purpose"] = "不支持的验证码用途"
    if fields:
        raise HallError.validation_failed(fields)
    return codes.send(phone, purpose, form.captcha_id, form.captcha_answer, web.context(request))
