"""Binding the models to real tables, and creating them where we own the stack.

Table names and the endpoint come from settings, read when first needed (not
at import), and re-read when the environment changes, so one process can talk
to several stacks (tests use a table prefix each).
"""

from __future__ import annotations

import time
from functools import lru_cache

from pynamodb.connection import Connection
from pynamodb.exceptions import TableError

from chalicelib import settings
from chalicelib.store.models import ALL_MODELS

__all__ = ["connection", "create_all", "delete_all", "ready"]

_bound: tuple | None = None


def ready() -> None:
    """Point every model at the tables of the current settings (cheap when unchanged)."""
    global _bound
    cfg = settings.get()
    signature = (cfg.table_prefix, cfg.dynamodb_endpoint, cfg.region)
    if signature == _bound:
        return
    # PynamoDB gives every model its own botocore client, and building one costs
    # about 100 ms of CPU (service model JSON): share one client across all models
    # and transactions, so a cold start builds it once.
    client = _connection(cfg.region, cfg.dynamodb_endpoint).client
    for model in ALL_MODELS:
        model.Meta.table_name = cfg.table_name(model.short_name)
        model.Meta.host = cfg.dynamodb_endpoint
        model.Meta.region = cfg.region
        model.Meta.max_retry_attempts = 3
        # A kind's subclass (flow records) keeps a connection of its own: bind those too.
        for bound in (model, *_subclasses(model)):
            bound._connection = None
            bound._get_connection().connection._client = client
    _bound = signature


def _subclasses(model: type) -> list[type]:
    found = []
    for sub in model.__subclasses__():
        found += [sub, *_subclasses(sub)]
    return found


@lru_cache(maxsize=8)
def _connection(region: str, host: str | None) -> Connection:
    return Connection(region=region, host=host)


def connection() -> Connection:
    """The connection transactions run on (its client is the one all models share)."""
    ready()
    cfg = settings.get()
    return _connection(cfg.region, cfg.dynamodb_endpoint)


def client():
    """The one botocore DynamoDB client (for instrumentation such as the benchmark's counters)."""
    return connection().client


def create_all() -> list[str]:
    """Create missing tables (local stacks and tests; AWS tables come from infra/)."""
    ready()
    created = []
    for model in ALL_MODELS:
        # Model.create_table first asks whether the table exists, which DynamoDB Local
        # answers slowly for a missing table; asking to create and being told it exists is quick.
        schema = model._get_schema()
        try:
            model._get_connection().create_table(
                attribute_definitions=schema["attribute_definitions"],
                key_schema=schema["key_schema"],
                global_secondary_indexes=schema["global_secondary_indexes"],
                local_secondary_indexes=schema["local_secondary_indexes"],
                billing_mode="PAY_PER_REQUEST",
            )
        except TableError as exc:
            if getattr(exc, "cause_response_code", None) != "ResourceInUseException":
                raise
            continue
        created.append(model.Meta.table_name)
    for model in ALL_MODELS:
        _wait_active(model)
        if model.Meta.table_name in created:
            model.update_ttl(ignore_update_ttl_errors=False)
    return created


def _wait_active(model, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if model._get_connection().describe_table().get("TableStatus") == "ACTIVE":
            return
        time.sleep(0.05)
    raise TimeoutError(f"table {model.Meta.table_name} is not active")


def delete_all() -> None:
    ready()
    for model in ALL_MODELS:
        if model.exists():
            model.delete_table()
