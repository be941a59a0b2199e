"""A client's retry of a side effect runs it once: Powertools Idempotency on the hall's table.

A registration, an appeal ticket or a 在线办理 application sent again (a timeout, a double
click, the app's retry) carries the same ``Idempotency-Key`` header. :func:`once` runs the
side effect under Powertools' ``idempotent_function`` with its DynamoDB persistence layer on
the ``idempotency`` table (``store.models.IdempotencyRecordModel``: key ``id``, TTL
``expiration``), on the one botocore client every model shares (so DynamoDB Local's endpoint
and the test's table prefix hold, and a cold start builds no second client):

* the first request writes an INPROGRESS record (condition: none live), runs, and stores
  what the side effect returned, which is always plain ids, never a session token or
  citizen data (Powertools keeps it as it is): the caller builds the answer around it;
* the same key with the same request answers what was stored without running again;
* the same key while the first is still running answers ``request_in_progress`` (409);
* the same key with another request is ``idempotency_key_reused`` (422): what is compared
  is a keyed MAC of the request (``crypto.mac``), so the table holds no digest of a password;
* a side effect that raises leaves no record (Powertools deletes it): the retry runs afresh.

Powertools is imported on first use (cold start).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import lru_cache
from typing import Any

from chalicelib import crypto, settings
from chalicelib.errors import HallError
from chalicelib.store import tables
from chalicelib.store.models import IdempotencyRecordModel

__all__ = ["Scope", "once"]

# What API Gateway allows a request: an INPROGRESS record whose request died (a Lambda
# timeout) is given up after this, so a retry is not refused forever.
_IN_PROGRESS_MS = 29_000


class Scope:
    """One kind of side effect: its record key prefix and how long a retry is answered."""

    def __init__(self, name: str, expires_after: int) -> None:
        self.name = name
        self.expires_after = expires_after


REGISTRATION = Scope("registration", 600)
APPEAL_TICKET = Scope("appeal_ticket", 3600)


def request_digest(kind: str, request: dict) -> str:
    """A keyed MAC of a request's values (canonical JSON), to tell the same request from another."""
    return crypto.mac(f"idempotency:{kind}", json.dumps(request, sort_keys=True, ensure_ascii=False, default=str))


def once(scope: Scope, key: str, natural_key: str, digest: str, run: Callable[[], dict]) -> tuple[dict, bool]:
    """Run ``run`` once for (``key``, ``natural_key``): answers what it returned and whether it
    ran in this request (False: a retry, answered from the stored result)."""
    from aws_lambda_powertools.utilities.idempotency import idempotent_function
    from aws_lambda_powertools.utilities.idempotency.exceptions import (
        IdempotencyAlreadyInProgressError,
        IdempotencyPersistenceLayerError,
        IdempotencyValidationError,
    )

    layer, config = _powertools(scope.name, scope.expires_after)
    # The table and client of the current settings (tests give each test its own table prefix).
    layer.table_name = settings.get().table_name(IdempotencyRecordModel.short_name)
    layer.client = tables.client()
    done: list[dict] = []

    @idempotent_function(data_keyword_argument="request", persistence_store=layer, config=config, key_prefix=scope.name)
    def side_effect(request: dict) -> dict:
        done.append(run())
        return done[-1]

    # Neither the client's key nor the natural key (an ID number's MAC, an account id) is stored
    # as such: Powertools stores a hash of this MAC.
    request = {"key": crypto.mac(f"idempotency:{scope.name}", f"{natural_key}\x1f{key}"), "digest": digest}
    try:
        result = side_effect(request=request)
    except IdempotencyValidationError:
        raise HallError.idempotency_key_reused() from None
    except IdempotencyAlreadyInProgressError:
        raise HallError.request_in_progress() from None
    except IdempotencyPersistenceLayerError:
        if not done:
            raise  # nothing ran: a transient store failure the handlers answer service_busy
        # The side effect is done; only marking its record done failed. This request has its
        # result; the record is dropped (best effort) so a retry runs again and finds the work
        # done (the side effect must notice that: see flows/registration.py) instead of waiting.
        try:
            layer.delete_record(data=request, exception=None)
        except Exception:  # noqa: S110 - the store is failing: the record's in-progress expiry frees it
            pass
        return done[-1], True
    return result, bool(done)


class _Deadline:
    """What Powertools asks a Lambda context: the time left to the request (API Gateway's 29 s)."""

    def get_remaining_time_in_millis(self) -> int:
        return _IN_PROGRESS_MS


@lru_cache(maxsize=8)
def _powertools(scope: str, expires_after: int) -> tuple[Any, Any]:
    # One persistence layer per scope: Powertools configures a layer for the first function it
    # serves (and registers a User-Agent handler on the client each time one is made).
    from aws_lambda_powertools.utilities.idempotency import DynamoDBPersistenceLayer, IdempotencyConfig

    layer = DynamoDBPersistenceLayer(
        table_name=settings.get().table_name(IdempotencyRecordModel.short_name),
        key_attr=IdempotencyRecordModel.id.attr_name,
        expiry_attr=IdempotencyRecordModel.expiration.attr_name,
        boto3_client=tables.client(),
    )
    config = IdempotencyConfig(
        event_key_jmespath="key",
        payload_validation_jmespath="digest",
        raise_on_no_idempotency_key=True,
        expires_after_seconds=expires_after,
    )
    config.register_lambda_context(_Deadline())
    return layer, config
