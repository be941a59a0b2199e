"""人脸识别 (face verification): the page's poll, the provider's callback, the QR's own page.

Host flows (忘记密码找回, 用户申诉, 实人认证) start a check through
chalicelib.methods.face.service and answer with :func:`started_response`, which puts the QR's
view under ``face`` and sets the HttpOnly ``hall_face`` cookie binding the check to the browser;
their next step reads it back with :func:`browser_secret`. ``POST /api/face-checks/{face_id}`` is
the page's poll (one GetItem; RFC 8628's words). ``POST /api/face/callback`` is the provider's
signed outcome (server to server: no cookie, no CSRF token; the signature, timestamp and nonce are
its proof). ``GET /face/{face_id}`` is what the QR encodes: outside the dev stage it tells a
phone's camera app to scan with 支付宝APP or 江苏智慧人社APP; in the dev stage the same page plays
the provider (chalicelib.handlers.dev_face).
"""

from __future__ import annotations

from chalice import Blueprint, Response
from chalice.app import Request

from chalicelib import settings
from chalicelib.handlers import pages, web
from chalicelib.observability import tracer

__all__ = ["FACE_BINDING_COOKIE", "bp", "browser_secret", "started_response"]

bp = Blueprint(__name__)

# The secret binding a face check to the browser that started it.
FACE_BINDING_COOKIE = "hall_face"


def started_response(request: Request, started, body: dict, status: int = 202) -> Response:
    """The host's answer once a check started: ``started.view`` under ``body["face"]``, and the
    binding cookie (HttpOnly, as long as the check lives) for a browser."""
    headers = {"Cache-Control": "no-store"}
    if not web.is_app_client(request):
        headers["Set-Cookie"] = [web.login_binding_cookie(started.browser_secret, started.max_age, FACE_BINDING_COOKIE)]
    return Response({**body, "face": started.view}, status_code=status, headers=headers)


def browser_secret(request: Request) -> str | None:
    """The secret the asking browser holds for its face check (None: no cookie)."""
    return web.cookies(request).get(FACE_BINDING_COOKIE)


@bp.route("/api/face-checks/{face_id}", methods=["POST"])
@tracer.capture_method
def poll_face_check(face_id):
    from chalicelib.methods.face import service

    request = bp.current_request
    web.require_csrf(request)
    web.json_body(request)  # no fields, but a body must still be a small JSON object
    answer = service.poll(face_id, browser_secret(request), web.context(request))
    return Response(answer, status_code=202 if answer["status"] == "authorization_pending" else 200)


@bp.route("/api/face/callback", methods=["POST"])
@tracer.capture_method
def face_callback():
    from chalicelib.methods.face import service

    request = bp.current_request
    body = web.json_body(request)
    return {"result": "ok", "state": service.receive_callback(body, web.context(request))}


@bp.route("/face/{face_id}", methods=["GET"])
def face_qr_page(face_id):
    request = bp.current_request
    if settings.get().is_dev:
        from chalicelib.handlers import dev_face

        return dev_face.provider_page(request, face_id)
    return pages.render(request, "face_qr.html")
