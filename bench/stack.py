"""The benchmark's own DynamoDB Local, in memory, and the environment the app runs in.

The stack's environment mirrors tests/conftest.py (keys, endpoint, dev stage,
outbox), so the bench drives the code the tests exercise. :func:`as_on_lambda`
then turns on what production runs and the tests leave off: the Tracer (the X-Ray
SDK as on Lambda, sending every segment to a local UDP sink that stands in for the
daemon), Metrics, secure cookies and the functions' Powertools variables from
.chalice/config.json. Each measurement that needs a clean slate takes a fresh
table prefix.
"""

from __future__ import annotations

import base64
import json
import os
import secrets
import socket
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from devtools import dynamodb_local

ROOT = Path(__file__).resolve().parent.parent

__all__ = [
    "ROOT",
    "XRaySink",
    "as_on_lambda",
    "bench_env",
    "federation_stubs",
    "local_dynamodb",
    "new_trace",
    "use_fresh_tables",
]


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


@contextmanager
def federation_stubs(work_dir: Path | None = None) -> Iterator[dict[str, str]]:
    """The local 江苏政务 IdP and 支付宝 simulator, each its own process, started as the tests
    start them (devtools.stack.start_jszw_idp / start_alipay_sim, the fixtures of
    tests/functional/test_jszw_login.py and test_alipay_login.py); the hall's settings for them
    exported (devtools.stack.jszw_env / alipay_env). Both stop on exit."""
    from chalicelib import settings
    from devtools import stack

    work_dir = work_dir or Path(tempfile.mkdtemp(prefix="hall-bench-stubs-"))
    hall = settings.get().public_base_url
    saved = dict(os.environ)
    processes = []
    try:
        idp_port = dynamodb_local.free_port()
        processes.append(stack.start_jszw_idp(idp_port, hall, work_dir / "jszw-idp.log"))
        keys = stack.alipay_keys(work_dir / "alipay-keys")
        sim_port = dynamodb_local.free_port()
        processes.append(stack.start_alipay_sim(sim_port, hall, keys, work_dir / "alipay-sim.log"))
        env = {**stack.jszw_env(idp_port, hall), **stack.alipay_env(sim_port, hall, keys)}
        os.environ.update(env)
        settings.reset()
        yield env
    finally:
        os.environ.clear()
        os.environ.update(saved)
        settings.reset()
        for process in processes:
            process.terminate()
            process.wait(timeout=10)


def use_fresh_tables(prefix: str | None = None) -> str:
    """Point the models at a new set of empty tables (a new prefix) and create them."""
    from chalicelib import settings
    from chalicelib.store import tables

    prefix = prefix or f"bench{uuid.uuid4().hex[:8]}"
    os.environ["HALL_TABLE_PREFIX"] = prefix
    settings.reset()
    tables.create_all()
    return prefix


# -- as production runs ------------------------------------------------------------------------

TRACE_HEADER = "_X_AMZN_TRACE_ID"  # set by the Lambda runtime for each invocation


def new_trace(sampled: bool = True) -> None:
    """What the Lambda runtime does before each invocation: a new trace id in the environment.

    With ``sampled`` the X-Ray SDK builds the invocation's subsegments and sends each to the
    daemon when it closes; unsampled, it builds placeholders and sends nothing.
    """
    root = f"1-{int(time.time()):08x}-{secrets.token_hex(12)}"
    os.environ[TRACE_HEADER] = f"Root={root};Parent={secrets.token_hex(8)};Sampled={int(sampled)}"


class XRaySink:
    """A UDP socket where the X-Ray daemon would listen (on Lambda, the runtime's own).

    The SDK serialises and sends every closed subsegment to it exactly as on Lambda;
    nothing reads them while a figure is timed. :meth:`drain` empties the socket
    between timed requests and says how many segment documents arrived.
    """

    def __init__(self) -> None:
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self._socket.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 22)
        self._socket.bind(("127.0.0.1", 0))
        self._socket.setblocking(False)
        self.received = 0
        self.received_bytes = 0

    @property
    def address(self) -> str:
        host, port = self._socket.getsockname()
        return f"{host}:{port}"

    def drain(self, into: list[str] | None = None) -> int:
        """Read what has arrived (appending each segment document to ``into``, if given);
        the number of segment documents read."""
        count = 0
        while True:
            try:
                datagram = self._socket.recv(65536)
            except BlockingIOError:
                break
            count += 1
            self.received_bytes += len(datagram)
            if into is not None:
                into.append(datagram.decode("utf-8"))
        self.received += count
        return count

    def close(self) -> None:
        self._socket.close()


def _function_variables() -> dict[str, str]:
    """The variables .chalice/config.json gives every function (Powertools' service, namespace, ...)."""
    config = json.loads((ROOT / ".chalice" / "config.json").read_text(encoding="utf-8"))
    return dict(config.get("environment_variables", {}))


@contextmanager
def as_on_lambda() -> Iterator[XRaySink]:
    """Run what is imported from here on as a deployed function runs: Tracer and Metrics on.

    Sets Lambda's variables (``LAMBDA_TASK_ROOT`` makes the X-Ray SDK use its Lambda
    context and local sampler, and lets Powertools' Tracer patch botocore and
    http.client), the functions' variables from .chalice/config.json, Metrics on and
    secure cookies, and points the SDK's emitter at an :class:`XRaySink`. The stage stays
    dev (keys from the environment, the SMS outbox, the local base library: none of them
    on the paths timed). Tracer and the X-Ray SDK read these when imported, so this must be
    entered before the app is. Until :func:`new_trace` marks an invocation sampled, calls
    run under an unsampled trace, as most requests do.
    """
    if "aws_xray_sdk.core" in sys.modules or "chalicelib.observability" in sys.modules:
        raise RuntimeError("as_on_lambda() must be entered before the app (and the X-Ray SDK) is imported")
    sink = XRaySink()
    saved = dict(os.environ)
    os.environ.update(_function_variables())
    os.environ.pop("POWERTOOLS_TRACE_DISABLED", None)
    os.environ.update(
        {
            "LAMBDA_TASK_ROOT": str(ROOT),
            "AWS_LAMBDA_FUNCTION_NAME": "jiangsu-hall-bench",
            "AWS_XRAY_DAEMON_ADDRESS": sink.address,
            "POWERTOOLS_METRICS_DISABLED": "false",
            "HALL_SECURE_COOKIES": "true",
        }
    )
    new_trace(sampled=False)
    try:
        yield sink
    finally:
        os.environ.clear()
        os.environ.update(saved)
        sink.close()
