"""Registration (个人用户注册)."""

from __future__ import annotations

from chalice import Blueprint

from chalicelib.flows import registration
from chalicelib.handlers import web
from chalicelib.observability import tracer

bp = Blueprint(__name__)


@bp.route("/api/registrations", methods=["POST"])
@tracer.capture_method
def register():
    request = bp.current_request
    web.require_csrf(request)
    form = web.parse(request, registration.RegistrationForm)
    issued = registration.register(form, web.context(request))
    return web.session_response(request, issued, status=201)
