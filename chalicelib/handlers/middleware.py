"""The one ``http`` middleware: correlation id, one JSON error shape, metrics flush."""

from __future__ import annotations

from chalice import Response

from chalicelib.errors import HallError
from chalicelib.handlers import web
from chalicelib.observability import logger, metrics

__all__ = ["handle_request"]


def handle_request(event, get_response):
    request_id = web.request_id(event)
    logger.clear_state()
    logger.set_correlation_id(request_id)
    logger.append_keys(path=event.path, method=event.method)
    try:
        response = get_response(event)
    except HallError as exc:
        response = Response(exc.body(request_id), status_code=exc.status)
    if response.status_code >= 500 and isinstance(response.body, dict) and "Code" in response.body:
        # Chalice's own 500 body: replace it with ours (the traceback went to the log).
        error = HallError.internal_error()
        response = Response(error.body(request_id), status_code=error.status)
    response.headers.setdefault("X-Request-Id", request_id)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    logger.info("request", extra={"status": response.status_code})
    if metrics.metric_set:
        metrics.flush_metrics()
    return response
