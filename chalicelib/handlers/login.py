"""Login, logout and the current user (个人用户登录)."""

from __future__ import annotations

from chalice import Blueprint, Response

from chalicelib import sessions
from chalicelib.flows import login as login_flow
from chalicelib.handlers import web
from chalicelib.observability import tracer

bp = Blueprint(__name__)


@bp.route("/api/sessions", methods=["POST"])
@tracer.capture_method
def login():
    from chalicelib.handlers.schemas import LoginRequest

    request = bp.current_request
    web.require_csrf(request)
    form = web.parse(request, LoginRequest)
    issued = login_flow.login(form.method, form.model_dump(), web.context(request))
    return web.session_response(request, issued)


@bp.route("/api/sessions/current", methods=["DELETE"])
@tracer.capture_method
def logout():
    request = bp.current_request
    web.require_csrf(request)
    sessions.close(web.session_token(request))
    headers = {} if web.is_app_client(request) else {"Set-Cookie": [web.clear_session_cookie()]}
    return Response({"logged_out": True}, headers=headers)


@bp.route("/api/me", methods=["GET"])
@tracer.capture_method
def me():
    record = web.require_session(bp.current_request)
    return {"user": web.user_view(record)}


@bp.route("/api/csrf", methods=["GET"])
def csrf():
    token = web.new_csrf_token()
    return Response(
        {"csrf_token": token}, headers={"Set-Cookie": [web.csrf_cookie(token)], "Cache-Control": "no-store"}
    )
