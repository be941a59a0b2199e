"""基本信息 (the citizen's profile) and 认证等级 upgrades: the page and its API.

``GET /user/profile`` shows the masked 基本信息 and the level, with 基本信息修改 (correct the
name) for a 注册用户 and 人脸认证 for a 实名用户. ``POST /api/profile/name`` corrects the name
(注册 → 实名); ``POST /api/profile/face-checks`` starts the account holder's face check and
``POST /api/profile/face-checks/{face_id}/complete`` raises the account to 实人 once it passed.
The flow is chalicelib.flows.levels.
"""

from __future__ import annotations

from chalice import Blueprint

from chalicelib.domain.identity import DocumentType
from chalicelib.domain.levels import AuthLevel
from chalicelib.flows import levels
from chalicelib.handlers import user_center, web
from chalicelib.observability import tracer

bp = Blueprint(__name__)

UPGRADED = {"real_name": AuthLevel.REAL_NAME, "real_person": AuthLevel.REAL_PERSON}


def _user(account) -> dict:
    level = AuthLevel(account.level)
    return {
        "name": account.name_masked,
        "id_number": account.id_masked,
        "phone": account.phone_masked,
        "level": int(level),
        "level_label": level.label,
    }


@bp.route("/api/profile/name", methods=["POST"])
@tracer.capture_method
def correct_name():
    request = bp.current_request
    web.require_csrf(request)
    body = web.json_body(request)  # the body's limits hold for every caller, logged in or not
    session = web.require_session(request)
    form = web.parse(request, levels.NameForm, body)
    account = levels.correct_name(session, form, web.context(request))
    return {"user": _user(account)}


@bp.route("/api/profile/face-checks", methods=["POST"])
@tracer.capture_method
def start_face_check():
    from chalicelib.handlers import face

    request = bp.current_request
    web.require_csrf(request)
    body = web.json_body(request)
    session = web.require_session(request)
    started = levels.start_face(session, body.get("face_consent") is True, web.context(request))
    return face.started_response(request, started, {"status": "authorization_pending"})


@bp.route("/api/profile/face-checks/{face_id}/complete", methods=["POST"])
@tracer.capture_method
def complete_face_check(face_id):
    from chalicelib.handlers import face

    request = bp.current_request
    web.require_csrf(request)
    web.json_body(request)
    session = web.require_session(request)
    account = levels.finish_face(session, face_id, face.browser_secret(request), web.context(request))
    return {"user": _user(account)}


@bp.route("/user/profile", methods=["GET"])
@tracer.capture_method
def profile_page():
    request = bp.current_request
    session = user_center.require_page_session(request)
    if session is None:
        return user_center.login_redirect("/user/profile")
    from chalicelib.store import accounts

    account = accounts.get(session.account_id)
    id_type = DocumentType(account.id_type) if account else None
    query = getattr(request, "query_params", None) or {}
    upgraded = UPGRADED.get(query.get("upgraded") or "")
    return user_center.render_page(
        request,
        "user/profile.html",
        current="profile",
        id_type_label=id_type.label if id_type else "",
        level=session.level,
        upgraded=upgraded if upgraded is not None and session.level >= upgraded else None,
        name_checks_per_day=levels.NAME_CHECKS_PER_DAY,
    )
