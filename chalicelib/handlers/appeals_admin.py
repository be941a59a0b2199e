"""The staff API for 用户申诉 tickets (其他): list, read, comment on, resolve and reject.

Deployed, every route sits behind API Gateway's AWS IAM authorization (Chalice's
``IAMAuthorizer``: the caller signs with SigV4 and needs ``execute-api:Invoke`` on these
routes, docs/operations.md), and the view still refuses a request that reaches it without an
IAM caller. ``chalice local`` does not enforce IAM authorizers, so in the dev stage the view
requires the operator credential instead (``X-Hall-Operator``, printed by
``python -m chalicelib.ops appeals credential``). No cookie is involved, so no CSRF token.
"""

from __future__ import annotations

from chalice import Blueprint, IAMAuthorizer

from chalicelib import clock, crypto, settings
from chalicelib.errors import HallError
from chalicelib.flows import appeals
from chalicelib.handlers import web
from chalicelib.observability import tracer

bp = Blueprint(__name__)

iam = IAMAuthorizer()
OPERATOR_HEADER = "x-hall-operator"


def _operator(request) -> str:
    """Who is acting: the IAM caller's ARN deployed, the local operator in the dev stage."""
    if settings.get().is_dev:
        given = (request.headers or {}).get(OPERATOR_HEADER) or ""
        if not given or not crypto.equal(given, appeals.operator_credential()):
            raise HallError.operator_required()
        return "operator (local)"
    identity = (request.context or {}).get("identity") or {}
    caller = identity.get("userArn") or identity.get("caller")
    if not caller:
        raise HallError.operator_required()
    return str(caller)


@bp.route("/api/admin/appeals", methods=["GET"], authorizer=iam)
@tracer.capture_method
def list_appeals():
    request = bp.current_request
    _operator(request)
    query = request.query_params or {}
    try:
        limit = int(query.get("limit") or 50)
    except ValueError:
        raise HallError.validation_failed({"limit": "格式不正确"}) from None
    return {"appeals": appeals.staff_list(query.get("status"), limit)}


@bp.route("/api/admin/appeals/{appeal_id}", methods=["GET"], authorizer=iam)
@tracer.capture_method
def get_appeal(appeal_id):
    _operator(bp.current_request)
    return appeals.staff_get(appeal_id)


@bp.route("/api/admin/appeals/{appeal_id}/comments", methods=["POST"], authorizer=iam)
@tracer.capture_method
def comment_on_appeal(appeal_id):
    request = bp.current_request
    body = web.json_body(request)  # the body's limits first, as on every route
    operator = _operator(request)
    form = web.parse(request, appeals.NoteForm, body)
    return appeals.staff_comment(appeal_id, form, operator, clock.now())


@bp.route("/api/admin/appeals/{appeal_id}/decision", methods=["POST"], authorizer=iam)
@tracer.capture_method
def decide_appeal(appeal_id):
    request = bp.current_request
    body = web.json_body(request)  # the body's limits first, as on every route
    operator = _operator(request)
    form = web.parse(request, appeals.DecisionForm, body)
    return appeals.staff_decide(appeal_id, form, operator, clock.now())
