"""Dev stage only: the local counterpart of 江苏智慧人社APP for 扫码登录.

Opening a QR's URL in a browser plays the app: without an app session it asks for
证件号码/移动电话 + 密码 and logs in through the same password login an app uses; then it
shows the request (time, address, browser) with 确认登录 and 取消. Every step is a real
call of the app API (POST /api/sessions, /api/qr-logins/{id}/scan|confirm|cancel) with
``X-Hall-Client: app`` and the bearer token, made in-process by this module, which keeps the
token server-side in an HttpOnly cookie of its own. app.py registers the routes below only in
the dev stage, and each checks the stage again.
"""

from __future__ import annotations

import json
import uuid

from chalice import Blueprint, Response

from chalicelib import settings
from chalicelib.errors import HallError
from chalicelib.handlers import pages, web

bp = Blueprint(__name__)

APP_TOKEN_COOKIE = "hall_dev_app"  # noqa: S105 - a cookie name
ACTIONS = ("scan", "confirm", "cancel")


def _dev_only() -> None:
    if not settings.get().is_dev:
        raise HallError.not_found()


def app_page(request, qr_id: str) -> Response:
    _dev_only()
    token = web.cookies(request).get(APP_TOKEN_COOKIE)
    from chalicelib import sessions

    session = sessions.resolve(token, web.context(request).now, "app") if token else None
    return pages.render(request, "qr_app_dev.html", qr_id=qr_id, app_user=web.user_view(session) if session else None)


def _call_app_api(request, method: str, resource: str, path: str, params: dict, body: dict, token: str | None):
    """One request to the hall's API exactly as the app sends it (an API Gateway event to
    the app's own handler), answered with its status and JSON body."""
    from app import app

    headers = {"Content-Type": "application/json", "X-Hall-Client": "app", "User-Agent": "江苏智慧人社APP (dev)"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    source_ip = web.context(request).client_ip
    event = {
        "resource": resource,
        "path": path,
        "httpMethod": method,
        "headers": headers,
        "multiValueHeaders": {k: [v] for k, v in headers.items()},
        "queryStringParameters": None,
        "multiValueQueryStringParameters": None,
        "pathParameters": params or None,
        "stageVariables": None,
        "requestContext": {
            "resourcePath": resource,
            "httpMethod": method,
            "path": path,
            "stage": "api",
            "requestId": uuid.uuid4().hex,
            "identity": {"sourceIp": source_ip, "userAgent": headers["User-Agent"]},
        },
        "body": json.dumps(body),
        "isBase64Encoded": False,
    }
    outer = app.current_request
    try:
        answer = app(event, None)
    finally:
        app.current_request = outer  # the page's own request goes on after the app's
    return answer["statusCode"], json.loads(answer.get("body") or "{}")


@bp.route("/dev/app/sessions", methods=["POST"])
def app_login():
    """The app's password login, for this browser playing the app."""
    _dev_only()
    request = bp.current_request
    web.require_csrf(request)
    form = web.json_body(request)
    body = {
        "method": "password",
        "identifier": str(form.get("identifier") or "")[:40],
        "password": str(form.get("password") or "")[:64],
    }
    for name in ("captcha_id", "captcha_answer"):  # after a few wrong passwords, as the app would
        if form.get(name):
            body[name] = str(form[name])[:64]
    status, answer = _call_app_api(request, "POST", "/api/sessions", "/api/sessions", {}, body, None)
    if status != 200:
        return Response(answer, status_code=status)
    max_age = int(settings.get().session_absolute.total_seconds())
    cookie = web._cookie(APP_TOKEN_COOKIE, answer["token"], max_age)
    return Response({"user": answer["user"]}, headers={"Set-Cookie": [cookie]})


@bp.route("/dev/app/qr-logins/{qr_id}/{action}", methods=["POST"])
def app_qr_action(qr_id, action):
    """扫一扫, 确认登录 or 取消, as the app calls them."""
    _dev_only()
    request = bp.current_request
    web.require_csrf(request)
    web.json_body(request)
    if action not in ACTIONS:
        raise HallError.not_found()
    token = web.cookies(request).get(APP_TOKEN_COOKIE)
    resource = f"/api/qr-logins/{{qr_id}}/{action}"
    status, answer = _call_app_api(
        request, "POST", resource, f"/api/qr-logins/{qr_id}/{action}", {"qr_id": qr_id}, {}, token
    )
    return Response(answer, status_code=status)
