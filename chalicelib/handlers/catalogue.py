"""The hall's catalogue pages: 个人办事, 单位办事, 查询服务, 服务清单, 主题服务, search, a
service's page (办事指南, 在线办理), 收藏 (favourites), 地市频道 (the region switch), 关于本站
and 联系我们.

The services are :mod:`chalicelib.catalogue.services`' data; 收藏 is the flow
:mod:`chalicelib.flows.user_center.favourites`. 地市频道 is a preference kept in the
``hall_region`` cookie (a region id, :data:`services.REGION_IDS`): a city's pages list the
province's services and that city's own; without it, 省本级. A section of the navigation or
footer that is not built yet still says 即将开放 (``/hall/<key>``), never a broken link; an
unknown section or service code answers the HTML 404 page, and so does any other page URL no
route has (:func:`unknown_page`, the greedy ``/{proxy+}`` route API Gateway tries last).
"""

from __future__ import annotations

from chalice import Blueprint
from chalice.app import Request

from chalicelib import catalogue
from chalicelib.catalogue import services
from chalicelib.errors import HallError
from chalicelib.handlers import pages, web
from chalicelib.observability import tracer

__all__ = ["PAGE_SIZE", "bp"]

bp = Blueprint(__name__)

PAGE_SIZE = 20
SEARCH_LIMIT = 50
REGION_COOKIE = "hall_region"
REGION_COOKIE_MAX_AGE = 365 * 24 * 3600


def region_of(request: Request) -> str:
    """The region the visitor chose (地市频道), 省本级 when none or an unknown one."""
    chosen = web.cookies(request).get(REGION_COOKIE)
    return services.REGION_IDS.get(chosen or "", services.PROVINCE)


def not_found_page(request: Request):
    """The HTML 404 page of a page URL whose section or service does not exist."""
    return pages.render(request, "not_found.html", status=404)


def _query(request: Request, name: str) -> str:
    values = getattr(request, "query_params", None) or {}
    return str(values.get(name) or "").strip()[:100]


def _choice(request: Request, name: str, allowed: tuple[str, ...]) -> str | None:
    value = _query(request, name)
    return value if value in allowed else None


def _favourite_codes(session) -> frozenset[str]:
    from chalicelib.flows.user_center import favourites

    return favourites.codes_for(session)


def _render(request: Request, template: str, **values):
    """A catalogue page: the session read once, the citizen's favourites marked on its cards."""
    session = web.current_session(request)
    return pages.render(request, template, session=session, favourite_codes=_favourite_codes(session), **values)


def _by_theme(found: list[services.Service]) -> list[tuple[str, list[services.Service]]]:
    """Services grouped under their first theme, in the themes' order; empty themes left out."""
    groups = [(theme, [s for s in found if s.themes[0] == theme]) for theme in services.THEMES]
    return [(theme, listed) for theme, listed in groups if listed]


def _listing(request: Request, key: str, title: str, lead: str, **filters):
    found = services.for_filters(region=region_of(request), **filters)
    return _render(
        request, "hall/listing.html", section=key, title=title, lead=lead, groups=_by_theme(found), total=len(found)
    )


