"""The one ``http`` middleware: correlation id, one JSON error shape, security headers, metrics flush."""

from __future__ import annotations

from chalice import Response

from chalicelib import settings
from chalicelib.errors import HallError
from chalicelib.handlers import cors, request_limits, web
from chalicelib.handlers.security_headers import NO_STORE, STATIC_PREFIX, security_headers
from chalicelib.observability import logger, metrics

__all__ = ["handle_request"]

# Chalice answers some requests itself, in its own {"Code", "Message"} shape, before or
# around a view: 405 for a method the route lacks, 415 for a Content-Type it does not
# accept, 400 for a binary answer the client did not accept, 500 for a crash.
_CHALICE_REFUSALS = {
    400: HallError.malformed_request,
    404: HallError.not_found,
    405: HallError.method_not_allowed,
    413: HallError.payload_too_large,
    415: HallError.unsupported_media_type,
}


def handle_request(event, get_response):
    request_id = web.request_id(event)
    logger.clear_state()
    logger.set_correlation_id(request_id)
    logger.append_keys(path=event.path, method=event.method)
    try:
        request_limits.check_request(event)  # the query string's and path's limits, for every route
        response = get_response(event)
    except HallError as exc:
        response = _error_response(exc, request_id)
    except Exception:
        # A crash in Chalice around the view (a view's own crash comes back as Chalice's 500
        # body, replaced below): its outer handler would answer in its shape, without our headers.
        logger.exception("unhandled error")
        response = _error_response(HallError.internal_error(), request_id)
    if _is_chalice_error(response):
        response = _from_chalice_error(response, request_id)
    _add_headers(response, event.path, request_id)
    cors.add_headers(response, event)  # only for the origins the deployment lists
    logger.info("request", extra={"status": response.status_code})
    if metrics.metric_set:
        metrics.flush_metrics()
    return response


def _error_response(error: HallError, request_id: str) -> Response:
    headers = {}
    retry_after = error.details.get("retry_after")
    if retry_after is not None:
        headers["Retry-After"] = str(int(retry_after))  # every 429 says when to come back
    return Response(error.body(request_id), status_code=error.status, headers=headers)


def _is_chalice_error(response: Response) -> bool:
    body = response.body
    if response.status_code >= 500:
        # Ours carry "code", or are a page the hall rendered (Chalice never answers HTML); anything
        # else at 5xx (Chalice's body, a debug traceback) must not leak.
        page = isinstance(body, str) and str(response.headers.get("Content-Type", "")).startswith("text/html")
        return not (page or (isinstance(body, dict) and "code" in body))
    return response.status_code >= 400 and isinstance(body, dict) and "Code" in body and "code" not in body


def _from_chalice_error(response: Response, request_id: str) -> Response:
    status = response.status_code
    make = HallError.internal_error if status >= 500 else _CHALICE_REFUSALS.get(status, HallError.malformed_request)
    error = make()
    converted = _error_response(error, request_id)
    if status == 405 and "Allow" in response.headers:
        converted.headers["Allow"] = response.headers["Allow"]
    return converted


def _add_headers(response: Response, path: str | None, request_id: str) -> None:
    headers = response.headers
    if not isinstance(response.body, str | bytes):
        # A Response built with a dict body (every error) says what it is, as a view's dict does.
        headers.setdefault("Content-Type", "application/json")
    headers.setdefault("X-Request-Id", request_id)
    headers.update(security_headers(https=settings.get().secure_cookies))  # Secure cookies = served over HTTPS
    # Only a static file that was found may be cached; pages, API answers and errors never.
    if not ((path or "").startswith(STATIC_PREFIX) and response.status_code < 400):
        headers["Cache-Control"] = NO_STORE
