"""Cross-origin access (CORS): only for the origins the deployment lists, and none by default.

The hall's own pages call its API from its own origin, so no CORS header is ever needed for
them. A deployment that lets another site of its own (a provincial portal) call the API from
the citizen's browser lists that site's origin in ``HALL_CORS_ORIGINS`` (comma-separated,
``scheme://host[:port]``, compared exactly; ``*`` and ``null`` are never an origin). Then:

* an answer to a request whose ``Origin`` is listed echoes it in
  ``Access-Control-Allow-Origin``, with ``Access-Control-Allow-Credentials: true`` (the session
  cookie) and ``Vary: Origin``; any other origin gets no CORS header, so the browser keeps the
  answer from that page (the middleware calls :func:`add_headers` on every answer);
* a preflight (``OPTIONS``) is answered 204 only for a listed origin asking for a method the
  route has; anything else is ``not_found`` (404), as when no origin is listed.

API Gateway sends ``OPTIONS`` to the function only for resources with that method, so the
preflight routes exist only when origins are listed: :func:`install` adds them to every API
route when the app is loaded (``chalice package`` loads it with the stage's variables, so the
template has them exactly then). CSRF still holds for a listed origin: its page must read a
token from ``GET /api/csrf`` (bound to the session) and send it.
"""

from __future__ import annotations

from chalice import Chalice, Response
from chalice.app import Request

from chalicelib import settings
from chalicelib.errors import HallError

__all__ = ["ALLOWED_HEADERS", "add_headers", "allowed_origin", "install"]

# What the hall's API reads from a browser beyond the CORS-safelisted headers.
ALLOWED_HEADERS = "Content-Type, X-CSRF-Token, X-Hall-Client, Authorization, Idempotency-Key"
# What a listed origin's script may read from an answer (a 429's wait, the correlation id).
EXPOSED_HEADERS = "Retry-After, X-Request-Id"
PREFLIGHT_MAX_AGE = "600"
API_PREFIX = "/api/"


def allowed_origin(headers: dict | None) -> str | None:
    """The request's ``Origin`` when the deployment lists it, else None."""
    origin = (headers or {}).get("origin")
    if not origin or origin in {"null", "*"}:
        return None
    return origin if origin in settings.get().cors_origins else None


def add_headers(response: Response, request: Request) -> None:
    """CORS headers on an answer: only for a listed origin (with credentials), none otherwise;
    a preflight that was refused gets none either."""
    if not settings.get().cors_origins:
        return  # no origin listed: nothing differs by origin
    headers = response.headers
    vary = headers.get("Vary")
    headers["Vary"] = f"{vary}, Origin" if vary and "Origin" not in vary else (vary or "Origin")
    origin = allowed_origin(request.headers)
    if origin is None or (request.method == "OPTIONS" and response.status_code != 204):
        for name in [name for name in headers if name.lower().startswith("access-control-")]:
            del headers[name]
        return
    headers["Access-Control-Allow-Origin"] = origin
    headers["Access-Control-Allow-Credentials"] = "true"
    if (response.status_code or 200) != 204:
        headers.setdefault("Access-Control-Expose-Headers", EXPOSED_HEADERS)


def _preflight_view(app: Chalice):
    def preflight():
        request: Request = app.current_request
        headers = request.headers or {}
        methods = set(app.routes.get((request.context or {}).get("resourcePath") or "", {})) - {"OPTIONS"}
        asked = (headers.get("access-control-request-method") or "").upper()
        origin = allowed_origin(headers)
        if origin is None or asked not in methods:
            raise HallError.not_found()  # as if no origin were listed: the browser refuses the call
        return Response(
            "",
            status_code=204,
            headers={
                "Access-Control-Allow-Origin": origin,
                "Access-Control-Allow-Credentials": "true",
                "Access-Control-Allow-Methods": ", ".join(sorted(methods)),
                "Access-Control-Allow-Headers": ALLOWED_HEADERS,
                "Access-Control-Max-Age": PREFLIGHT_MAX_AGE,
            },
        )

    return preflight


def install(app: Chalice) -> list[str]:
    """Add the preflight (``OPTIONS``) to every API route, when the deployment lists origins;
    returns the paths it added it to (none by default)."""
    if not settings.get().cors_origins:
        return []
    view = _preflight_view(app)
    added = []
    for path in sorted(app.routes):
        if path.startswith(API_PREFIX) and "OPTIONS" not in app.routes[path]:
            app.route(path, methods=["OPTIONS"], name=f"cors_preflight_{len(added)}")(view)
            added.append(path)
    return added
