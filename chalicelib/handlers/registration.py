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
    from chalicelib.handlers import login_protection  # 登录保护: this device is seen on the new account

    ctx, device_cookie = login_protection.with_device(request, web.login_context(request))
    issued = registration.register(form, ctx, client_retries.idempotency_key(request))
    return login_protection.add_cookie(web.session_response(request, issued, status=201), device_cookie)
