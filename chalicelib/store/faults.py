"""Which store failures are transient: DynamoDB was busy or out of reach, not the request wrong.

botocore retries these itself first (standard mode, ``tables._connection``: throttling,
ProvisionedThroughputExceeded, 5xx, connect and read timeouts, four attempts with backoff),
and transactions retry their own ``TransactionConflict`` (``errors.with_conflict_retries``).
What is still failing after that reaches the caller as a PynamoDB error (or Powertools'
``IdempotencyPersistenceLayerError``) with the botocore error as its cause: such a request can
be sent again unchanged, and the handlers answer ``service_busy`` (503, ``retry_after``).
"""

from __future__ import annotations

__all__ = ["is_transient", "transient_reason"]

# Error codes DynamoDB (and botocore's parsing of a 5xx) gives for "busy, try again".
_BUSY_CODES = frozenset(
    {
        "ThrottlingException",
        "Throttling",
        "ProvisionedThroughputExceededException",
        "RequestLimitExceeded",
        "TransactionInProgressException",
        "TransactionConflictException",
        "InternalServerError",
        "InternalFailure",
        "ServiceUnavailable",
        "RequestTimeout",
        "RequestTimeoutException",
    }
)
# A cancelled transaction's per-item reasons that mean "busy", not "your condition failed".
_BUSY_REASONS = frozenset({"TransactionConflict", "ThrottlingError", "ProvisionedThroughputExceeded"})


def transient_reason(exc: BaseException) -> str | None:
    """Why ``exc`` (or an error it wraps) is a transient store failure, or None when it is not
    one (a failed condition, a validation error, a bug)."""
    from botocore.exceptions import ClientError, ConnectionError, HTTPClientError

    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, ConnectionError | HTTPClientError):  # connect/read timeouts, resets
            return type(current).__name__
        reasons = [r.code for r in getattr(current, "cancellation_reasons", None) or [] if r is not None]
        if reasons:
            if "ConditionalCheckFailed" in reasons:
                return None  # a condition decided: the caller's own answer, not a fault
            busy = [r for r in reasons if r in _BUSY_REASONS]
            if busy:
                return busy[0]
        if isinstance(current, ClientError):
            code = current.response.get("Error", {}).get("Code", "")
            if code in _BUSY_CODES:
                return code
            if code == "TransactionCanceledException":
                codes = [r.get("Code") for r in current.response.get("CancellationReasons", [])]
                if "ConditionalCheckFailed" not in codes and _BUSY_REASONS.intersection(codes):
                    return next(c for c in codes if c in _BUSY_REASONS)
        # PynamoDB keeps the botocore error as ``cause`` (and as __cause__); Powertools as __cause__.
        current = (
            getattr(current, "cause", None)
            or current.__cause__
            or (None if current.__suppress_context__ else current.__context__)
        )
    return None


def is_transient(exc: BaseException) -> bool:
    return transient_reason(exc) is not None
