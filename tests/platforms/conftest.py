"""Platform adapters talk to their local counterparts, never to DynamoDB: no tables here.

This fixture replaces the root ``tables`` fixture for tests/platforms (creating
tables costs seconds per test). The DynamoDB endpoint points at a closed port,
so a platform test that reached for DynamoDB would fail.
"""

from __future__ import annotations

import socket

import pytest


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(autouse=True)
def tables(dynamodb, tmp_path, monkeypatch):
    from chalicelib import clock

    monkeypatch.setenv("HALL_DYNAMODB_ENDPOINT", f"http://127.0.0.1:{_closed_port()}")
    monkeypatch.setenv("HALL_OUTBOX_PATH", str(tmp_path / "outbox.jsonl"))
    yield
    clock.reset()
