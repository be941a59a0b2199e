"""Dev stage only: the local counterpart of the national 电子社保卡 platform for 电子社保卡扫码登录.

Opening a QR's URL (``/essc/<id>?c=<code>``) in a browser plays the platform: the tester picks a
citizen of the local base library (demo/citizens.json) and presses 授权登录; this module then has
the simulator (devtools/stubs/essc_platform.py, its own test-only key pair) sign the callback the
real platform sends, and delivers it in-process to the hall's own ``POST /api/essc/callback``
route as an API Gateway event, exactly as the production route receives it. app.py registers the
route below only in the dev stage, and each checks the stage again.
"""

from __future__ import annotations

import json
import uuid
from functools import lru_cache

from chalice import Blueprint, Response

from chalicelib import clock, settings
from chalicelib.errors import HallError
from chalicelib.handlers import pages, web

bp = Blueprint(__name__)


def _dev_only() -> None:
    if not settings.get().is_dev:
        raise HallError.not_found()


@lru_cache(maxsize=2)
def _citizens(path: str) -> tuple[dict, ...]:
    with open(path, encoding="utf-8") as f:
        entries = json.load(f).get("base_library", [])
    return tuple(c for c in entries if c.get("id_type") == "resident_id")


def citizens() -> tuple[dict, ...]:
    return _citizens(settings.get().local_base_library_path)


def platform_page(request, qr_id: str) -> Response:
    _dev_only()
    code = str((getattr(request, "query_params", None) or {}).get("c") or "")[:16]
    return pages.render(request, "essc_platform_dev.html", qr_id=qr_id, code=code, citizens=citizens())


def _deliver(request, body: dict):
    """The callback, as an API Gateway event to the hall's own handler: (status, JSON body)."""
    from app import app

    headers = {"Content-Type": "application/json", "User-Agent": "essc-platform-simulator (dev)"}
    path = "/api/essc/callback"
    event = {
        "resource": path,
        "path": path,
        "httpMethod": "POST",
        "headers": headers,
        "multiValueHeaders": {k: [v] for k, v in headers.items()},
        "queryStringParameters": None,
        "multiValueQueryStringParameters": None,
        "pathParameters": None,
        "stageVariables": None,
        "requestContext": {
            "resourcePath": path,
            "httpMethod": "POST",
            "path": path,
            "stage": "api",
            "requestId": uuid.uuid4().hex,
            "identity": {"sourceIp": web.context(request).client_ip, "userAgent": headers["User-Agent"]},
        },
        "body": json.dumps(body, ensure_ascii=False),
        "isBase64Encoded": False,
    }
    outer = app.current_request
    try:
        answer = app(event, None)
    finally:
        app.current_request = outer
    return answer["statusCode"], json.loads(answer.get("body") or "{}")


@bp.route("/dev/essc/authorize", methods=["POST"])
def authorize():
    """授权登录 on the simulated platform: sign the callback for the chosen citizen and send it."""
    _dev_only()
    request = bp.current_request
    web.require_csrf(request)
    form = web.json_body(request)
    id_number = str(form.get("id_number") or "")[:32]
    citizen = next((c for c in citizens() if c["id_number"] == id_number), None)
    if citizen is None:
        raise HallError.validation_failed({"id_number": "请选择持卡人"})
    from devtools.stubs import essc_platform  # dev only: not in the deployed package

    body = essc_platform.callback(
        str(form.get("qr_id") or "")[:64],
        str(form.get("code") or "")[:16],
        citizen["name"],
        citizen["id_number"],
        clock.to_epoch(clock.now()),
    )
    status, answer = _deliver(request, body)
    return Response(answer, status_code=status)
