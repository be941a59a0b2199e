"""Errors the repositories raise instead of PynamoDB's."""

from __future__ import annotations

__all__ = ["ClaimTakenError", "LimitExceededError", "StoreError", "is_condition_failure"]


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


def is_condition_failure(exc: Exception) -> bool:
    """A PynamoDB write error caused by its condition (as opposed to a throttle or an outage)."""
    return getattr(exc, "cause_response_code", None) == "ConditionalCheckFailedException"
