"""电子社保卡扫码登录: its page, the QR's own page, and the national e-SSC platform's callback.

``GET /login/essc`` is 电子社保卡扫码登录 (其他登录方式 → 电子社保卡): the page asks for a QR
(``POST /api/sessions`` with ``essc_qr``) and polls it. ``GET /essc/{qr_id}`` is what the QR
encodes: a phone's camera app (no e-SSC app) is told to scan with 电子社保卡; in the dev stage the
same page plays the national platform (chalicelib.handlers.dev_essc). ``POST /api/essc/callback``
is the platform's signed confirmation of a scan (server to server: no cookie, no CSRF token; the
signature, timestamp, nonce and the QR's minute code are its proof).
"""

from __future__ import annotations

from chalice import Blueprint

from chalicelib import settings
from chalicelib.handlers import pages, web
from chalicelib.methods.essc_qr import login as essc_qr
from chalicelib.observability import tracer

bp = Blueprint(__name__)


@bp.route("/login/essc", methods=["GET"])
def essc_login_page():
    return pages.render(bp.current_request, "login_essc.html")


@bp.route("/essc/{qr_id}", methods=["GET"])
def essc_qr_page(qr_id):
    request = bp.current_request
    if settings.get().is_dev:
        from chalicelib.handlers import dev_essc

        return dev_essc.platform_page(request, qr_id)
    return pages.render(request, "essc_qr.html")


@bp.route("/api/essc/callback", methods=["POST"])
@tracer.capture_method
def essc_callback():
    request = bp.current_request
    body = web.json_body(request)
    return {"result": "ok", "state": essc_qr.confirm_scan(body, web.context(request))}
