"""扫码登录, the app's side and the QR's own page.

``POST /api/qr-logins/{qr_id}/scan|confirm|cancel`` are for a logged-in 江苏智慧人社APP
(``X-Hall-Client: app`` and a bearer session): a browser's cookie session is refused.
``GET /qr/{qr_id}`` is what the QR encodes: a phone's camera app (no 江苏智慧人社APP) opens it
and is told how to get the app; in the dev stage the same page plays the app
(chalicelib.handlers.dev_app).
"""

from __future__ import annotations

from chalice import Blueprint

from chalicelib import settings
from chalicelib.errors import HallError
from chalicelib.handlers import pages, web
from chalicelib.methods.app_qr import approval
from chalicelib.observability import tracer

bp = Blueprint(__name__)


def _app_session(request):
    web.json_body(request)  # no fields, but a body must still be a small JSON object
    if not web.is_app_client(request):
        raise HallError.app_session_required()
    web.require_csrf(request)
    return web.require_session(request)


@bp.route("/api/qr-logins/{qr_id}/scan", methods=["POST"])
@tracer.capture_method
def scan_qr(qr_id):
    request = bp.current_request
    session = _app_session(request)
    return {"qr_login": approval.mark_scanned(qr_id, session.account_id, web.context(request).now)}


@bp.route("/api/qr-logins/{qr_id}/confirm", methods=["POST"])
@tracer.capture_method
def confirm(qr_id):
    request = bp.current_request
    session = _app_session(request)
    return {"qr_login": approval.confirm(qr_id, session.account_id, web.context(request).now)}


@bp.route("/api/qr-logins/{qr_id}/cancel", methods=["POST"])
@tracer.capture_method
def cancel(qr_id):
    request = bp.current_request
    session = _app_session(request)
    return {"qr_login": approval.cancel(qr_id, session.account_id, web.context(request).now)}


@bp.route("/qr/{qr_id}", methods=["GET"])
def qr_page(qr_id):
    request = bp.current_request
    if settings.get().is_dev:
        from chalicelib.handlers import dev_app

        return dev_app.app_page(request, qr_id)
    return pages.render(request, "qr_app.html")


@bp.route("/app", methods=["GET"])
def app_download_page():
    """下载江苏智慧人社APP: where to get the app and how to scan with it."""
    return pages.render(bp.current_request, "qr_app.html", download=True)
