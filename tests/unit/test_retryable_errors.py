"""Every 503 the hall answers says when to retry (``retry_after``, sent as Retry-After too)."""

from __future__ import annotations

import inspect

from chalicelib.errors import HallError


def _constructible_errors() -> list[HallError]:
    errors = []
    for name, member in inspect.getmembers(HallError, inspect.ismethod):
        if name.startswith("_") or name == "body":
            continue
        required = [
            p
            for p in inspect.signature(member).parameters.values()
            if p.default is inspect.Parameter.empty and p.kind is not inspect.Parameter.VAR_KEYWORD
        ]
        if not required:
            errors.append(member())
    return errors


def test_every_unavailable_answer_says_when_to_retry():
    unavailable = [e for e in _constructible_errors() if e.status == 503]
    assert {e.code for e in unavailable} >= {
        "service_busy",
        "sms_unavailable",
        "base_library_unavailable",
        "face_provider_unavailable",
        "records_unavailable",
        "oidc_provider_unavailable",
        "alipay_unavailable",
        "essc_platform_unavailable",
    }
    missing = sorted(e.code for e in unavailable if not isinstance(e.details.get("retry_after"), int))
    assert missing == []


def test_a_request_in_progress_says_when_to_retry_and_a_reused_key_does_not():
    assert HallError.request_in_progress().details["retry_after"] >= 1
    reused = HallError.idempotency_key_reused()
    assert reused.status == 422 and "retry_after" not in reused.details