def _catalog(request: Request):
    """服务清单: every service, filtered by theme, persona, 办事/查询 and 个人/单位, a page at a time."""
    filters = {
        "theme": _choice(request, "theme", services.THEMES),
        "persona": _choice(request, "persona", services.PERSONAS),
        "kind": _choice(request, "kind", services.KINDS),
        "audience": _choice(request, "audience", services.AUDIENCES),
    }
    found = services.for_filters(region=region_of(request), **filters)
    pages_total = max(1, -(-len(found) // PAGE_SIZE))
    try:
        page = min(max(int(_query(request, "page") or 1), 1), pages_total)
    except ValueError:
        page = 1
    shown = found[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
    chosen = {name: value for name, value in filters.items() if value}
    return _render(
        request,
        "hall/catalog.html",
        section="catalog",
        filters=chosen,
        shown=shown,
        total=len(found),
        page=page,
        pages_total=pages_total,
        first_number=(page - 1) * PAGE_SIZE + 1,
        themes=services.THEMES,
        personas=services.PERSONAS,
        kinds=services.KINDS,
        audiences=services.AUDIENCES,
    )


def _themes(request: Request):
    region = region_of(request)
    topics = [
        (i, topic, services.for_filters(topic=topic, region=region)) for i, topic in enumerate(services.TOPICS, 1)
    ]
    icons = dict(catalogue.load().themes)
    return _render(request, "hall/themes.html", section="themes", topics=topics, icons=icons)


def _region(request: Request):
    """地市频道: the regions to choose from; ``?to=<id>`` chooses one (a preference cookie) and
    comes back here saying so."""
    chosen = _query(request, "to")
    if chosen:
        if chosen not in services.REGION_IDS:
            return not_found_page(request)
        cookie = web.preference_cookie(REGION_COOKIE, chosen, REGION_COOKIE_MAX_AGE)
        return web.redirect("/hall/region?done=1", cookies=[cookie])
    current = region_of(request)
    local = {region: len([s for s in services.all() if s.region == region]) for region in services.CITIES}
    return pages.render(
        request,
        "hall/region.html",
        section="region",
        regions=list(services.REGION_IDS.items()),
        current=current,
        local=local,
        done=bool(_query(request, "done")),
    )


def _notices(request: Request):
    """公示公告: the newest first, a page at a time (``?after=`` the previous page's last id)."""
    from chalicelib.flows import notices

    after = _query(request, "after") or None
    listed = notices.page(after)
    shown = [(notice, _china_date(notice.published_at)) for notice in listed.notices]
    return pages.render(
        request, "hall/notices.html", section="notices", shown=shown, next_after=listed.next_after, paged=bool(after)
    )


def _china_date(moment) -> str:
    from chalicelib.clock import CHINA

    return f"{moment.astimezone(CHINA):%Y-%m-%d}"


_PAGES = {
    "personal": lambda request: _listing(
        request,
        "personal",
        "个人办事",
        "面向个人的办事事项，按业务主题排列。点击事项查看办事指南并在线办理。",
        audience="个人",
        kind="办事",
    ),
    "business": lambda request: _listing(
        request,
        "business",
        "单位办事",
        "面向用人单位的办事事项，可在此查看办事指南。",
        audience="单位",
    ),
    "query": lambda request: _listing(
        request,
        "query",
        "查询服务",
        "个人可在线查询的事项，按业务主题排列。查询本人信息须完成实名认证。",
        audience="个人",
        kind="查询",
    ),
    "catalog": _catalog,
    "themes": _themes,
    "region": _region,
    "notices": _notices,
    "about": lambda request: pages.render(request, "hall/about.html", section="about"),
    "contact": lambda request: pages.render(request, "hall/contact.html", section="contact"),
}


@bp.route("/hall/{key}", methods=["GET"])
@tracer.capture_method
def section_page(key):
    request = bp.current_request
    if key in _PAGES:
        return _PAGES[key](request)
    sections = catalogue.load().sections()
    if key not in sections:
        return not_found_page(request)
    return pages.render(request, "coming_soon.html", feature=sections[key], section=key)


@bp.route("/hall/notices/{notice_id}", methods=["GET"])
@tracer.capture_method
def notice_page(notice_id):
    from chalicelib.flows import notices

    notice = notices.get(notice_id)
    if notice is None:
        return not_found_page(bp.current_request)
    return pages.render(
        bp.current_request, "hall/notice.html", section="notices", notice=notice, date=_china_date(notice.published_at)
    )


@bp.route("/search", methods=["GET"])
@tracer.capture_method
def search_page():
    request = bp.current_request
    query = _query(request, "q")
    found = services.search(query, limit=SEARCH_LIMIT, region=region_of(request)) if query else []
    return _render(request, "hall/search.html", query=query, found=found)


@bp.route("/services/{code}", methods=["GET"])
@tracer.capture_method
def service_page(code):
    service = services.get(services.normalize_code(code) or "")
    if service is None:
        return not_found_page(bp.current_request)
    section = "business" if service.audience == "单位" else ("query" if service.kind == "查询" else "personal")
    return _render(
        bp.current_request, "service.html", service=service, section=section, guide_headings=services.GUIDE_HEADINGS
    )


# -- 收藏 (favourites) ---------------------------------------------------------------------


def _favourite_view(entry) -> dict:
    service = entry.service
    return {
        "code": service.code,
        "name": service.name,
        "kind": service.kind,
        "href": service.href,
        "added_at": entry.added_at.isoformat(),
    }


@bp.route("/api/favourites", methods=["GET"])
@tracer.capture_method
def list_favourites():
    """The citizen's favourites, newest first."""
    from chalicelib.flows.user_center import favourites

    session = web.require_session(bp.current_request)
    return {"favourites": [_favourite_view(entry) for entry in favourites.list_for(session)]}


@bp.route("/api/favourites/{code}", methods=["PUT"])
@tracer.capture_method
def add_favourite(code):
    """收藏: idempotent (a service already a favourite stays one)."""
    from chalicelib.flows.user_center import favourites

    request = bp.current_request
    web.require_csrf(request)
    session = web.require_session(request)
    service = favourites.add(session, code, web.context(request))
    return {"code": service.code, "favourite": True, "message": f"已收藏“{service.name}”"}


@bp.route("/api/favourites/{code}", methods=["DELETE"])
@tracer.capture_method
def remove_favourite(code):
    """取消收藏: idempotent (a service that is not a favourite stays so)."""
    from chalicelib.flows.user_center import favourites

    request = bp.current_request
    web.require_csrf(request)
    session = web.require_session(request)
    removed = favourites.remove(session, code)
    service = services.get(removed)
    name = service.name if service else removed
    return {"code": removed, "favourite": False, "message": f"已取消收藏“{name}”"}


@bp.route("/{proxy+}", methods=["GET"])
def unknown_page():
    """A GET of a path no other route has: the HTML 404 page, or the JSON ``not_found`` for an
    API path. API Gateway matches the most specific resource first, so this greedy route sees only
    what nothing else answers (locally, devtools.local_gateway plays that); other methods on such a
    path get API Gateway's ``not_found`` gateway response."""
    request = bp.current_request
    # Chalice's request.path is the route ("/{proxy+}"); API Gateway passes the rest as "proxy".
    asked = str((request.uri_params or {}).get("proxy") or "")
    if asked == "api" or asked.startswith("api/"):
        raise HallError.not_found()
    return not_found_page(request)
