"""What every handler shares: the request context, JSON bodies, cookies, CSRF, sessions.

Browsers authenticate with an HttpOnly session cookie and must send every
state-changing request with an ``X-CSRF-Token`` header equal to the signed
``hall_csrf`` cookie (signed double submit). Apps send ``X-Hall-Client: app``
(a header no cross-site form can set) and authenticate with
``Authorization: Bearer``; they never use cookies.
"""

from __future__ import annotations

import hmac
import json
import re
import secrets
import uuid
from http.cookies import SimpleCookie

from chalice import Response
from chalice.app import Request

from chalicelib import crypto, sessions, settings
from chalicelib.context import RequestContext
from chalicelib.errors import HallError

__all__ = [
    "CSRF_COOKIE",
    "SESSION_COOKIE",
    "context",
    "csrf_binding",
    "csrf_cookie",
    "current_session",
    "fresh_csrf",
    "is_app_client",
    "json_body",
    "logged_out_cookies",
    "new_csrf_token",
    "require_csrf",
    "require_level",
    "require_session",
    "session_response",
]

SESSION_COOKIE = "hall_session"
CSRF_COOKIE = "hall_csrf"
# The secret binding a pending login (a QR shown) to the browser that asked for it.
LOGIN_BINDING_COOKIE = "hall_qr"
# The secret binding a login sent to an identity provider to the browser that began it.
OAUTH_BINDING_COOKIE = "hall_oauth"
CSRF_HEADER = "x-csrf-token"
# The device's random id (登录保护's risk step-up: has it logged in to the account before?).
DEVICE_COOKIE = "hall_device"
# Where a citizen whose account has no phone goes after logging in (handlers/user_center.py).
PHONE_BINDING_PAGE = "/user/phone"
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


def request_id(request: Request) -> str:
    return (request.context or {}).get("requestId") or uuid.uuid4().hex


def context(request: Request) -> RequestContext:
    identity = (request.context or {}).get("identity") or {}
    return RequestContext(
        client_ip=identity.get("sourceIp") or "unknown",
        request_id=request_id(request),
        client="app" if is_app_client(request) else "browser",
    )


def login_context(request: Request, binding_cookie: str = LOGIN_BINDING_COOKIE) -> RequestContext:
    """The context of a login request: also the browser's User-Agent and the secret that
    binds a pending login to it (read only here, so other requests parse no extra cookie);
    ``binding_cookie`` names the cookie holding it (a provider's callback: OAUTH_BINDING_COOKIE)."""
    from dataclasses import replace

    jar = cookies(request)
    headers = request.headers or {}
    device = jar.get(DEVICE_COOKIE) if not is_app_client(request) else headers.get("x-hall-device")
    return replace(
        context(request),
        user_agent=(headers.get("user-agent") or "")[:300],
        browser_secret=jar.get(binding_cookie),
        device_id=device if device and 16 <= len(device) <= 64 else None,
    )


def login_binding_cookie(secret: str, max_age: int, name: str = LOGIN_BINDING_COOKIE) -> str:
    """The Set-Cookie value for a pending login's browser secret (HttpOnly, short-lived).
    SameSite=Lax still sends it on the provider's top-level redirect back to the hall."""
    return _cookie(name, secret, max_age)


# The largest form (registration) is well under 1 KiB; a body past these limits is refused
# before it is parsed: a deep one would exhaust the parser's recursion (a 500 otherwise).
MAX_BODY_BYTES = 16 * 1024
MAX_JSON_DEPTH = 20
_JSON_STRUCTURE = re.compile(r'[\[\]{}"\\]')


def _nested_deeper_than(text: str, limit: int) -> bool:
    """Whether arrays/objects nest deeper than ``limit``: one linear scan, strings skipped."""
    depth = 0
    in_string = False
    skip_to = 0
    for match in _JSON_STRUCTURE.finditer(text):
        at, char = match.start(), match.group()
        if at < skip_to:
            continue  # the character a backslash escapes
        if in_string:
            if char == "\\":
                skip_to = at + 2
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            if depth > limit:
                return True
        elif char in "]}":
            depth -= 1
    return False


