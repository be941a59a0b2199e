"""长者模式 / 标准模式 (the elder mode) and what every page's top bar needs to offer it.

The mode is a visitor's preference, kept per browser in the ``hall_mode`` cookie (no account
needed). The server reads it on every page (:func:`page_context`, called by ``pages.render``)
and renders the mode's class on ``<html>``, so a page never flashes in the other mode. The
switch is a plain link to ``GET /display-mode?mode=elder&next=<this page>``: it sets the cookie
and sends the browser back to the page it came from (only a path of ours: never another host),
so it works without the page's script.

The page also says when the citizen's session would expire if left idle (seconds from now):
``session-timeout.js`` warns a minute before and offers 继续使用 (WCAG 2.2.1).
"""

from __future__ import annotations

import re
from urllib.parse import quote, urlencode

from chalice import Blueprint
from chalice.app import Request

from chalicelib.handlers import web

__all__ = ["MODES", "MODE_COOKIE", "bp", "mode_of", "page_context"]

bp = Blueprint(__name__)

MODE_COOKIE = "hall_mode"
MODE_COOKIE_MAX_AGE = 365 * 24 * 3600
ELDER, STANDARD = "elder", "standard"
MODES = (STANDARD, ELDER)

_PARAMETER = re.compile(r"\{(\w+)\+?\}")


def mode_of(request: Request) -> str:
    """The mode this browser chose: ``elder`` or ``standard`` (the default, and for any other value)."""
    return ELDER if web.cookies(request).get(MODE_COOKIE) == ELDER else STANDARD


def current_location(request: Request) -> str:
    """The path and query the browser asked for (Chalice's ``request.path`` is the route's
    pattern, ``/services/{code}``: its parameters are filled back in)."""
    pattern = getattr(request, "path", None) or "/"
    params = getattr(request, "uri_params", None) or {}
    path = _PARAMETER.sub(lambda m: quote(str(params.get(m.group(1), "")), safe="/"), pattern)
    query = getattr(request, "query_params", None) or {}
    pairs = [(name, value) for name in query for value in _values(query, name)]
    return path + ("?" + urlencode(pairs) if pairs else "")


def _values(query, name: str) -> list[str]:
    getlist = getattr(query, "getlist", None)
    return list(getlist(name)) if getlist else [query[name]]


def switch_href(request: Request, mode: str) -> str:
    """The top bar's link that switches to ``mode`` and comes back here."""
    here = current_location(request)
    from chalicelib.handlers.pages import safe_return_path

    back = safe_return_path(here) or "/"
    return "/display-mode?" + urlencode({"mode": mode, "next": back})


def page_context(request: Request, session, now) -> dict:
    """What base.html needs on every page: the mode, the switch's link and the session's idle time."""
    mode = mode_of(request)
    other = STANDARD if mode == ELDER else ELDER
    values = {"display_mode": mode, "display_switch": switch_href(request, other)}
    if session is not None:
        values["session_expires_in"] = max(0, int((session.expires_at - now).total_seconds()))
        values["session_absolute_in"] = max(0, int((session.absolute_expires_at - now).total_seconds()))
    return values


@bp.route("/display-mode", methods=["GET"])
def switch_mode():
    """Remember the chosen mode and go back to the page the switch was on (a path of ours only)."""
    from chalicelib.handlers.pages import safe_return_path

    request = bp.current_request
    query = getattr(request, "query_params", None) or {}
    mode = str(query.get("mode") or "")
    back = safe_return_path(str(query.get("next") or "")) or "/"
    if back.startswith("/display-mode"):
        back = "/"
    if mode not in MODES:
        return web.redirect(back)
    return web.redirect(back, cookies=[web.preference_cookie(MODE_COOKIE, mode, MODE_COOKIE_MAX_AGE)])
