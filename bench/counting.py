"""Counting DynamoDB round trips and consumed capacity with a botocore event hook.

The hook is registered on the botocore clients PynamoDB uses (one per model's
connection, plus the connection transactions run on). ``before-parameter-build``
asks for ``ReturnConsumedCapacity=TOTAL`` when a call does not already;
``after-call`` records the operation, the tables it touched, the capacity it
consumed and how many HTTP attempts it took (retries are round trips too).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

__all__ = ["WRITE_OPERATIONS", "Call", "Calls", "RoundTripCounter"]

READ_OPERATIONS = frozenset({"GetItem", "BatchGetItem", "Query", "Scan", "TransactGetItems"})
WRITE_OPERATIONS = frozenset({"PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "TransactWriteItems"})
# Operations whose input takes ReturnConsumedCapacity.
_CAPACITY_OPERATIONS = READ_OPERATIONS | WRITE_OPERATIONS


@dataclass(frozen=True)
class Call:
    """One DynamoDB API call as the app made it."""

    operation: str
    tables: tuple[str, ...]
    capacity: float
    attempts: int = 1
    error: str | None = None

    @property
    def is_write(self) -> bool:
        return self.operation in WRITE_OPERATIONS


@dataclass
class Calls:
    """The calls recorded while counting; round trips include retried attempts."""

    items: list[Call] = field(default_factory=list)

    @property
    def round_trips(self) -> int:
        return sum(c.attempts for c in self.items)

    @property
    def capacity(self) -> float:
        return round(sum(c.capacity for c in self.items), 2)

    def operations(self) -> list[str]:
        return [c.operation for c in self.items]

    def describe(self) -> str:
        """``GetItem(sessions), TransactWriteItems(sessions,audit_events)`` with the table prefix stripped."""
        parts = []
        for c in self.items:
            names = ",".join(sorted({t.rsplit("-", 1)[-1] for t in c.tables}))
            mark = "!" if c.error else ""
            parts.append(f"{c.operation}{mark}({names})")
        return ", ".join(parts)


def _tables_of(params: dict) -> tuple[str, ...]:
    if "TableName" in params:
        return (params["TableName"],)
    if "RequestItems" in params:
        return tuple(params["RequestItems"])
    if "TransactItems" in params:
        names = []
        for entry in params["TransactItems"]:
            for op in entry.values():
                names.append(op["TableName"])
        return tuple(names)
    return ()


def _capacity_of(parsed: dict) -> float:
    consumed = parsed.get("ConsumedCapacity")
    if consumed is None:
        return 0.0
    if isinstance(consumed, dict):
        consumed = [consumed]
    return float(sum(entry.get("CapacityUnits", 0.0) for entry in consumed))


class RoundTripCounter:
    """Counts calls on every client PynamoDB currently uses.

    Call :meth:`counting` around the work to measure; it (re)arms the hook on
    any client created since (PynamoDB makes new ones when tables are rebound).
    """

    def __init__(self) -> None:
        self._armed: dict[int, object] = {}
        self._recording: Calls | None = None

    # -- the botocore handlers -------------------------------------------------------

    def _before_parameter_build(self, params, model, context=None, **_):
        if model.name in _CAPACITY_OPERATIONS:
            params.setdefault("ReturnConsumedCapacity", "TOTAL")
        if context is not None:
            # Keep the request's tables for after-call, which sees only the response.
            context["bench_params"] = params

    def _after_call(self, http_response, parsed, model, context=None, **kwargs):
        if self._recording is None:
            return
        params = (context or {}).get("bench_params") or {}
        meta = parsed.get("ResponseMetadata", {}) if isinstance(parsed, dict) else {}
        error = parsed.get("Error", {}).get("Code") if isinstance(parsed, dict) and "Error" in parsed else None
        self._recording.items.append(
            Call(
                operation=model.name,
                tables=_tables_of(params),
                capacity=_capacity_of(parsed) if isinstance(parsed, dict) else 0.0,
                attempts=1 + int(meta.get("RetryAttempts", 0)),
                error=error,
            )
        )

    def _after_call_error(self, exception, context=None, event_name="", **_):
        # The call never got an answer (connection refused, timeout): still a round trip attempted.
        if self._recording is None:
            return
        params = (context or {}).get("bench_params") or {}
        operation = event_name.rsplit(".", 1)[-1]
        self._recording.items.append(Call(operation, _tables_of(params), 0.0, 1, type(exception).__name__))

    # -- arming ------------------------------------------------------------------------

    def clients(self) -> list:
        """The botocore clients behind every model and behind transactions."""
        from chalicelib.store import tables
        from chalicelib.store.models import ALL_MODELS

        tables.ready()
        found = [model._get_connection().connection.client for model in ALL_MODELS]
        found.append(tables.connection().client)
        return found

    def arm(self, client) -> None:
        if id(client) in self._armed:
            return
        events = client.meta.events
        events.register("before-parameter-build.dynamodb", self._before_parameter_build)
        events.register("after-call.dynamodb", self._after_call)
        events.register("after-call-error.dynamodb", self._after_call_error)
        self._armed[id(client)] = client  # keeps the client alive, so its id stays unique

    def arm_all(self) -> None:
        for client in self.clients():
            self.arm(client)

    def disarm_all(self) -> None:
        """Take the hooks off again, so CPU figures measure the app without them."""
        for client in self._armed.values():
            events = client.meta.events
            events.unregister("before-parameter-build.dynamodb", self._before_parameter_build)
            events.unregister("after-call.dynamodb", self._after_call)
            events.unregister("after-call-error.dynamodb", self._after_call_error)
        self._armed.clear()

    @contextmanager
    def counting(self) -> Iterator[Calls]:
        self.arm_all()
        calls = Calls()
        self._recording = calls
        try:
            yield calls
        finally:
            self._recording = None
