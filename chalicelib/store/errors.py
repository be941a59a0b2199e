"""Errors the repositories raise instead of PynamoDB's."""

from __future__ import annotations

__all__ = [
    "ClaimTakenError",
    "LimitExceededError",
    "StoreError",
    "TryRefusedError",
    "WriteRefusedError",
    "cancellation_codes",
    "is_condition_failure",
    "with_conflict_retries",
]


class StoreError(Exception):
    """Base of the repositories' errors."""


class ClaimTakenError(StoreError):
    """A uniqueness claim in a transaction is held by another record.

    ``claims`` lists which (``id``, ``phone``, ``family``), in the order checked.
    """

    def __init__(self, claims: list[str]) -> None:
        super().__init__(", ".join(claims))
        self.claims = claims


class LimitExceededError(StoreError):
    """A rate-limit window is full."""


class TryRefusedError(StoreError):
    """A password try could not be reserved: ``reason`` is ``lock`` (locked, or the
    streak's last tries are being checked), ``window`` (the client's window is full)
    or ``busy`` (other requests kept the same records busy)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class WriteRefusedError(StoreError):
    """A write another layer handed over (``writes.Write``) failed its condition, so the
    transaction it joined wrote nothing (a QR collected twice, confirmed no more)."""


def is_condition_failure(exc: Exception) -> bool:
    """A PynamoDB write error caused by its condition (as opposed to a throttle or an outage)."""
    return getattr(exc, "cause_response_code", None) == "ConditionalCheckFailedException"


def cancellation_codes(exc: Exception) -> list[str | None]:
    """Per item of a cancelled transaction, why it was cancelled (None: not this item)."""
    reasons = getattr(exc, "cancellation_reasons", None) or []
    return [r.code if r is not None and r.code != "None" else None for r in reasons]


def with_conflict_retries(operation, attempts: int = 4):
    """Run a transaction, again after a short random pause when DynamoDB cancels it
    because another request was writing one of its items at the same moment
    (``TransactionConflict``). Other failures, and the last conflict, are raised."""
    import random
    import time

    for attempt in range(attempts):
        try:
            return operation()
        except Exception as exc:
            codes = cancellation_codes(exc)
            conflict = "TransactionConflict" in codes and "ConditionalCheckFailed" not in codes
            if not conflict or attempt == attempts - 1:
                raise
            time.sleep(random.uniform(0.005, 0.02) * (attempt + 1))
    raise AssertionError("unreachable")
