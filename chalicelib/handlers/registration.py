"""Registration (个人用户注册)."""

from __future__ import annotations

from chalice import Blueprint

from chalicelib.flows import registration
from chalicelib.handlers import client_retries, web
from chalicelib.observability import tracer

bp = Blueprint(__name__)


@bp.route("/api/registrations", methods=["POST"])
@tracer.capture_method
def register():
    request = bp.current_request
    web.require_csrf(request)
    form = web.parse(request, registration.RegistrationForm)
    issued = registration.register(form, web.context(request), client_retries.idempotency_key(request))
    from chalicelib.handlers import login_protection  # 登录保护: this device is now seen on the account

    response = web.session_response(request, issued, status=201)
    return login_protection.remember_device(request, response, issued.record.account_id)
