"""Errors the repositories raise instead of PynamoDB's."""

from __future__ import annotations

__all__ = ["ClaimTakenError", "ConditionFailedError", "LimitExceededError", "StoreError"]


class StoreError(Exception):
    """Base of the repositories' errors."""


class ConditionFailedError(StoreError):
    """A conditional write did not apply (already used, expired, taken)."""


class ClaimTakenError(StoreError):
    """A uniqueness claim in a transaction is held by another record.

    ``claims`` lists which (``id``, ``phone``, ``family``), in the order checked.
    """

    def __init__(self, claims: list[str]) -> None:
        super().__init__(", ".join(claims))
        self.claims = claims


class LimitExceededError(StoreError):
    """A rate-limit window is full."""
