"""账号关联: the step a federated login (电子社保卡, 江苏政务, 支付宝) takes before its first session.

``GET /login/link/{link_id}`` is the step's page (the provider's callback or the e-SSC poll
sends the browser there with the ``hall_link`` cookie). ``POST /api/login-links/{link_id}/identify``
says which ID number (支付宝), ``.../sms-codes`` sends a code to the phone of the account to
prove, and ``POST /api/login-links/{link_id}`` finishes: the session (200, cookie) or the
refusal. The flow: chalicelib.flows.login_link.
"""

from __future__ import annotations

from chalice import Blueprint

from chalicelib.errors import HallError
from chalicelib.flows import login_link
from chalicelib.handlers import web
from chalicelib.observability import tracer

bp = Blueprint(__name__)


def _secret(request) -> str | None:
    return web.cookies(request).get(login_link.BINDING_COOKIE)


@bp.route("/login/link/{link_id}", methods=["GET"])
def link_page(link_id):
    from chalicelib.handlers import pages

    request = bp.current_request
    try:
        view = login_link.view(link_id, _secret(request), web.context(request))
    except HallError as exc:
        # A page, not an API answer: the refusal is its content (the API says it with its status).
        return pages.render(request, "login_link.html", link=None, error=exc.message, error_code=exc.code)
    return pages.render(request, "login_link.html", link=view, error=None)


@bp.route("/api/login-links/{link_id}/identify", methods=["POST"])
@tracer.capture_method
def identify(link_id):
    request = bp.current_request
    web.require_csrf(request)
    form = web.parse(request, login_link.IdentifyForm)
    return login_link.identify(link_id, _secret(request), form, web.context(request))


@bp.route("/api/login-links/{link_id}/sms-codes", methods=["POST"])
@tracer.capture_method
def send_code(link_id):
    request = bp.current_request
    web.require_csrf(request)
    form = web.parse(request, login_link.SendCodeForm)
    return login_link.send_code(link_id, _secret(request), form, web.context(request))


@bp.route("/api/login-links/{link_id}", methods=["POST"])
@tracer.capture_method
def finish(link_id):
    request = bp.current_request
    web.require_csrf(request)
    form = web.parse(request, login_link.FinishForm)
    outcome = login_link.finish(link_id, _secret(request), form, web.login_context(request))
    return web.session_response(request, outcome.session)
