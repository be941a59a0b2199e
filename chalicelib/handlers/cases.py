"""在线办理, 办件 and 好差评: the pages and their API, and the back office's callback.

Pages: ``GET /services/{code}/apply`` (the form, or which level is missing and how to reach
it), ``GET /user/cases?status=handling|finished|due`` (a card's list), ``GET /user/cases/{case_id}``
(a case, with the evaluation form when due). API: ``POST /api/services/{code}/applications``,
``GET /api/cases`` (the counts and a list), ``GET /api/cases/{case_id}``,
``POST /api/cases/{case_id}/evaluation``, and ``POST /api/back-office/callback`` (the back
office's signed callback, server to server: no cookie, no CSRF). The flow is
chalicelib.flows.user_center.cases.
"""

from __future__ import annotations

from urllib.parse import quote

from chalice import Blueprint, Response
from chalice.app import Request

from chalicelib.domain.levels import AuthLevel
from chalicelib.errors import HallError
from chalicelib.flows.user_center import cases as flow
from chalicelib.handlers import pages, user_center, web
from chalicelib.observability import tracer

bp = Blueprint(__name__)


def _query(request: Request, name: str, limit: int = 100) -> str:
    values = getattr(request, "query_params", None) or {}
    return str(values.get(name) or "").strip()[:limit]


# -- 在线办理 ------------------------------------------------------------------------------------


@bp.route("/services/{code}/apply", methods=["GET"])
@tracer.capture_method
def apply_page(code):
    request = bp.current_request
    session = user_center.require_page_session(request)
    if session is None:
        return user_center.login_redirect(f"/services/{quote(code[:40], safe='')}/apply")
    page = flow.apply_page(session, code)
    return user_center.render_page(
        request,
        "service_apply.html",
        current="home",
        session=session,
        service=page.service,
        fields=page.fields,
        department=page.department,
        missing=page.missing,
    )


@bp.route("/api/services/{code}/applications", methods=["POST"])
@tracer.capture_method
def apply(code):
    request = bp.current_request
    web.require_csrf(request)
    body = web.json_body(request)  # the body's limits hold for every caller, logged in or not
    session = web.require_session(request)
    service = flow.service_for(code)
    web.require_level(session, AuthLevel(service.min_level))  # before the form is read
    form = web.parse(request, flow.ApplicationForm, body)
    case, created = flow.apply(session, code, form, web.context(request))
    return Response({"case": case, "next": case["url"]}, status_code=201 if created else 200)


# -- 办件 ----------------------------------------------------------------------------------------


@bp.route("/api/cases", methods=["GET"])
@tracer.capture_method
def list_cases():
    request = bp.current_request
    session = web.require_session(request)
    listed = flow.list_cases(session, _query(request, "status") or None, _query(request, "after", 400) or None)
    return {**flow.home(session), **listed}


@bp.route("/api/cases/{case_id}", methods=["GET"])
@tracer.capture_method
def get_case(case_id):
    session = web.require_session(bp.current_request)
    return {"case": flow.case_detail(session, case_id[:40])}


@bp.route("/api/cases/{case_id}/evaluation", methods=["POST"])
@tracer.capture_method
def evaluate(case_id):
    request = bp.current_request
    web.require_csrf(request)
    body = web.json_body(request)
    session = web.require_session(request)
    form = web.parse(request, flow.EvaluationForm, body)
    return {
        "case": flow.evaluate(session, case_id[:40], form, web.context(request)),
        "message": "评价成功，感谢您的评价",
    }


@bp.route("/user/cases", methods=["GET"])
@tracer.capture_method
def cases_page():
    request = bp.current_request
    session = user_center.require_page_session(request)
    which = _query(request, "status")
    which = which if which in ("handling", "finished", "due") else "handling"  # a page shows a list, always
    if session is None:
        return user_center.login_redirect(f"/user/cases?status={quote(which[:20], safe='')}")
    listed = flow.list_cases(session, which, _query(request, "after", 400) or None)
    return user_center.render_page(
        request, "user/cases.html", current="home", session=session, listed=listed, **flow.home(session)
    )


@bp.route("/user/cases/{case_id}", methods=["GET"])
@tracer.capture_method
def case_page(case_id):
    request = bp.current_request
    session = user_center.require_page_session(request)
    if session is None:
        return user_center.login_redirect(f"/user/cases/{quote(case_id[:40], safe='')}")
    try:
        case = flow.case_detail(session, case_id[:40])
    except HallError as exc:
        if exc.code != "not_found":
            raise
        return pages.render(request, "not_found.html", status=404, session=session)  # a page URL: the HTML 404 page
    return user_center.render_page(
        request,
        "user/case.html",
        current="home",
        session=session,
        case=case,
        grades=flow.grades(),
        applied=_query(request, "applied") == "1",
    )


# -- the back office -----------------------------------------------------------------------------


@bp.route("/api/back-office/callback", methods=["POST"])
@tracer.capture_method
def back_office_callback():
    request = bp.current_request
    body = web.json_body(request)
    return flow.back_office_update(body, web.context(request).now)
