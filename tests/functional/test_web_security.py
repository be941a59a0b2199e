"""Security headers, cache rules and the one error shape on every answer: pages, static files,
API answers, errors, and requests no route (or no method, content type or body size) accepts.

Routes are read from the app, so a new route is covered without touching this file.
"""

from __future__ import annotations

import inspect
import json
import re
from pathlib import Path

import pytest

from chalicelib.errors import HallError
from chalicelib.handlers.security_headers import STRICT_TRANSPORT_SECURITY
from tests.support import Browser

ROOT = Path(__file__).resolve().parents[2]
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; media-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
# Values for path parameters that reach the view's success path; any other parameter gets "x".
PATH_VALUES = {"key": "personal", "name": "hall.css"}
UNKNOWN_PATHS = ("/nope", "/api/nope", "/api/sessions/current/extra", "/a/b/c/d/e/f/g", "/.env", "/wp-login.php")


def _concrete(route: str) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: PATH_VALUES.get(m.group(1), "x"), route)


def _routes(app) -> list[tuple[str, str]]:
    return sorted((route, method) for route, entries in app.routes.items() for method in entries)


def _post_routes(app) -> list[str]:
    return sorted(route for route, method in _routes(app) if method == "POST")


def _assert_secured(reply, *, cacheable: bool = False, hsts: bool = False) -> None:
    headers = reply.headers
    assert headers.get("Content-Security-Policy") == CSP, headers
    assert headers.get("X-Frame-Options") == "DENY"
    assert headers.get("X-Content-Type-Options") == "nosniff"
    assert headers.get("Referrer-Policy") in {"strict-origin-when-cross-origin", "same-origin", "no-referrer"}
    permissions = headers.get("Permissions-Policy", "")
    for feature in ("camera=()", "microphone=()", "geolocation=()", "payment=()"):
        assert feature in permissions, permissions
    assert (headers.get("Strict-Transport-Security") == STRICT_TRANSPORT_SECURITY) is hsts, headers
    if cacheable:
        assert "no-store" not in headers.get("Cache-Control", "") and "max-age=" in headers["Cache-Control"]
    else:
        assert headers.get("Cache-Control") == "no-store", headers


def _assert_error_shape(reply, status: int, code: str) -> None:
    assert reply.status == status, reply.body
    assert reply.body["code"] == code
    assert re.search(r"[\u4e00-\u9fff]", reply.body["message"]), reply.body
    assert isinstance(reply.body["fields"], dict)
    assert reply.body["request_id"]


def _raw(browser: Browser, method: str, path: str, body: bytes | str, content_type: str = "application/json"):
    """A request with exactly this body (the client's helpers send JSON they encode themselves)."""
    if "hall_csrf" not in browser.cookies:
        browser.get("/api/csrf")
    headers = {**browser._headers(), "Content-Type": content_type}
    response = getattr(browser._client.http, method.lower())(path, headers=headers, body=body)
    from tests.support import Reply

    try:
        parsed = json.loads(response.body) if response.body else {}
    except ValueError:
        parsed = {"_text": response.body.decode("utf-8")}
    return Reply(response.status_code, parsed, dict(response.headers))


# -- every route ------------------------------------------------------------------------


def test_given_any_route_when_it_answers_then_the_security_headers_and_cache_rules_are_set(app, browser):
    # GIVEN every route and method the app serves (a page, a static file, API answers and errors)
    routes = _routes(app)
    assert len(routes) >= 15
    for route, method in routes:
        path = _concrete(route)
        # WHEN a browser calls it
        reply = browser.request(method, path, {} if method in {"POST", "PUT", "PATCH"} else None)
        # THEN the answer carries the security headers; only a static file found may be cached
        cacheable = route.startswith("/static/") and reply.status < 400
        try:
            _assert_secured(reply, cacheable=cacheable)
        except AssertionError as exc:
            raise AssertionError(f"{method} {path} ({reply.status}): {exc}") from None
        assert reply.headers.get("X-Request-Id")


