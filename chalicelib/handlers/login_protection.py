"""登录保护: the login's second step and the user center's page for turning it on or off.

``POST /api/login-steps/{step_id}`` finishes a password login waiting for its second step (an
SMS code, an authenticator's code or a recovery code; 200 with the session, as password login),
``.../sms-codes`` sends the SMS code. A browser's step is bound by the HttpOnly ``hall_step``
cookie, an app's by the ``step_secret`` it was answered. The account's side:
``GET /api/account/login-protection``, ``POST .../sms`` (on by SMS code), ``POST
.../authenticator`` (a secret and its QR) and ``.../authenticator/confirm`` (on, with the first
code), ``POST .../disable``; the page ``/user/login-protection``. The flow:
chalicelib.flows.login_protection. Also the device cookie (``hall_device``) a login is from.
"""

from __future__ import annotations

import secrets
from dataclasses import replace

from chalice import Blueprint, Response

from chalicelib.context import RequestContext
from chalicelib.flows import login as login_flow
from chalicelib.flows import login_protection
from chalicelib.handlers import web
from chalicelib.observability import tracer

bp = Blueprint(__name__)

DEVICE_MAX_AGE = 400 * 24 * 3600  # the longest a browser keeps a cookie (RFC 6265bis)


def with_device(request, ctx: RequestContext) -> tuple[RequestContext, str | None]:
    """The login's context with this browser's device id: a new random one (and the Set-Cookie
    that keeps it) when it has none. An app names its own in ``X-Hall-Device``."""
    if ctx.device_id or web.is_app_client(request):
        return ctx, None
    device = secrets.token_urlsafe(24)
    return replace(ctx, device_id=device), web.preference_cookie(web.DEVICE_COOKIE, device, DEVICE_MAX_AGE)


def add_cookie(response: Response, cookie: str | None) -> Response:
    if cookie:
        existing = response.headers.get("Set-Cookie") or []
        response.headers["Set-Cookie"] = [*([existing] if isinstance(existing, str) else existing), cookie]
    return response


def second_step_response(request, step: login_flow.SecondStepRequired) -> Response:
    """202: the second step the login waits for; a browser gets the binding cookie, an app the secret."""
    body = {
        "status": "second_step_required",
        "flow_id": step.flow_id,
        "ways": list(step.ways),
        "reason": step.reason,
        "phone_masked": step.phone_masked,
        "expires_in": step.expires_in,
    }
    if web.is_app_client(request):
        body["step_secret"] = step.browser_secret
        return Response(body, status_code=202, headers={"Cache-Control": "no-store"})
    cookie = web.login_binding_cookie(step.browser_secret, step.browser_secret_max_age, login_protection.BINDING_COOKIE)
    return Response(body, status_code=202, headers={"Set-Cookie": [cookie], "Cache-Control": "no-store"})


def _secret(request, form) -> str | None:
    if web.is_app_client(request):
        return form.step_secret
    return web.cookies(request).get(login_protection.BINDING_COOKIE)


@bp.route("/api/login-steps/{step_id}/sms-codes", methods=["POST"])
@tracer.capture_method
def send_code(step_id):
    request = bp.current_request
    web.require_csrf(request)
    form = web.parse(request, login_protection.SendForm)
    return login_protection.send_code(step_id, _secret(request, form), web.context(request))


@bp.route("/api/login-steps/{step_id}", methods=["POST"])
@tracer.capture_method
def finish(step_id):
    request = bp.current_request
    web.require_csrf(request)
    form = web.parse(request, login_protection.FinishForm)
    ctx, device_cookie = with_device(request, web.login_context(request))
    outcome = login_protection.finish(step_id, _secret(request, form), form, ctx)
    response = web.session_response(request, outcome.session)
    if not web.is_app_client(request):  # the step is over: its binding cookie goes
        add_cookie(response, web.login_binding_cookie("", 0, login_protection.BINDING_COOKIE))
    return add_cookie(response, device_cookie)


@bp.route("/api/account/login-protection", methods=["GET"])
@tracer.capture_method
def status():
    return login_protection.status(web.require_session(bp.current_request))


def _changed(form_model, action):
    """A change of the account's 登录保护: CSRF, the body (refused before anything else when it is
    malformed), the session, then the flow."""
    request = bp.current_request
    web.require_csrf(request)
    form = web.parse(request, form_model)
    session = web.require_session(request)
    return action(session, form, web.context(request))


@bp.route("/api/account/login-protection/sms", methods=["POST"])
@tracer.capture_method
def turn_on_sms():
    return _changed(login_protection.PasswordForm, login_protection.turn_on_sms)


@bp.route("/api/account/login-protection/authenticator", methods=["POST"])
@tracer.capture_method
def start_authenticator():
    return _changed(login_protection.PasswordForm, login_protection.start_authenticator)


@bp.route("/api/account/login-protection/authenticator/confirm", methods=["POST"])
@tracer.capture_method
def confirm_authenticator():
    return _changed(login_protection.ConfirmForm, login_protection.confirm_authenticator)


@bp.route("/api/account/login-protection/disable", methods=["POST"])
@tracer.capture_method
def turn_off():
    return _changed(login_protection.PasswordForm, login_protection.turn_off)


@bp.route("/user/login-protection", methods=["GET"])
def page():
    from chalicelib.handlers import user_center

    request = bp.current_request
    session = user_center.require_page_session(request)
    if session is None:
        return user_center.login_redirect("/user/login-protection")
    return user_center.render_page(
        request,
        "user/login_protection.html",
        current="login_protection",
        session=session,
        protection=login_protection.status(session),
    )
