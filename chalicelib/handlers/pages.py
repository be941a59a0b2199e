"""The hall's web pages, in Chinese, mirroring the training manual's screens.

Server-rendered with Jinja2 (loaded on the first page, not at cold start);
forms post JSON to the API with a small script, no build step. What the pages
show around the services (navigation, 我是, 热门服务, 主题服务, footer links) is the
service catalogue's data (:mod:`chalicelib.catalogue`); this module only renders them
(the 用户申诉 pages are chalicelib.handlers.appeals').
"""

from __future__ import annotations

import mimetypes
from functools import lru_cache
from importlib import resources

from chalice import Blueprint, Response
from chalice.app import Request

from chalicelib import catalogue, settings
from chalicelib.domain.identity import DocumentType
from chalicelib.errors import HallError
from chalicelib.handlers import web

bp = Blueprint(__name__)

_STATIC_TYPES = {".css": "text/css; charset=utf-8", ".js": "text/javascript; charset=utf-8", ".svg": "image/svg+xml"}


@lru_cache(maxsize=1)
def _environment():
    import jinja2

    return jinja2.Environment(
        loader=jinja2.PackageLoader("chalicelib", "web/templates"),
        autoescape=jinja2.select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )


LOGIN_TABS = ("qr", "password", "sms")


def _query(request: Request, name: str) -> str:
    values = getattr(request, "query_params", None) or {}
    value = values.get(name) or ""
    return value.strip()[:100]


def safe_return_path(value: str | None) -> str | None:
    """A return path (``/login?next=``) only when it is a path of ours: one leading slash,
    no scheme or host, no backslash or control character; anything else is None."""
    if not value or len(value) > 200 or not value.startswith("/") or value.startswith("//"):
        return None
    if "\\" in value or any(ord(char) < 0x20 or ord(char) == 0x7F for char in value):
        return None
    return value


def render(request: Request, template: str, status: int = 200, session=None, **values) -> Response:
    """Render a page; ``session`` is the caller's, when it already resolved it (one GetItem)."""
    if session is None:
        session = web.current_session(request)
    csrf = web.fresh_csrf(request)  # bound to the browser's session cookie, when it has one
    headers = {"Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-store"}
    if csrf is None:
        csrf = web.new_csrf_token(web.csrf_binding(request))
        headers["Set-Cookie"] = [web.csrf_cookie(csrf)]
    values.setdefault("section", None)
    values.setdefault("region", _region(request))
    values.update(_display(request, session))
    html = (
        _environment()
        .get_template(template)
        .render(
            user=web.user_view(session) if session else None,
            csrf_token=csrf,
            is_dev=settings.get().is_dev,
            document_types=list(DocumentType),
            agreement_version=settings.get().agreement_version,
            path=request.path if hasattr(request, "path") else "/",
            nav=catalogue.load().navigation,
            footer_links=catalogue.load().footer,
            **values,
        )
    )
    return Response(html, status_code=status, headers=headers)


def _display(request: Request, session) -> dict:
    """长者模式 and the session's idle time, for every page's top bar (handlers/display.py)."""
    from chalicelib.handlers import display

    return display.page_context(request, session, web.context(request).now)


def _region(request: Request) -> str:
    """地市频道: the region the header shows (the catalogue's pages keep the choice)."""
    from chalicelib.handlers import catalogue as catalogue_pages

    return catalogue_pages.region_of(request)


@bp.route("/", methods=["GET"])
def home():
    offer = catalogue.load()
    return render(
        bp.current_request,
        "home.html",
        section="home",
        personas=offer.personas,
        hot_services=offer.hot_services,
        themes=offer.themes,
    )


@bp.route("/login", methods=["GET"])
def login_page():
    tab = _query(bp.current_request, "tab")
    return_to = safe_return_path(_query(bp.current_request, "next")) or "/"
    return render(bp.current_request, "login.html", tab=tab if tab in LOGIN_TABS else "password", return_to=return_to)


@bp.route("/register", methods=["GET"])
def register_page():
    return render(bp.current_request, "register.html")


@bp.route("/faq", methods=["GET"])
def faq_page():
    return render(bp.current_request, "faq.html")


@bp.route("/agreement", methods=["GET"])
def agreement_page():
    return render(bp.current_request, "agreement.html")


@bp.route("/sitemap", methods=["GET"])
def sitemap_page():
    from chalicelib.catalogue import services
    from chalicelib.handlers.user_center import MENU

    return render(
        bp.current_request,
        "sitemap.html",
        themes=services.THEMES,
        personas=services.PERSONAS,
        user_menu=MENU,
    )


# The catalogue's pages (/hall/<key>, /search, /services/<code>) are chalicelib.handlers.catalogue's.


@lru_cache(maxsize=32)
def _static(name: str) -> str | None:
    if "/" in name or ".." in name:
        return None
    file = resources.files("chalicelib").joinpath("web/static").joinpath(name)
    return file.read_text("utf-8") if file.is_file() else None


@bp.route("/static/{name}", methods=["GET"])
def static(name):
    body = _static(name)
    if body is None:
        raise HallError.not_found()
    kind = _STATIC_TYPES.get("." + name.rsplit(".", 1)[-1]) or mimetypes.guess_type(name)[0] or "text/plain"
    return Response(body, headers={"Content-Type": kind, "Cache-Control": "public, max-age=300"})
