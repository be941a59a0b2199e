"""忘记密码找回: the page and its four steps' API.

The browser's recovery is named by the HttpOnly cookie ``hall_recovery`` (its id and a secret
whose hash the record keeps), set by 填写账号 and cleared at 完成修改: no step's URL or body
carries it, so the first step's answer is the same for everyone.
"""

from __future__ import annotations

from chalice import Blueprint, Response

from chalicelib.flows import recovery
from chalicelib.handlers import pages, web
from chalicelib.observability import tracer

bp = Blueprint(__name__)

RECOVERY_COOKIE = "hall_recovery"


def _cookie_value(request) -> str | None:
    return web.cookies(request).get(RECOVERY_COOKIE)


@bp.route("/recover", methods=["GET"])
def recover_page():
    return pages.render(bp.current_request, "recover.html", section=None)


@bp.route("/api/recoveries", methods=["POST"])
@tracer.capture_method
def start_recovery():
    """1. 填写账号: the same answer whether or not an account matched."""
    request = bp.current_request
    web.require_csrf(request)
    form = web.parse(request, recovery.AccountForm)
    started = recovery.start(form, web.context(request))
    cookie = web.login_binding_cookie(started.cookie_value, started.max_age, RECOVERY_COOKIE)
    return Response(started.view, status_code=201, headers={"Set-Cookie": cookie, "Cache-Control": "no-store"})


@bp.route("/api/recoveries/current/sms-codes", methods=["POST"])
@tracer.capture_method
def send_recovery_sms_code():
    """获取验证码 (短信验证): sent only to the bound phone; the same answer for any phone."""
    request = bp.current_request
    web.require_csrf(request)
    form = web.parse(request, recovery.SmsCodeForm)
    return recovery.send_sms_code(_cookie_value(request), form, web.context(request))


@bp.route("/api/recoveries/current/sms-verification", methods=["POST"])
@tracer.capture_method
def verify_recovery_by_sms():
    """2. 短信验证: 移动电话 + 短信验证码."""
    request = bp.current_request
    web.require_csrf(request)
    form = web.parse(request, recovery.SmsVerificationForm)
    return recovery.verify_by_sms(_cookie_value(request), form, web.context(request))


@bp.route("/api/recoveries/current/face-checks", methods=["POST"])
@tracer.capture_method
def start_recovery_face_check():
    """2. 人脸识别: consent, then a QR to scan (the face service's view under ``face``)."""
    from chalicelib.handlers import face

    request = bp.current_request
    web.require_csrf(request)
    body = web.json_body(request)
    consent = body.get("face_consent") is True
    started = recovery.start_face_check(_cookie_value(request), consent, web.context(request))
    return face.started_response(request, started, {"step": "verify"})


@bp.route("/api/recoveries/current/face-verification", methods=["POST"])
@tracer.capture_method
def verify_recovery_by_face():
    """2. 人脸识别 passed: the face check's result, spent for this recovery."""
    from chalicelib.handlers import face

    request = bp.current_request
    web.require_csrf(request)
    body = web.json_body(request)
    face_id = body.get("face_id")
    if not isinstance(face_id, str) or not face_id or len(face_id) > 64:
        from chalicelib.errors import HallError

        raise HallError.validation_failed({"face_id": "请先完成人脸识别"})
    return recovery.verify_by_face(_cookie_value(request), face_id, face.browser_secret(request), web.context(request))


@bp.route("/api/recoveries/current/password", methods=["POST"])
@tracer.capture_method
def set_recovered_password():
    """3. 设置新密码; the answer (完成修改) clears the recovery's cookie."""
    request = bp.current_request
    web.require_csrf(request)
    form = web.parse(request, recovery.PasswordForm)
    from chalicelib.handlers import login_protection  # 登录保护: the device that recovered is seen

    ctx, device_cookie = login_protection.with_device(request, web.login_context(request))
    done = recovery.set_password(_cookie_value(request), form, ctx)
    cookie = web.login_binding_cookie("", 0, RECOVERY_COOKIE)
    response = Response(done, status_code=200, headers={"Set-Cookie": [cookie], "Cache-Control": "no-store"})
    return login_protection.add_cookie(response, device_cookie)
