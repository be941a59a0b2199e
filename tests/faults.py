"""Fault injection for tests: DynamoDB answering busy, timing out, cancelling transactions.

Two depths:

* :class:`DynamoFaults` fails chosen calls above botocore's retries (``BaseClient._make_api_call``),
  as DynamoDB looks to the hall once botocore has given up: the call raises what botocore
  would raise then (a ``ClientError`` with the error code, a ``TransactionCanceledException``
  with per-item ``TransactionConflict``, or a connect/read timeout).
* :func:`on_the_wire` answers chosen HTTP attempts below the retries (``before-send``), as one
  busy answer from DynamoDB: botocore's standard retry mode must retry it by itself.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field

import botocore.client
from botocore.awsrequest import AWSResponse
from botocore.exceptions import ClientError, ConnectTimeoutError, ReadTimeoutError

__all__ = ["ERRORS", "DynamoFaults", "error_for", "on_the_wire"]

ERRORS = ("throttling", "throughput", "conflict", "read_timeout", "connect_timeout")
_CODES = {"throttling": "ThrottlingException", "throughput": "ProvisionedThroughputExceededException"}


def error_for(kind: str, operation: str, params: dict) -> Exception:
    """What botocore raises for ``kind`` on ``operation`` once its retries are spent."""
    if kind in _CODES:
        return ClientError({"Error": {"Code": _CODES[kind], "Message": "Rate exceeded"}}, operation)
    if kind == "conflict":
        if operation == "TransactWriteItems":
            items = params.get("TransactItems", [])
            reasons = [{"Code": "TransactionConflict", "Message": "Transaction is ongoing for the item"}]
            reasons += [{"Code": "None"} for _ in items[1:]]
            return ClientError(
                {
                    "Error": {"Code": "TransactionCanceledException", "Message": "Transaction cancelled"},
                    "CancellationReasons": reasons,
                },
                operation,
            )
        return ClientError(
            {"Error": {"Code": "TransactionConflictException", "Message": "Transaction is ongoing"}}, operation
        )
    if kind == "read_timeout":
        return ReadTimeoutError(endpoint_url="http://dynamodb.local")
    if kind == "connect_timeout":
        return ConnectTimeoutError(endpoint_url="http://dynamodb.local")
    raise ValueError(kind)


@dataclass
class DynamoFaults:
    """Counts DynamoDB calls and fails the chosen ones (``fail``). Install with ``monkeypatch``."""

    calls: list[str] = field(default_factory=list)
    _plan: dict[int, str] = field(default_factory=dict)
    _every: tuple[str, str | None] | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def install(self, monkeypatch) -> DynamoFaults:
        original = botocore.client.BaseClient._make_api_call
        faults = self

        def calling(client, operation, params):
            if client.meta.service_model.service_name == "dynamodb":
                kind = faults._next(operation)
                if kind is not None:
                    raise error_for(kind, operation, params)
            return original(client, operation, params)

        monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", calling)
        return self

    def fail(self, kind: str, at_call: int) -> None:
        """Fail the ``at_call``-th DynamoDB call counted from now (1 = the next one)."""
        with self._lock:
            self._plan[len(self.calls) + at_call] = kind

    def fail_every(self, kind: str, operation: str | None = None) -> None:
        """Fail every call (of ``operation``) from now on, until :meth:`heal`."""
        self._every = (kind, operation)

    def heal(self) -> None:
        with self._lock:
            self._plan.clear()
            self._every = None

    def count_from_now(self) -> int:
        return len(self.calls)

    def _next(self, operation: str) -> str | None:
        with self._lock:
            self.calls.append(operation)
            if self._every is not None and self._every[1] in (None, operation):
                return self._every[0]
            return self._plan.pop(len(self.calls), None)


class on_the_wire:
    """Answer the next ``times`` HTTP attempts of ``operation`` with a busy DynamoDB answer
    (below botocore's retries); ``answered`` lists the attempts answered so."""

    def __init__(self, client, kind: str, times: int, operation: str = "*") -> None:
        self.client, self.kind, self.times = client, kind, times
        self.event = f"before-send.dynamodb.{operation}"
        self.answered: list[str] = []

    def _answer(self, request, **_):
        if len(self.answered) >= self.times:
            return None
        self.answered.append(request.url)
        if self.kind == "read_timeout":
            raise ReadTimeoutError(endpoint_url=request.url)
        code = _CODES[self.kind]
        body = json.dumps({"__type": f"com.amazonaws.dynamodb.v20120810#{code}", "message": "Rate exceeded"})
        return AWSResponse(request.url, 400, {"Content-Type": "application/x-amz-json-1.0"}, _Raw(body.encode()))

    def __enter__(self) -> on_the_wire:
        self.client.meta.events.register_first(self.event, self._answer, unique_id=f"fault-{id(self)}")
        return self

    def __exit__(self, *exc) -> None:
        self.client.meta.events.unregister(self.event, unique_id=f"fault-{id(self)}")


class _Raw:
    def __init__(self, body: bytes) -> None:
        self._body = body

    def stream(self, **_):
        yield self._body

    def read(self, *_a, **_k) -> bytes:
        return self._body
