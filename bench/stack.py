"""The benchmark's own DynamoDB Local, in memory, with the test suite's environment.

The environment mirrors tests/conftest.py (keys, endpoint, dev stage, outbox,
tracing and metrics off), so the bench measures the code the tests exercise.
Each measurement that needs a clean slate takes a fresh table prefix.
"""

from __future__ import annotations

import base64
import json
import os
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from devtools import dynamodb_local

ROOT = Path(__file__).resolve().parent.parent

__all__ = ["ROOT", "bench_env", "local_dynamodb", "use_fresh_tables"]


def bench_env(ddb_port: int, work_dir: Path, keys_b64: str) -> dict[str, str]:
    """The local stack's variables (as tests/conftest.py and `make run` have them), own tables."""
    from devtools.stack import stack_env

    env = stack_env(ddb_port, f"bench{uuid.uuid4().hex[:8]}", keys_b64, work_dir / "outbox.jsonl")
    env.update({"HALL_SECURE_COOKIES": "false", "POWERTOOLS_TRACE_DISABLED": "true"})
    return env


@contextmanager
def local_dynamodb() -> Iterator[dict[str, str]]:
    """Start DynamoDB Local in memory, export the bench environment, yield it; stop on exit."""
    from chalicelib import crypto

    work_dir = Path(tempfile.mkdtemp(prefix="hall-bench-"))
    port = dynamodb_local.free_port()
    process = dynamodb_local.start(port, log_path=str(work_dir / "dynamodb-local.log"))
    saved = dict(os.environ)
    try:
        keys = base64.b64encode(json.dumps(crypto.generate_keys_document()).encode()).decode()
        env = bench_env(port, work_dir, keys)
        os.environ.update(env)
        use_fresh_tables()
        yield env
    finally:
        os.environ.clear()
        os.environ.update(saved)
        dynamodb_local.stop(process)


def use_fresh_tables(prefix: str | None = None) -> str:
    """Point the models at a new set of empty tables (a new prefix) and create them."""
    from chalicelib import settings
    from chalicelib.store import tables

    prefix = prefix or f"bench{uuid.uuid4().hex[:8]}"
    os.environ["HALL_TABLE_PREFIX"] = prefix
    settings.reset()
    tables.create_all()
    return prefix
