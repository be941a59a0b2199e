"""What a client that sends a request again needs: a retryable answer, and its Idempotency-Key.

* :func:`install` wraps every view once the blueprints are registered: a view that fails
  because DynamoDB stayed busy or out of reach after botocore's own retries
  (``store.faults.is_transient``) answers ``service_busy`` (503, ``retry_after``, sent as
  Retry-After too) instead of ``internal_error``. Chalice turns an exception from a view into
  its own 500 before the middleware sees it, so the translation has to sit around the view.
* :func:`idempotency_key` reads the ``Idempotency-Key`` header the pages (``api-form.js``) and
  the app send with a registration, an appeal ticket or an application.
"""

from __future__ import annotations

import functools
import re

from chalice import Chalice
from chalice.app import Request

from chalicelib.errors import HallError
from chalicelib.observability import count, logger
from chalicelib.store.faults import transient_reason

__all__ = ["HEADER", "idempotency_key", "install"]

HEADER = "Idempotency-Key"
# A UUID, or any opaque token a client makes: printable ASCII without spaces, 16 to 64 characters.
_KEY = re.compile(r"[A-Za-z0-9_.:-]{16,64}")


def idempotency_key(request: Request) -> str | None:
    """The request's Idempotency-Key, or None when it sent none; a malformed one is refused."""
    value = (request.headers or {}).get(HEADER.lower())
    if value is None:
        return None
    value = value.strip()
    if not _KEY.fullmatch(value):
        raise HallError.validation_failed({"idempotency_key": "请求标识格式不正确，请刷新页面后重试"})
    return value


def install(app: Chalice) -> None:
    """Wrap every registered view (idempotent: a view is wrapped once)."""
    for entries in app.routes.values():
        for entry in entries.values():
            if not getattr(entry.view_function, "_retryable_faults", False):
                entry.view_function = _answering_faults(entry.view_function)


def _answering_faults(view):
    @functools.wraps(view)
    def wrapped(*args, **kwargs):
        try:
            return view(*args, **kwargs)
        except HallError:
            raise
        except Exception as exc:
            reason = transient_reason(exc)
            if reason is None:
                raise  # Chalice's 500, rendered as internal_error by the middleware
            logger.warning("store unavailable", extra={"fault": reason})
            count("StoreUnavailable", reason=reason)
            raise HallError.service_busy() from None

    wrapped._retryable_faults = True
    return wrapped
