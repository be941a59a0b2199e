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
from chalicelib.errors import HallError
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
    from chalicelib.handlers import login_protection  # 登录保护: the device id a login is from

    ctx, device_cookie = login_protection.with_device(request, web.login_context(request))
    return login_protection.add_cookie(_render(request, login_flow.begin(method, form, ctx)), device_cookie)


@bp.route("/api/login-flows/{flow_id}", methods=["POST"])
@tracer.capture_method
def continue_login(flow_id):
    request = bp.current_request
    web.require_csrf(request)
    method, form = _form(request)
    return _render(request, login_flow.proceed(method, flow_id, form, web.login_context(request)))


@bp.route("/login/start/{method_id}", methods=["GET"])
@tracer.capture_method
def start_redirect_login(method_id):
    """The login page's link to an identity provider (江苏政务): begin, and send the browser there.

    A GET (a link the browser follows, not the page script's fetch, which cannot follow a
    redirect to another origin). It changes nothing a third party could use: a cross-site
    page that sends a browser here only shows that browser the provider's login page, and
    the state it makes is bound to that browser by the cookie set here."""
    request = bp.current_request
    method = registry.login_method(method_id)
    if not getattr(method, "starts_by_redirect", False):
        raise HallError.unknown_login_method()
    return _render(request, login_flow.begin(method, {"method": method_id}, web.login_context(request)))


@bp.route("/login/callback/{method_id}", methods=["GET"])
@tracer.capture_method
def login_callback(method_id):
    """A browser sent back by an identity provider (``state`` names the login flow)."""
    request = bp.current_request
    method = registry.login_method(method_id)
    query = dict(request.query_params or {})
    ctx = web.login_context(request, web.OAUTH_BINDING_COOKIE)
    # (The binding cookie is left to expire with the state: a replayed callback in the same
    # browser is then told the login was used, not that it never existed.)
    outcome = login_flow.proceed(method, str(query.get("state") or ""), query, ctx)
    if outcome.session is not None:
        return web.session_redirect(request, outcome.session, outcome.next_path or "/")
    if isinstance(outcome.step, login_flow.LinkRequired) and not web.is_app_client(request):
        # On to the link step's page (账号关联), with the cookie that binds it to this browser.
        return web.redirect(link_path(outcome.step.flow_id), _link_cookies(outcome.step))
    return _render(request, outcome)


def link_path(flow_id: str) -> str:
    from urllib.parse import quote

    return f"/login/link/{quote(flow_id, safe='')}"


def _link_cookies(step: login_flow.LinkRequired) -> list[str] | None:
    from chalicelib.flows.login_link import BINDING_COOKIE

    if not step.browser_secret:
        return None
    return [web.login_binding_cookie(step.browser_secret, step.browser_secret_max_age, BINDING_COOKIE)]


def _render(request, outcome: login_flow.Outcome) -> Response:
    if outcome.session is not None:
        if outcome.cancellation_withdrawn:  # the page it goes to says the pending 注销 was withdrawn
            return web.session_response(request, outcome.session, cancellation_withdrawn=True, next=outcome.next_path)
        return web.session_response(request, outcome.session)
    step = outcome.step
    if isinstance(step, login_flow.Redirect):
        cookies = None
        if step.browser_secret and not web.is_app_client(request):
            cookies = [
                web.login_binding_cookie(step.browser_secret, step.browser_secret_max_age, web.OAUTH_BINDING_COOKIE)
            ]
        return web.redirect(step.location, cookies)
    if isinstance(step, login_flow.SecondStepRequired):
        from chalicelib.handlers import login_protection

        return login_protection.second_step_response(request, step)
    if isinstance(step, login_flow.LinkRequired):
        body = {"status": "link_required", "flow_id": step.flow_id, "provider": step.provider}
        body["link_url"] = link_path(step.flow_id)
        cookies = None if web.is_app_client(request) else _link_cookies(step)
        return Response(body, status_code=202, headers={"Set-Cookie": cookies} if cookies else {})
    body = {"status": step.status, "flow_id": step.flow_id, **step.view}
    if step.poll_after is not None:
        body["poll_after"] = step.poll_after
    headers = {}
    if step.browser_secret and not web.is_app_client(request):
        headers["Set-Cookie"] = [web.login_binding_cookie(step.browser_secret, step.browser_secret_max_age)]
    return Response(body, status_code=202, headers=headers)


@bp.route("/api/sessions/current", methods=["DELETE"])
@tracer.capture_method
def logout():
    request = bp.current_request
    web.require_csrf(request)
    sessions.close(web.session_token(request))
    headers = {} if web.is_app_client(request) else {"Set-Cookie": web.logged_out_cookies()}
    return Response({"logged_out": True}, headers=headers)


@bp.route("/api/me", methods=["GET"])
@tracer.capture_method
def me():
    request = bp.current_request
    record = web.require_session(request)  # a use: it slides the idle expiry (继续使用 calls it)
    left = record.expires_at - web.context(request).now
    return {"user": web.user_view(record), "session_expires_in": max(0, int(left.total_seconds()))}


@bp.route("/api/csrf", methods=["GET"])
def csrf():
    token = web.new_csrf_token(web.csrf_binding(bp.current_request))  # bound to the session cookie, if any
    return Response(
        {"csrf_token": token}, headers={"Set-Cookie": [web.csrf_cookie(token)], "Cache-Control": "no-store"}
    )
