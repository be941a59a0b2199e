"""What every handler shares: the request context, JSON bodies, cookies, CSRF, sessions.

Browsers authenticate with an HttpOnly session cookie and must send every
state-changing request with an ``X-CSRF-Token`` header equal to the signed
``hall_csrf`` cookie (signed double submit). Apps send ``X-Hall-Client: app``
(a header no cross-site form can set) and authenticate with
``Authorization: Bearer``; they never use cookies.
"""

from __future__ import annotations

import hashlib
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
    "csrf_cookie",
    "current_session",
    "is_app_client",
    "json_body",
    "new_csrf_token",
    "require_csrf",
    "require_session",
    "session_response",
]

SESSION_COOKIE = "hall_session"
CSRF_COOKIE = "hall_csrf"
CSRF_HEADER = "x-csrf-token"
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


def parse(request: Request, model):
    """Parse the JSON body into a pydantic model (Powertools Parser); errors as field errors."""
    from aws_lambda_powertools.utilities.parser import ValidationError
    from aws_lambda_powertools.utilities.parser import parse as powertools_parse

    body = json_body(request)
    try:
        return powertools_parse(event=body, model=model)
    except ValidationError as exc:
        fields = {}
        for error in exc.errors():
            name = str(error["loc"][0]) if error.get("loc") else "body"
            fields[name] = "请填写此项" if error.get("type") == "missing" else "格式不正确"
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


def _csrf_signature(nonce: str) -> str:
    return hmac.new(crypto.keys().mac_key, f"csrf\x1f{nonce}".encode(), hashlib.sha256).hexdigest()[:32]


def new_csrf_token() -> str:
    nonce = secrets.token_urlsafe(16)
    return f"{nonce}.{_csrf_signature(nonce)}"


def valid_csrf_token(token: str | None) -> bool:
    if not token or "." not in token:
        return False
    nonce, _, signature = token.partition(".")
    return hmac.compare_digest(_csrf_signature(nonce), signature)


def require_csrf(request: Request) -> None:
    """Refuse a state-changing browser request without the CSRF header."""
    if request.method in SAFE_METHODS or is_app_client(request):
        return
    header = (request.headers or {}).get(CSRF_HEADER)
    cookie = cookies(request).get(CSRF_COOKIE)
    if not (header and cookie and hmac.compare_digest(header, cookie) and valid_csrf_token(cookie)):
        raise HallError.csrf_failed()


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


def _cookie(name: str, value: str, max_age: int, http_only: bool = True) -> str:
    parts = [f"{name}={value}", "Path=/", f"Max-Age={max_age}", "SameSite=Lax"]
    if http_only:
        parts.append("HttpOnly")
    if settings.get().secure_cookies:
        parts.append("Secure")
    return "; ".join(parts)


def csrf_cookie(token: str) -> str:
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
    if is_app_client(request):
        body["token"] = issued.token
        body["expires_at"] = issued.record.expires_at.isoformat()
        return Response(body, status_code=status, headers={"Cache-Control": "no-store"})
    max_age = int(settings.get().session_absolute.total_seconds())
    csrf = new_csrf_token()  # a fresh CSRF token with every new session
    headers = {
        "Set-Cookie": [_cookie(SESSION_COOKIE, issued.token, max_age), csrf_cookie(csrf)],
        "Cache-Control": "no-store",
    }
    body["csrf_token"] = csrf
    return Response(body, status_code=status, headers=headers)


def clear_session_cookie() -> str:
    return _cookie(SESSION_COOKIE, "", 0)
