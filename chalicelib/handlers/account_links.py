"""账号绑定 (user center): ``GET /api/account/links``, ``DELETE /api/account/links/{provider}``
(解除绑定), ``POST /api/account/links/{provider}`` (去绑定: the provider's login, begun for the
logged-in account; the page script follows ``location``) and the page ``/user/links`` inside
the user center's frame. The flow: chalicelib.flows.account_links; 去绑定 finishes in the
provider's callback (chalicelib.methods.federation.bind)."""

from __future__ import annotations

from chalice import Blueprint, Response

from chalicelib.domain import links as link_rules
from chalicelib.errors import HallError
from chalicelib.flows import account_links
from chalicelib.handlers import web
from chalicelib.observability import tracer

bp = Blueprint(__name__)


@bp.route("/api/account/links", methods=["GET"])
@tracer.capture_method
def list_links():
    session = web.require_session(bp.current_request)
    return {"links": account_links.listing(session.account_id)}


@bp.route("/api/account/links/{provider}", methods=["DELETE"])
@tracer.capture_method
def unlink(provider):
    request = bp.current_request
    web.require_csrf(request)
    session = web.require_session(request)
    return {"links": account_links.unlink(session.account_id, provider, web.context(request))}


@bp.route("/api/account/links/{provider}", methods=["POST"])
@tracer.capture_method
def start_binding(provider):
    """去绑定: begin the provider's login for this account; the browser goes to ``location``."""
    from chalicelib.flows import login as login_flow
    from chalicelib.methods import registry

    request = bp.current_request
    web.require_csrf(request)
    web.json_body(request)
    session = web.require_session(request)
    method_id = link_rules.BOUND_BY_REDIRECT.get(provider)
    if method_id is None or web.is_app_client(request):  # an app cannot follow a provider's pages
        raise HallError.unknown_login_method()
    form = {"method": method_id, "bind_account_id": session.account_id}
    step = login_flow.begin(registry.login_method(method_id), form, web.login_context(request)).step
    cookie = web.login_binding_cookie(step.browser_secret, step.browser_secret_max_age, web.OAUTH_BINDING_COOKIE)
    return Response({"location": step.location}, headers={"Set-Cookie": [cookie], "Cache-Control": "no-store"})


@bp.route("/user/links", methods=["GET"])
def links_page():
    from chalicelib.handlers import user_center

    request = bp.current_request
    session = user_center.require_page_session(request)
    if session is None:
        return user_center.login_redirect("/user/links")
    return user_center.render_page(
        request, "user/links.html", current="links", links=account_links.listing(session.account_id)
    )
