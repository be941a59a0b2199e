"""Unit tests check rules in plain Python: they need no tables.

This fixture replaces the root ``tables`` fixture for tests/unit: it creates no
tables and points the DynamoDB endpoint at a closed port, so a unit test that
reached for DynamoDB would fail instead of quietly passing.
"""

from __future__ import annotations

import base64
import json
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


@pytest.fixture
def use_keys(monkeypatch):
    """Install a keys document (as ``HALL_LOCAL_KEYS``) and return it."""

    def install(document: dict | None = None) -> dict:
        from chalicelib import crypto

        document = document or crypto.generate_keys_document()
        monkeypatch.setenv("HALL_LOCAL_KEYS", base64.b64encode(json.dumps(document).encode()).decode())
        return document

    return install