def json_body(request: Request) -> dict:
    """The request's JSON object; anything else (too large, too deep, not JSON, not an object) is refused."""
    raw = request.raw_body or b"{}"
    if len(raw) > MAX_BODY_BYTES:
        raise HallError.payload_too_large()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise HallError.malformed_request() from None
    if _nested_deeper_than(text, MAX_JSON_DEPTH):
        raise HallError.malformed_request()
    try:
        body = json.loads(text)
    except ValueError:
        raise HallError.malformed_request() from None
    if not isinstance(body, dict):
        raise HallError.malformed_request()
    return body


def parse(request: Request, model, body: dict | None = None):
    """Parse the JSON body (or ``body``, already read) into ``model`` (Powertools Parser:
    a pydantic model, a dataclass or a discriminated union); errors as field errors."""
    from aws_lambda_powertools.utilities.parser import ValidationError
    from aws_lambda_powertools.utilities.parser import parse as powertools_parse

    from chalicelib.handlers import request_limits

    if body is None:
        body = json_body(request)
    try:
        return powertools_parse(event=body, model=model)
    except ValidationError as exc:
        fields = {}
        for error in exc.errors():
            # A union's errors start with the member's tag ("password", "identifier"): the field is the last name.
            names = [part for part in error.get("loc") or () if isinstance(part, str)]
            name = names[-1] if names else "body"
            fields[name] = request_limits.field_message(error)  # "不能超过N个字符" for an over-long value
        raise HallError.validation_failed(fields) from None


def cookies(request: Request) -> dict[str, str]:
    header = (request.headers or {}).get("cookie")
    if not header:
        return {}
    jar = SimpleCookie()
    try:
        jar.load(header)
    except Exception:  # a malformed Cookie header is no cookie
        return {}
    return {name: morsel.value for name, morsel in jar.items()}


def is_app_client(request: Request) -> bool:
    headers = request.headers or {}
    return headers.get("x-hall-client") == "app" or headers.get("authorization", "").startswith("Bearer ")


def _bearer(request: Request) -> str | None:
    value = (request.headers or {}).get("authorization", "")
    return value[7:].strip() if value.startswith("Bearer ") else None


def _csrf_signature(nonce: str, session_token: str | None = None) -> str:
    # The hall's keyed MAC under its own kind (128 bits are plenty for a signature). Without a
    # session: the nonce alone, the same bytes as before it moved to crypto (tokens handed out
    # before login stay valid). With one: over the session token's hash too, under another kind,
    # so a token minted before login or for another session is no token for this one.
    if not session_token:
        return crypto.mac("csrf", nonce)[:32]
    return crypto.mac("csrf:session", f"{crypto.hash_token(session_token)}.{nonce}")[:32]


def csrf_binding(request: Request) -> str | None:
    """The session cookie a browser's CSRF token is bound to (None before login)."""
    return cookies(request).get(SESSION_COOKIE) or None


def new_csrf_token(session_token: str | None = None) -> str:
    """A fresh CSRF token: a random nonce and its signature, bound to ``session_token`` (the
    browser's session cookie) when there is one."""
    nonce = secrets.token_urlsafe(16)
    return f"{nonce}.{_csrf_signature(nonce, session_token)}"


def valid_csrf_token(token: str | None, session_token: str | None = None) -> bool:
    """Whether ``token`` is one the hall signed for ``session_token`` (or for no session), in constant time."""
    if not token or "." not in token or len(token) > 100:
        return False
    nonce, _, signature = token.partition(".")
    return crypto.equal(_csrf_signature(nonce, session_token), signature)


def require_csrf(request: Request) -> None:
    """Refuse a state-changing browser request without the CSRF header, or with a token not
    minted for the session cookie it comes with (synchronizer bound to the session, sent as a
    double submit)."""
    if request.method in SAFE_METHODS or is_app_client(request):
        return
    header = (request.headers or {}).get(CSRF_HEADER)
    cookie = cookies(request).get(CSRF_COOKIE)
    if not (
        header and cookie and hmac.compare_digest(header, cookie) and valid_csrf_token(cookie, csrf_binding(request))
    ):
        raise HallError.csrf_failed()


def fresh_csrf(request: Request) -> str | None:
    """The request's CSRF cookie when it is valid for the browser's session, else None."""
    token = cookies(request).get(CSRF_COOKIE)
    return token if valid_csrf_token(token, csrf_binding(request)) else None


def session_token(request: Request) -> str | None:
    if is_app_client(request):
        return _bearer(request)
    return cookies(request).get(SESSION_COOKIE)


def current_session(request: Request) -> sessions.SessionRecord | None:
    ctx = context(request)
    return sessions.resolve(session_token(request), ctx.now, ctx.client)


