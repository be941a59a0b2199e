"""Dev stage only: the local counterpart of the back office (业务经办系统) that handles 办件.

``GET /dev/back-office`` is a page where a tester types a 办件编号 (or arrives with ``?case=``
from a case's page) and presses 办结: the local back office (devtools/stubs/back_office.py, its
own test-only key) signs the callback the real back office sends, delivered in-process to the
hall's own ``POST /api/back-office/callback`` route as an API Gateway event, exactly as the
production route receives it. app.py registers these routes only in the dev stage, and each
checks it again. ``python -m chalicelib.ops cases finish <办件编号>`` does the same from a shell.
"""

from __future__ import annotations

import json

from chalice import Blueprint, Response

from chalicelib import clock, settings
from chalicelib.domain import cases as rules
from chalicelib.errors import HallError
from chalicelib.handlers import pages, web

bp = Blueprint(__name__)


def _dev_only() -> None:
    if not settings.get().is_dev:
        raise HallError.not_found()


def deliver(body: dict):
    """The callback, as an API Gateway event to the hall's own handler: (status, JSON body)."""
    from app import app
    from devtools.events import proxy_event

    event = proxy_event("POST", "/api/back-office/callback", body, {"User-Agent": "back-office-simulator (dev)"})
    outer = app.current_request
    try:
        answer = app(event, None)
    finally:
        app.current_request = outer
    return answer["statusCode"], json.loads(answer.get("body") or "{}")


@bp.route("/dev/back-office", methods=["GET"])
def back_office_page():
    _dev_only()
    request = bp.current_request
    values = getattr(request, "query_params", None) or {}
    return pages.render(request, "dev_back_office.html", case_id=str(values.get("case") or "")[:40])


@bp.route("/dev/back-office/cases/{case_id}/finish", methods=["POST"])
def finish(case_id):
    """办结 on the simulated back office: sign it and send it to the hall's callback."""
    _dev_only()
    request = bp.current_request
    web.require_csrf(request)
    web.json_body(request)  # no body is read, but the body's limits hold on every route
    try:
        number = rules.normalize_case_id(case_id[:40])
    except rules.InvalidValue as exc:
        raise HallError.validation_failed({"case_id": str(exc)}) from None
    from devtools.stubs import back_office  # dev only: not in the deployed package

    status, answer = deliver(back_office.callback(number, clock.to_epoch(clock.now())))
    return Response(answer, status_code=status)