def test_given_a_logged_in_citizen_when_a_page_shows_their_name_then_it_is_not_cached(browser):
    from tests.support import new_citizen

    # GIVEN a citizen who registered (and so is logged in)
    citizen = new_citizen()
    assert browser.register(citizen).status == 201
    # WHEN they open the home page, which shows their masked name
    reply = browser.get("/")
    # THEN no cache may keep it
    assert citizen.name[0] + "*" in reply.body["_text"]
    _assert_secured(reply)


def test_given_a_page_when_another_site_frames_it_then_the_browser_is_told_not_to(browser):
    # GIVEN the login page (the target a clickjacking page would frame)
    reply = browser.get("/login")
    assert reply.status == 200
    # THEN both framing controls refuse every ancestor: X-Frame-Options (older browsers) and CSP
    assert reply.headers["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in reply.headers["Content-Security-Policy"].split("; ")


def test_given_the_pages_when_rendered_then_they_need_no_inline_script_style_or_eval(app, browser):
    # GIVEN every page the app renders and the scripts they load
    pages = []
    for route, method in _routes(app):
        if method == "GET" and not route.startswith(("/api/", "/static/")):
            reply = browser.get(_concrete(route))
            if reply.headers.get("Content-Type", "").startswith("text/html"):
                pages.append((route, reply.body["_text"]))
    assert len(pages) >= 10
    # THEN nothing in them needs 'unsafe-inline' (the CSP has none): no inline script or style,
    # no style attribute, no on* handler, no javascript: URL
    inline = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>|<style\b|\sstyle\s*=|\son[a-z]+\s*=|javascript:", re.I)
    for route, html in pages:
        assert not inline.search(html), (route, inline.search(html).group())
    # AND the scripts need no 'unsafe-eval'
    for script in (ROOT / "chalicelib/web/static").glob("*.js"):
        text = script.read_text("utf-8")
        assert not re.search(r"\beval\s*\(|new\s+Function\s*\(|set(Timeout|Interval)\s*\(\s*['\"`]", text), script


def test_given_the_hall_is_served_over_https_when_it_answers_then_hsts_is_set(app):
    from devtools.local_gateway import Client

    # GIVEN the prod stage (Secure cookies: served over HTTPS only)
    with Client(app, stage_name="prod") as client:
        # WHEN it serves a static file and an error
        found = client.http.get("/static/hall.css")
        missing = client.http.get("/static/nope.css")
    # THEN both tell browsers to use HTTPS from now on
    for response in (found, missing):
        assert response.headers["Strict-Transport-Security"] == STRICT_TRANSPORT_SECURITY
    assert found.status_code == 200 and missing.status_code == 404


# -- what no route takes, in the one error shape ---------------------------------------


def test_given_an_unknown_path_when_called_with_any_method_then_not_found_in_the_error_shape(browser):
    # GIVEN paths no route has (as a scanner tries them)
    for path in UNKNOWN_PATHS:
        for method in (*METHODS, "OPTIONS"):
            # WHEN they are called
            reply = browser.request(method, path, {} if method in {"POST", "PUT", "PATCH"} else None)
            if method == "GET":
                # THEN the greedy route answers: a page URL gets the HTML 404 page, an API path
                # not_found in the one shape, with the app's headers (HSTS where served over HTTPS)
                if path.startswith("/api/"):
                    _assert_error_shape(reply, 404, "not_found")
                else:
                    assert reply.status == 404 and "页面不存在" in reply.body["_text"]
                _assert_secured(reply)
                continue
            # THEN the answer is 404 not_found in the one shape, with the headers (API Gateway's
            # own "Missing Authentication Token" never shows)
            _assert_error_shape(reply, 404, "not_found")
            assert "Missing Authentication Token" not in json.dumps(reply.body)
            _assert_secured(reply, hsts=True)  # the gateway's answers are HTTPS-only: HSTS always


def test_given_a_route_when_called_with_a_method_it_lacks_then_method_not_allowed(app, browser):
    # GIVEN every route and a method it does not serve (on the greedy "/{proxy+}", API Gateway
    # cannot tell a missing method from a missing path: the test above has it answer not_found)
    for route, entries in app.routes.items():
        if route.endswith("+}"):
            continue
        method = next(m for m in METHODS if m not in entries)
        # WHEN it is called that way
        reply = browser.request(method, _concrete(route), {} if method in {"POST", "PUT", "PATCH"} else None)
        # THEN 405 method_not_allowed in the one shape, saying what is allowed
        _assert_error_shape(reply, 405, "method_not_allowed")
        assert set(reply.headers["Allow"].replace(" ", "").split(",")) == set(entries)
        _assert_secured(reply)


def test_given_a_post_route_when_the_body_is_not_json_typed_then_unsupported_media_type(app, browser):
    for route in _post_routes(app):
        # GIVEN a form post (not JSON) WHEN sent to a JSON route
        reply = _raw(browser, "POST", route, "method=password", content_type="application/x-www-form-urlencoded")
        # THEN 415 unsupported_media_type in the one shape
        _assert_error_shape(reply, 415, "unsupported_media_type")
        _assert_secured(reply)


@pytest.mark.parametrize(
    "body",
    [
        "[" * 1000 + "]" * 1000,
        '{"a":' * 1000 + "1" + "}" * 1000,
        '{"method": "password", "identifier": ' + "[" * 21 + "]" * 21 + "}",
        "[1, 2]",
        "{not json",
        b"\xff\xfe{}",
    ],
    ids=["deep-array", "deep-object", "21-levels", "array", "not-json", "not-utf8"],
)
def test_given_a_post_route_when_the_body_is_malformed_whatever_its_shape_then_malformed_request(app, browser, body):
    for route in _post_routes(app):
        # GIVEN a body that is not one JSON object of sane depth WHEN posted
        reply = _raw(browser, "POST", route, body)
        # THEN 400 malformed_request, never a 500
        _assert_error_shape(reply, 400, "malformed_request")
        _assert_secured(reply)


def test_given_a_post_route_when_the_body_is_over_16_kib_then_payload_too_large(app, browser):
    body = json.dumps({"method": "password", "identifier": "x" * (16 * 1024)})
    for route in _post_routes(app):
        # GIVEN a body over the limit (the largest form is under 1 KiB) WHEN posted
        reply = _raw(browser, "POST", route, body)
        # THEN 413 payload_too_large in the one shape
        _assert_error_shape(reply, 413, "payload_too_large")
        _assert_secured(reply)


def test_given_json_nested_to_the_limit_when_parsed_then_it_is_accepted():
    from chalicelib.handlers import web

    class Request:
        def __init__(self, raw: str) -> None:
            self.raw_body = raw.encode()

    # GIVEN bodies nested exactly to the limit, with brackets and escapes inside strings
    deepest = '{"a": ' + "[" * (web.MAX_JSON_DEPTH - 1) + "]" * (web.MAX_JSON_DEPTH - 1) + "}"
    tricky = json.dumps({"a": "[[[[" * 30 + '\\"{{{', "b": "\\"})
    # THEN they parse; one level deeper does not
    assert web.json_body(Request(deepest)) == json.loads(deepest)
    assert web.json_body(Request(tricky)) == json.loads(tricky)
    with pytest.raises(HallError) as refused:
        web.json_body(Request('{"b": ' + deepest + "}"))
    assert refused.value.code == "malformed_request"


# -- errors keep the headers ------------------------------------------------------------


def _constructors_with_status(status: int) -> list[str]:
    names = []
    for name, member in inspect.getmembers(HallError, inspect.ismethod):
        if re.search(rf'cls\(\s*"[a-z_]+",\s*{status}\b', inspect.getsource(member)):
            names.append(name)
    return names


def test_given_any_429_when_answered_then_retry_after_says_when_to_come_back(browser, monkeypatch):
    from chalicelib.flows import login

    # GIVEN every error the hall answers 429 with
    names = _constructors_with_status(429)
    assert {"rate_limited", "sms_resend_too_soon"} <= set(names)
    for name in names:
        parameters = inspect.signature(getattr(HallError, name)).parameters
        assert "retry_after" in parameters, f"{name}: a 429 must say when to come back"
        error = getattr(HallError, name)(retry_after=42)

        def refuse(*_a, _error=error, **_k):
            raise _error

        monkeypatch.setattr(login, "begin", refuse)
        # WHEN a request meets it
        reply = browser.post("/api/sessions", {"method": "password", "identifier": "a", "password": "b"})
        # THEN Retry-After carries the seconds the body gives, with the headers
        assert reply.status == 429 and reply.body["code"] == error.code
        assert reply.headers["Retry-After"] == "42" and reply.body["retry_after"] == 42
        _assert_secured(reply)


def test_given_a_crash_in_a_view_or_around_it_then_internal_error_with_the_headers(browser, monkeypatch):
    from chalicelib.flows import login

    def explode(*_a, **_k):
        raise RuntimeError("internal detail that must not leak")

    # GIVEN a view that crashes (Chalice answers it in its own shape, which we replace)
    monkeypatch.setattr(login, "begin", explode)
    reply = browser.post("/api/sessions", {"method": "password", "identifier": "a", "password": "b"})
    _assert_error_shape(reply, 500, "internal_error")
    _assert_secured(reply)
    # GIVEN a crash in Chalice around the view (its outer handler would answer without our headers)
    import chalice.app

    monkeypatch.setattr(chalice.app.RestAPIEventHandler, "_get_view_function_response", explode)
    reply = browser.get("/faq")
    _assert_error_shape(reply, 500, "internal_error")
    assert "internal detail" not in json.dumps(reply.body)
    _assert_secured(reply)


# -- every route's refusals keep the shape and the headers --------------------------------


def test_given_any_state_changing_route_without_the_csrf_token_then_it_refuses_in_the_one_shape(app, browser):
    # GIVEN a browser that sends no CSRF header (a cross-site form or script would not)
    browser.get("/api/csrf")
    browser.send_csrf = False
    changing = [(route, method) for route, method in _routes(app) if method in {"POST", "PUT", "PATCH", "DELETE"}]
    assert len(changing) >= 30
    other = {}
    for route, method in changing:
        # WHEN it calls a route that changes state
        reply = browser.request(method, _concrete(route), {} if method in {"POST", "PUT", "PATCH"} else None)
        # THEN the answer is a refusal in the one shape with the headers
        where = f"{method} {route} ({reply.status})"
        assert 400 <= reply.status < 500, where
        _assert_secured(reply)
        assert reply.body.get("code") and reply.body.get("request_id"), where
        if reply.body["code"] != "csrf_failed":
            other[f"{method} {route}"] = reply.body["code"]
    # AND it is csrf_failed on every route but those that take no browser cookie: the platforms'
    # signed callbacks, the staff API (IAM) and the app's own routes (bearer only)
    for where, code in other.items():
        path = where.split(" ", 1)[1]
        assert path.startswith(_NO_COOKIE_ROUTES) or code == "app_session_required", (where, code)


# Routes a browser's cookie never authenticates: they check a signature or an IAM caller instead;
# and 核验 of a statement file, a POST that reads (public, changes nothing, no session).
_NO_COOKIE_ROUTES = (
    "/api/admin/",
    "/api/essc/callback",
    "/api/face/callback",
    "/api/back-office/callback",
    "/api/statement-checks",
)


def test_given_any_route_when_a_preflight_comes_from_another_origin_then_it_is_not_found_with_the_headers(app, browser):
    # GIVEN no other origin listed (the default) WHEN any route is asked a CORS preflight
    for route in sorted(app.routes):
        reply = browser.request(
            "OPTIONS",
            _concrete(route),
            headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"},
        )
        # THEN it is refused in the one shape, with the headers and no CORS header
        _assert_error_shape(reply, 404, "not_found")
        assert not [name for name in reply.headers if name.lower().startswith("access-control-")], route


def test_given_a_query_or_field_over_its_limit_then_the_refusal_has_the_headers(browser):
    reply = browser.get("/api/me?after=" + "x" * 1001)
    _assert_error_shape(reply, 400, "validation_failed")
    _assert_secured(reply)
    reply = browser.post("/api/sessions", {"method": "password", "identifier": "1" * 41, "password": "x"})
    _assert_error_shape(reply, 400, "validation_failed")
    assert reply.body["fields"]["identifier"] == "不能超过40个字符"
    _assert_secured(reply)
