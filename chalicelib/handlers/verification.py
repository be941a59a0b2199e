"""Graphic captchas and SMS codes (图形验证码, 短信验证码), for every flow that needs them."""

from __future__ import annotations

from chalice import Blueprint

from chalicelib.domain import identity
from chalicelib.domain.codes import Purpose
from chalicelib.errors import HallError
from chalicelib.guards import captcha
from chalicelib.handlers import web
from chalicelib.methods.sms_code import codes
from chalicelib.observability import tracer

bp = Blueprint(__name__)


@bp.route("/api/captchas", methods=["POST"])
@tracer.capture_method
def new_captcha():
    request = bp.current_request
    web.require_csrf(request)
    web.json_body(request)  # no fields, but a body is refused like any POST's when malformed
    challenge = captcha.issue(web.context(request))
    return {"captcha_id": challenge.captcha_id, "image": challenge.image, "expires_in": challenge.expires_in}


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
        fields["purpose"] = "不支持的验证码用途"
    if fields:
        raise HallError.validation_failed(fields)
    return codes.send(phone, purpose, form.captcha_id, form.captcha_answer, web.context(request))
