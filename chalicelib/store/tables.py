"""Binding the models to real tables, and creating them where we own the stack.

Table names and the endpoint come from settings, read when first needed (not
at import), and re-read when the environment changes, so one process can talk
to several stacks (tests use a table prefix each).
"""

from __future__ import annotations

from functools import lru_cache

from pynamodb.connection import Connection

from chalicelib import settings
from chalicelib.store.models import ALL_MODELS

__all__ = ["ready", "connection", "create_all", "delete_all"]

_bound: tuple | None = None


def ready() -> None:
    """Point every model at the tables of the current settings (cheap when unchanged)."""
    global _bound
    cfg = settings.get()
    signature = (cfg.table_prefix, cfg.dynamodb_endpoint, cfg.region)
    if signature == _bound:
        return
    for model in ALL_MODELS:
        model.Meta.table_name = cfg.table_name(model.short_name)
        model.Meta.host = cfg.dynamodb_endpoint
        model.Meta.region = cfg.region
        # DynamoDB Local answers fast; in AWS the SDK's standard retries apply.
        model.Meta.max_retry_attempts = 3
        model._connection = None
    _bound = signature


@lru_cache(maxsize=8)
def _connection(region: str, host: str | None) -> Connection:
    return Connection(region=region, host=host)


def connection() -> Connection:
    """The connection transactions run on."""
    ready()
    cfg = settings.get()
    return _connection(cfg.region, cfg.dynamodb_endpoint)


def create_all() -> list[str]:
    """Create missing tables (local stacks and tests; AWS tables come from infra/)."""
    ready()
    created = []
    for model in ALL_MODELS:
        if not model.exists():
            model.create_table(billing_mode="PAY_PER_REQUEST", wait=True)
            created.append(model.Meta.table_name)
    return created


def delete_all() -> None:
    ready()
    for model in ALL_MODELS:
        if model.exists():
            model.delete_table()
