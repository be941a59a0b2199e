"""亲情号 (family numbers) in the user center: the page and its API.

``GET /user/family`` lists the account's 亲情号 with 解绑, and the 添加亲情号 form;
``GET /api/family-numbers`` lists them, ``POST /api/family-numbers`` binds one,
``DELETE /api/family-numbers/{binding_id}`` unbinds it. The flow is
chalicelib.flows.family_numbers.
"""

from __future__ import annotations

from chalice import Blueprint, Response

from chalicelib.domain import family_numbers as rules
from chalicelib.domain.levels import shortfall
from chalicelib.flows import family_numbers as flow
from chalicelib.handlers import user_center, web
from chalicelib.observability import tracer

bp = Blueprint(__name__)


@bp.route("/api/family-numbers", methods=["GET"])
@tracer.capture_method
def list_family_numbers():
    session = web.require_session(bp.current_request)
    bound = [flow.view(b) for b in flow.list_for(session)]
    return {"family_numbers": bound, "limit": rules.MAX_FAMILY_NUMBERS}


@bp.route("/api/family-numbers", methods=["POST"])
@tracer.capture_method
def bind_family_number():
    request = bp.current_request
    web.require_csrf(request)
    body = web.json_body(request)  # the body's limits hold for every caller, logged in or not
    session = web.require_session(request)
    web.require_level(session, rules.BIND_LEVEL)  # before the form is read
    form = web.parse(request, flow.BindForm, body)
    binding = flow.bind(session, form, web.context(request))
    return Response({"family_number": flow.view(binding)}, status_code=201)


@bp.route("/api/family-numbers/{binding_id}", methods=["DELETE"])
@tracer.capture_method
def unbind_family_number(binding_id):
    request = bp.current_request
    web.require_csrf(request)
    session = web.require_session(request)
    binding = flow.unbind(session, binding_id[:64], web.context(request))
    return {"unbound": flow.view(binding)}


@bp.route("/user/family", methods=["GET"])
@tracer.capture_method
def family_page():
    request = bp.current_request
    session = user_center.require_page_session(request)
    if session is None:
        return user_center.login_redirect("/user/family")
    return user_center.render_page(
        request,
        "user/family.html",
        current="family",
        family_numbers=[flow.view(b) for b in flow.list_for(session)],
        limit=rules.MAX_FAMILY_NUMBERS,
        relations=list(rules.Relation),
        level_missing=shortfall(session.level, rules.BIND_LEVEL),
    )
