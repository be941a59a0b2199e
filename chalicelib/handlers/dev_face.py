"""Dev stage only: the local counterpart of the face-verification provider.

Opening a face QR's URL (``/face/<id>``) in a browser plays the provider: the page shows the
person being verified (masked, as the hall stored them) and the purpose, with 通过 and 不通过.
Pressing one has the local provider (devtools/stubs/face_provider.py, its own test-only key) sign
the callback the real provider sends, delivered in-process to the hall's own
``POST /api/face/callback`` route as an API Gateway event, exactly as the production route
receives it. app.py registers the route below only in the dev stage, and each checks it again.
"""

from __future__ import annotations

import json

from chalice import Blueprint, Response

from chalicelib import clock, settings
from chalicelib.domain.face_checks import FacePurpose
from chalicelib.errors import HallError
from chalicelib.handlers import pages, web
from chalicelib.store import face_checks

bp = Blueprint(__name__)

_MAX_ID = 64


def _dev_only() -> None:
    if not settings.get().is_dev:
        raise HallError.not_found()


def provider_page(request, face_id: str) -> Response:
    _dev_only()
    record = face_checks.get(face_id) if len(face_id) <= _MAX_ID else None
    purpose = FacePurpose(record.purpose).label if record else None
    return pages.render(request, "face_provider_dev.html", face_id=face_id, check=record, purpose=purpose)


def _deliver(body: dict):
    """The callback, as an API Gateway event to the hall's own handler: (status, JSON body)."""
    from app import app
    from devtools.events import proxy_event

    event = proxy_event("POST", "/api/face/callback", body, {"User-Agent": "face-provider-simulator (dev)"})
    outer = app.current_request
    try:
        answer = app(event, None)
    finally:
        app.current_request = outer
    return answer["statusCode"], json.loads(answer.get("body") or "{}")


@bp.route("/dev/face/{face_id}/result", methods=["POST"])
def decide(face_id):
    """通过 or 不通过 on the simulated provider: sign the outcome and send it to the hall's callback."""
    _dev_only()
    request = bp.current_request
    web.require_csrf(request)
    form = web.json_body(request)
    if form.get("result") not in ("passed", "failed"):
        raise HallError.validation_failed({"result": "请选择通过或不通过"})
    from devtools.stubs import face_provider  # dev only: not in the deployed package

    body = face_provider.callback(face_id[:_MAX_ID], form["result"] == "passed", clock.to_epoch(clock.now()))
    status, answer = _deliver(body)
    return Response(answer, status_code=status)
