"""Login, logout and the current user (个人用户登录).

``POST /api/sessions`` begins a login by any method; a method of several steps
(a QR polled, an identity provider's redirect) goes on through
``POST /api/login-flows/{flow_id}`` (JSON) or ``GET /login/callback/{method}``
(a browser coming back from a provider). Which methods exist is the registry's
word (chalicelib.methods.registry); this module renders what the flow answers.
"""

from __future__ import annotations

from chalice import Blueprint, Response

from chalicelib import sessions
from chalicelib.flows import login as login_flow
from chalicelib.handlers import web
from chalicelib.methods import registry
from chalicelib.observability import tracer

bp = Blueprint(__name__)


def _form(request) -> tuple:
    body = web.json_body(request)
    method = registry.login_method(str(body.get("method") or ""))
    form = web.parse(request, registry.login_request_model(), body)
    return method, form.model_dump()


@bp.route("/api/sessions", methods=["POST"])
@tracer.capture_method
def login():
    request = bp.current_request
    web.require_csrf(request)
    method, form = _form(request)
    return _render(request, login_flow.begin(method, form, web.context(request)))


@bp.route("/api/login-flows/{flow_id}", methods=["POST"])
@tracer.capture_method
def continue_login(flow_id):
    request = bp.current_request
    web.require_csrf(request)
    method, form = _form(request)
    return _render(request, login_flow.proceed(method, flow_id, form, web.context(request)))


@bp.route("/login/callback/{method_id}", methods=["GET"])
@tracer.capture_method
def login_callback(method_id):
    """A browser sent back by an identity provider (``state`` names the login flow)."""
    request = bp.current_request
    method = registry.login_method(method_id)
    query = dict(request.query_params or {})
    outcome = login_flow.proceed(method, str(query.get("state") or ""), query, web.context(request))
    if outcome.session is not None:
        return web.session_redirect(request, outcome.session, "/")
    return _render(request, outcome)


def _render(request, outcome: login_flow.Outcome) -> Response:
    if outcome.session is not None:
        return web.session_response(request, outcome.session)
    step = outcome.step
    if isinstance(step, login_flow.Redirect):
        return web.redirect(step.location)
    if isinstance(step, login_flow.LinkRequired):
        return Response(
            {"status": "link_required", "flow_id": step.flow_id, "provider": step.provider}, status_code=202
        )
    body = {"status": step.status, "flow_id": step.flow_id, **step.view}
    if step.poll_after is not None:
        body["poll_after"] = step.poll_after
    return Response(body, status_code=202)


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
