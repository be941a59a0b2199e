"""个人信息导出 and 注销账号 in the user center: the pages and their API.

``POST /api/account/reauth-codes`` sends an SMS code for 身份验证 to the bound phone;
``POST /api/account/reauth`` answers a proof for one purpose (five minutes, once);
``POST /api/account/data-export`` spends an ``export`` proof and answers the JSON file;
``GET``/``POST``/``DELETE /api/account/cancellation``: the pending 注销, requesting it with a
``cancel`` proof, 撤销注销. The flow is chalicelib.flows.data_rights.
"""

from __future__ import annotations

from chalice import Blueprint, Response

from chalicelib.flows import data_rights as flow
from chalicelib.handlers import user_center, web
from chalicelib.observability import tracer

bp = Blueprint(__name__)


@bp.route("/api/account/reauth-codes", methods=["POST"])
@tracer.capture_method
def send_reauth_code():
    request = bp.current_request
    web.require_csrf(request)
    body = web.json_body(request)
    session = web.require_session(request)
    form = web.parse(request, flow.ReauthCodeForm, body)
    return Response(flow.send_reauth_code(session, form, web.context(request)), status_code=201)


@bp.route("/api/account/reauth", methods=["POST"])
@tracer.capture_method
def reauthenticate():
    request = bp.current_request
    web.require_csrf(request)
    body = web.json_body(request)
    session = web.require_session(request)
    form = web.parse(request, flow.ReauthForm, body)
    proof = flow.reauthenticate(session, form, web.context(request))
    return Response(
        {"proof": proof.token, "purpose": proof.purpose, "expires_in": proof.expires_in},
        status_code=201,
        headers={"Cache-Control": "no-store"},
    )


@bp.route("/api/account/data-export", methods=["POST"])
@tracer.capture_method
def export_data():
    request = bp.current_request
    web.require_csrf(request)
    body = web.json_body(request)
    session = web.require_session(request)
    form = web.parse(request, flow.UseProofForm, body)
    filename, data = flow.export(session, form, web.context(request))
    return Response(
        data.decode("utf-8"),
        headers={
            "Content-Type": "application/json; charset=utf-8",
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "no-store",
        },
    )


@bp.route("/api/account/cancellation", methods=["GET"])
@tracer.capture_method
def cancellation_status():
    session = web.require_session(bp.current_request)
    return flow.status(session).view()


@bp.route("/api/account/cancellation", methods=["POST"])
@tracer.capture_method
def request_cancellation():
    request = bp.current_request
    web.require_csrf(request)
    body = web.json_body(request)
    session = web.require_session(request)
    form = web.parse(request, flow.UseProofForm, body)
    return Response(flow.request_cancellation(session, form, web.context(request)).view(), status_code=202)


@bp.route("/api/account/cancellation", methods=["DELETE"])
@tracer.capture_method
def withdraw_cancellation():
    request = bp.current_request
    web.require_csrf(request)
    session = web.require_session(request)
    return flow.withdraw(session, web.context(request)).view()


@bp.route("/user/data-export", methods=["GET"])
@tracer.capture_method
def data_export_page():
    request = bp.current_request
    session = user_center.require_page_session(request)
    if session is None:
        return user_center.login_redirect("/user/data-export")
    state = flow.page_state(session)
    return user_center.render_page(request, "user/data_export.html", current="data_export", session=session, **state)


@bp.route("/user/cancellation", methods=["GET"])
@tracer.capture_method
def cancellation_page():
    request = bp.current_request
    session = user_center.require_page_session(request)
    if session is None:
        return user_center.login_redirect("/user/cancellation")
    query = request.query_params or {}
    state = flow.page_state(session)
    return user_center.render_page(
        request,
        "user/cancellation.html",
        current="cancellation",
        session=session,
        withdrawn=query.get("withdrawn") == "1",
        done_message=_DONE.get(query.get("done") or ""),
        **state,
    )


_DONE = {
    "requested": "注销申请已提交，您的账号将在15天冷静期满后注销。其他设备已退出登录。",
    "withdrawn": "注销申请已撤销，您的账号可以继续正常使用。",
}
