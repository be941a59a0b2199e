"""用户申诉 (appeals): the pages and the citizen's API of the four types.

``GET /appeal`` lists the types (the manual's screen); ``GET /appeal?type=<id>`` opens one, with
its step indicator and 操作说明; ``GET /appeal/lookup`` is 申诉查询. An appeal of the first three
types is bound to the browser that began it by the HttpOnly ``hall_appeal`` cookie (its record
keeps the secret's hash), and its face check by the face service's own ``hall_face`` cookie.
"""

from __future__ import annotations

from chalice import Blueprint, Response

from chalicelib.domain import appeals as rules
from chalicelib.domain.appeals import AppealType
from chalicelib.flows import appeals
from chalicelib.handlers import client_retries, pages, web
from chalicelib.observability import tracer

bp = Blueprint(__name__)

APPEAL_COOKIE = "hall_appeal"


def _context(request):
    from dataclasses import replace

    return replace(web.context(request), browser_secret=web.cookies(request).get(APPEAL_COOKIE))


@bp.route("/appeal", methods=["GET"])
def appeal_page():
    request = bp.current_request
    chosen = AppealType.find(((request.query_params or {}).get("type") or "").strip()[:40])
    return pages.render(
        request,
        "appeal.html",
        appeal_types=list(AppealType),
        chosen=chosen,
        categories=list(rules.Category),
        text_max=rules.TEXT_MAX,
    )


@bp.route("/appeal/lookup", methods=["GET"])
def appeal_lookup_page():
    return pages.render(bp.current_request, "appeal_lookup.html")


@bp.route("/api/appeals", methods=["POST"])
@tracer.capture_method
def start_appeal():
    """填写证件信息 (证件号码被占用, 移动电话已被占用, 亲情号解绑): the appeal and its face check."""
    from chalicelib.handlers import face

    request = bp.current_request
    web.require_csrf(request)
    form = web.parse(request, appeals.AppealStartForm)
    started = appeals.start(form, web.context(request))
    response = face.started_response(request, started.face, started.view, status=201)
    cookies = list(response.headers.get("Set-Cookie") or [])
    cookies.append(web.login_binding_cookie(started.browser_secret, started.max_age, APPEAL_COOKIE))
    response.headers["Set-Cookie"] = cookies
    return response


@bp.route("/api/appeals/{appeal_id}/face", methods=["POST"])
@tracer.capture_method
def appeal_face_passed(appeal_id):
    """人脸认证 passed: the appeal moves on (亲情号解绑: completed)."""
    from chalicelib.handlers import face

    request = bp.current_request
    web.require_csrf(request)
    form = web.parse(request, appeals.FaceForm)
    return appeals.check_face(appeal_id, form, _context(request), face.browser_secret(request))


@bp.route("/api/appeals/{appeal_id}/password", methods=["POST"])
@tracer.capture_method
def appeal_set_password(appeal_id):
    """设置新密码 (证件号码被占用): the account is the verified person's."""
    request = bp.current_request
    web.require_csrf(request)
    form = web.parse(request, appeals.PasswordForm)
    return appeals.set_password(appeal_id, form, _context(request))


@bp.route("/api/appeals/{appeal_id}/phone", methods=["POST"])
@tracer.capture_method
def appeal_bind_phone(appeal_id):
    """新手机号 + 短信验证 (移动电话已被占用): the phone is released (and bound to the appellant)."""
    request = bp.current_request
    web.require_csrf(request)
    form = web.parse(request, appeals.PhoneForm)
    return appeals.bind_phone(appeal_id, form, _context(request))


@bp.route("/api/appeal-tickets", methods=["POST"])
@tracer.capture_method
def file_appeal_ticket():
    """其他: a ticket with a 申诉编号."""
    request = bp.current_request
    web.require_csrf(request)
    form = web.parse(request, appeals.TicketForm)
    key = client_retries.idempotency_key(request)
    return Response(appeals.file_ticket(form, web.context(request), key), status_code=201)


@bp.route("/api/appeal-tickets/lookup", methods=["POST"])
@tracer.capture_method
def look_up_appeal_ticket():
    """申诉查询: a ticket by its 申诉编号 and contact phone (a POST: the phone stays out of URLs)."""
    request = bp.current_request
    web.require_csrf(request)
    form = web.parse(request, appeals.LookupForm)
    return appeals.lookup(form, web.context(request))
