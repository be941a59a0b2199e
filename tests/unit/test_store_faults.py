"""store.faults: which failures a retry can cure, through PynamoDB's and Powertools' wrappers."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError
from pynamodb.connection.base import VerboseClientError
from pynamodb.exceptions import PutError, TransactWriteError

from chalicelib.store.faults import is_transient, transient_reason
from tests.faults import ERRORS, error_for


def _pynamodb(error: Exception, wrapper=PutError) -> Exception:
    try:
        try:
            raise error
        except Exception as cause:
            raise wrapper("failed", cause=cause) from cause
    except Exception as wrapped:
        return wrapped


@pytest.mark.parametrize("kind", ERRORS)
def test_each_injected_fault_is_transient_through_pynamodb(kind):
    operation = "TransactWriteItems" if kind == "conflict" else "PutItem"
    error = error_for(kind, operation, {"TransactItems": [{}, {}]})
    assert is_transient(_pynamodb(error, TransactWriteError if kind == "conflict" else PutError))


def test_a_failed_condition_is_not_transient_even_beside_a_conflict():
    error = VerboseClientError(
        {"Error": {"Code": "TransactionCanceledException", "Message": "cancelled"}},
        "TransactWriteItems",
        {},
        cancellation_reasons=[],
    )
    from pynamodb.exceptions import CancellationReason

    error.cancellation_reasons = [
        CancellationReason(code="ConditionalCheckFailed"),
        CancellationReason(code="TransactionConflict"),
    ]
    assert transient_reason(_pynamodb(error, TransactWriteError)) is None


def test_other_errors_are_not_transient():
    assert not is_transient(RuntimeError("bug"))
    assert not is_transient(ClientError({"Error": {"Code": "ValidationException"}}, "PutItem"))
    assert not is_transient(_pynamodb(ClientError({"Error": {"Code": "ConditionalCheckFailedException"}}, "PutItem")))


def test_a_powertools_persistence_error_wrapping_a_throttle_is_transient():
    from aws_lambda_powertools.utilities.idempotency.exceptions import IdempotencyPersistenceLayerError

    try:
        try:
            raise error_for("throttling", "PutItem", {})
        except Exception as cause:
            raise IdempotencyPersistenceLayerError("Failed to save in progress record", cause) from cause
    except Exception as wrapped:
        assert transient_reason(wrapped) == "ThrottlingException"
