"""A local stand-in for the provincial population base library (基础库).

It is a real HTTP server (``http.server`` on a thread, bound to 127.0.0.1 on a
free port) speaking the platform's protocol, so :class:`HttpBaseLibrary` is
exercised over the wire exactly as in production:

* request: ``POST /api/identity/verify`` with a JSON body
  ``{"id_type", "id_number", "name"}`` and headers ``X-App-Id``,
  ``X-Timestamp`` (epoch seconds), ``X-Nonce`` and ``X-Signature`` =
  HMAC-SHA256(secret, app id, timestamp, nonce, SHA-256 of the body);
* the server rejects (HTTP 401, ``{"error": ...}``) an unknown app id, a bad
  signature, a timestamp more than five minutes away from its clock, and a
  nonce it has already seen;
* answer: ``{"result": "match" | "mismatch" | "not_found"}`` signed the same
  way, with the server's timestamp and the request's own nonce.

The citizens come from ``demo/citizens.json`` (its ``base_library`` list).
Tests can make the server misbehave (:attr:`BaseLibraryStub.answer_mode`,
:attr:`BaseLibraryStub.delay`) to prove the adapter refuses what it must.

Run by hand: ``python -m devtools.stubs.base_library_server --app-id jiangsu-hall --secret <base64>``.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import hmac
import json
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

__all__ = ["DEFAULT_CITIZENS", "MAX_SKEW_SECONDS", "PATH", "BaseLibraryStub", "sign"]

DEFAULT_CITIZENS = Path(__file__).resolve().parents[2] / "demo" / "citizens.json"
MAX_SKEW_SECONDS = 300
PATH = "/api/identity/verify"


def sign(secret: bytes, app_id: str, timestamp: str, nonce: str, body: bytes) -> str:
    """The platform's signature, written here from the protocol (not imported from the
    adapter), so a mistake on one side shows up as a rejection on the other."""
    digest = hashlib.sha256(body).hexdigest()
    return hmac.new(secret, f"{app_id}\n{timestamp}\n{nonce}\n{digest}".encode(), hashlib.sha256).hexdigest()


#: How the stub may misbehave when it answers, for tests of the adapter.
ANSWER_MODES = frozenset(
    {
        "normal",  # signed as the protocol says
        "unsigned",  # no X-Signature header
        "tampered",  # body changed after signing (mismatch turned into match)
        "wrong_secret",  # signed with a secret the hall does not share
        "foreign_nonce",  # signed, but for another request's nonce (a replayed answer)
        "stale",  # signed, but with a timestamp an hour old
        "garbage",  # signed, but not JSON
        "odd_result",  # signed JSON with a result the protocol does not define
    }
)


class BaseLibraryStub:
    """The base library platform on ``127.0.0.1:<free port>``; use as a context manager."""

    def __init__(
        self,
        apps: dict[str, bytes],
        citizens_path: str | Path = DEFAULT_CITIZENS,
        *,
        max_skew: int = MAX_SKEW_SECONDS,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.apps = dict(apps)
        self.max_skew = max_skew
        self.clock = clock
        self.answer_mode = "normal"
        self.delay = 0.0
        self.requests: list[dict] = []  # what was asked, and the verdict or the rejection
        self._citizens = _load_citizens(citizens_path)
        self._seen_nonces: dict[tuple[str, str], float] = {}
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle -----------------------------------------------------------------

    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError("the stub is not running")
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> BaseLibraryStub:
        handler = type("Handler", (_Handler,), {"stub": self})
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, name="base-library-stub", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> BaseLibraryStub:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # -- the protocol ----------------------------------------------------------------

    def rejections(self) -> list[str]:
        return [r["rejected"] for r in self.requests if "rejected" in r]

    def check_request(self, headers, body: bytes) -> tuple[str, str] | str:
        """``(app_id, nonce)`` of an authentic, fresh, first-seen request, or why it is refused."""
        app_id = headers.get("X-App-Id", "")
        secret = self.apps.get(app_id)
        if secret is None:
            return "unknown_app"
        timestamp, nonce = headers.get("X-Timestamp", ""), headers.get("X-Nonce", "")
        expected = sign(secret, app_id, timestamp, nonce, body)
        if not hmac.compare_digest(expected.encode(), headers.get("X-Signature", "").encode("utf-8", "replace")):
            return "bad_signature"
        try:
            sent_at = int(timestamp)
        except ValueError:
            return "bad_timestamp"
        now = self.clock()
        if abs(now - sent_at) > self.max_skew:
            return "stale_timestamp"
        if not nonce:
            return "missing_nonce"
        with self._lock:
            # A nonce needs remembering only while its timestamp could still pass.
            self._seen_nonces = {k: t for k, t in self._seen_nonces.items() if t > now}
            if (app_id, nonce) in self._seen_nonces:
                return "replayed_nonce"
            self._seen_nonces[(app_id, nonce)] = sent_at + self.max_skew + 1
        return app_id, nonce

    def verdict(self, query: dict) -> str:
        known = self._citizens.get((str(query.get("id_type")), str(query.get("id_number", "")).upper()))
        if known is None:
            return "not_found"
        return "match" if known == query.get("name") else "mismatch"

    def answer(self, app_id: str, nonce: str, result: str) -> tuple[bytes, dict[str, str]]:
        """The signed answer, bent as :attr:`answer_mode` says."""
        mode = self.answer_mode
        if mode not in ANSWER_MODES:
            raise ValueError(f"unknown answer mode {mode!r}")
        if mode == "garbage":
            body = b"<html>oops</html>"
        else:
            body = json.dumps({"result": "pending" if mode == "odd_result" else result}).encode()
        timestamp = str(int(self.clock()) - (3600 if mode == "stale" else 0))
        signed_nonce = nonce if mode != "foreign_nonce" else hashlib.sha256(nonce.encode()).hexdigest()[:16]
        secret = self.apps[app_id] if mode != "wrong_secret" else b"not-the-shared-secret"
        headers = {"X-Timestamp": timestamp, "X-Nonce": signed_nonce}
        if mode != "unsigned":
            headers["X-Signature"] = sign(secret, app_id, timestamp, signed_nonce, body)
        if mode == "tampered":
            body = json.dumps({"result": "mismatch" if result == "match" else "match"}).encode()
        return body, headers


def _load_citizens(path: str | Path) -> dict[tuple[str, str], str]:
    with open(path, encoding="utf-8") as f:
        data = json.load(f)
    return {(c["id_type"], c["id_number"].upper()): c["name"] for c in data["base_library"]}


class _Handler(BaseHTTPRequestHandler):
    stub: BaseLibraryStub
    protocol_version = "HTTP/1.1"

    def log_message(self, format, *args) -> None:
        # Requests carry names and ID numbers: keep them off the console.
        pass

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length)
        if self.path != PATH:
            self._send(404, {"error": "not_found"})
            return
        checked = self.stub.check_request(self.headers, body)
        if isinstance(checked, str):
            self.stub.requests.append({"rejected": checked})
            self._send(401, {"error": checked})
            return
        try:
            query = json.loads(body)
        except ValueError:
            self.stub.requests.append({"rejected": "bad_body"})
            self._send(400, {"error": "bad_body"})
            return
        app_id, nonce = checked
        result = self.stub.verdict(query)
        self.stub.requests.append({"query": query, "result": result})
        if self.stub.delay:
            time.sleep(self.stub.delay)
        answer, headers = self.stub.answer(app_id, nonce, result)
        self._send_raw(200, answer, headers)

    def _send(self, status: int, payload: dict) -> None:
        self._send_raw(status, json.dumps(payload).encode(), {})

    def _send_raw(self, status: int, body: bytes, headers: dict[str, str]) -> None:
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            for name, value in headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (a timeout test); nothing to tell it


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--app-id", default="jiangsu-hall")
    parser.add_argument("--secret", required=True, help="the shared secret, base64")
    parser.add_argument("--citizens", default=str(DEFAULT_CITIZENS))
    args = parser.parse_args()
    with BaseLibraryStub({args.app_id: base64.b64decode(args.secret)}, args.citizens) as stub:
        print(f"base library stub listening on {stub.url} (Ctrl-C stops it)", flush=True)
        try:
            threading.Event().wait()
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":
    main()
