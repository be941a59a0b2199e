"""A replacement for the root ``tables`` fixture, for tests that must not touch DynamoDB.

It creates no tables and points the DynamoDB endpoint at a closed port, so a test
that reached for DynamoDB fails instead of quietly passing (and pays no seconds
for tables it does not use). Import it into a folder's conftest.py.
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