def require_session(request: Request) -> sessions.SessionRecord:
    record = current_session(request)
    if record is None:
        raise HallError.unauthenticated()
    return record


def require_level(session_record: sessions.SessionRecord, required) -> sessions.SessionRecord:
    """Refuse a service the session's level (its snapshot: no read) does not reach:
    ``level_too_low`` says which level is missing and how to reach it (``required``: an
    ``AuthLevel``, the one the service declares). Returns the session for chaining."""
    from chalicelib.domain.levels import shortfall

    missing = shortfall(session_record.level, required)
    if missing is not None:
        raise HallError.level_too_low(missing)
    return session_record


def _cookie(name: str, value: str, max_age: int, http_only: bool = True) -> str:
    # The standard library's Morsel checks the name, quotes a value that needs it and
    # writes the attributes; a false flag (HttpOnly, Secure) is left out.
    jar = SimpleCookie()
    jar[name] = value
    morsel = jar[name]
    morsel.update(
        {
            "path": "/",
            "max-age": max_age,
            "samesite": "Lax",
            "httponly": http_only,
            "secure": settings.get().secure_cookies,
        }
    )
    return morsel.OutputString()


def preference_cookie(name: str, value: str, max_age: int) -> str:
    """The Set-Cookie value of a visitor's preference (地市频道's region): no secret, HttpOnly anyway."""
    return _cookie(name, value, max_age)


def csrf_cookie(token: str) -> str:
    """The Set-Cookie value for the CSRF cookie (12 hours)."""
    # Readable by the page's script: the double submit needs it.
    return _cookie(CSRF_COOKIE, token, 12 * 3600, http_only=False)


def user_view(record: sessions.SessionRecord) -> dict:
    from chalicelib.domain.levels import AuthLevel

    level = AuthLevel(record.level)
    return {
        "name": record.name_masked,
        "id_number": record.id_masked,
        "phone": record.phone_masked,
        "level": int(level),
        "level_label": level.label,
        "login_method": record.method,
    }


def session_response(request: Request, issued: sessions.IssuedSession, status: int = 200, **extra) -> Response:
    """The answer to a successful login or registration: a cookie for browsers, a token for apps."""
    body = {"user": user_view(issued.record), **extra}
    if not issued.record.phone_masked:
        body["next"] = PHONE_BINDING_PAGE  # no phone bound (released by an appeal): bind one first
    if is_app_client(request):
        body["token"] = issued.token
        body["expires_at"] = issued.record.expires_at.isoformat()
        return Response(body, status_code=status, headers={"Cache-Control": "no-store"})
    cookies, csrf = _session_cookies(issued)
    headers = {"Set-Cookie": cookies, "Cache-Control": "no-store"}
    body["csrf_token"] = csrf
    return Response(body, status_code=status, headers=headers)


def clear_session_cookie() -> str:
    """The Set-Cookie value that makes a browser drop its session cookie."""
    return _cookie(SESSION_COOKIE, "", 0)


def logged_out_cookies() -> list[str]:
    """The Set-Cookie values of a browser's logout: no session, and a CSRF token of no session
    (the ended session's token dies with it)."""
    return [clear_session_cookie(), csrf_cookie(new_csrf_token())]


def _session_cookies(issued: sessions.IssuedSession) -> tuple[list[str], str]:
    max_age = int(settings.get().session_absolute.total_seconds())
    csrf = new_csrf_token(issued.token)  # a fresh CSRF token with every new session, bound to it
    return [_cookie(SESSION_COOKIE, issued.token, max_age), csrf_cookie(csrf)], csrf


def redirect(location: str, cookies: list[str] | None = None) -> Response:
    """A 302 to a path of ours or a provider's page; ``location`` comes from our code, never the request."""
    headers: dict = {"Location": location, "Cache-Control": "no-store"}
    if cookies:
        headers["Set-Cookie"] = cookies
    return Response("", status_code=302, headers=headers)


def session_redirect(request: Request, issued: sessions.IssuedSession, location: str) -> Response:
    """The answer to a login finished in a browser's redirect (a provider's callback): the
    session cookie on a 302, since no page script is there to read a JSON body."""
    cookies, _ = _session_cookies(issued)
    if not issued.record.phone_masked:
        location = PHONE_BINDING_PAGE  # no phone bound (released by an appeal): bind one first
    return redirect(location, cookies)
