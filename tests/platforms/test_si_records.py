"""The social-insurance systems' records: the signed HTTP adapter against a local stub speaking
the protocol, and the settings that choose the implementation."""

from __future__ import annotations

import json
import os
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from chalicelib import clock
from chalicelib.platforms import si_records
from chalicelib.platforms.base_library import sign
from chalicelib.platforms.si_records import HttpSiRecords, RecordKind, RecordStatus, RecordsUnavailable

APP_ID = "jiangsu-hall"
CHEN = ("resident_id", "320102199003071239")
RECORD = {
    "insurance": "pension",
    "period": "2020-05",
    "unit": "南京测试科技有限公司",
    "base": "6000",
    "unit_amount": "960.00",
    "personal_amount": "480.00",
    "status": "paid",
}


class Stub:
    """The platform: checks the request's signature, answers signed (or not, per ``mode``)."""

    def __init__(self, secret: bytes) -> None:
        self.secret = secret
        self.mode = "ok"
        self.seen: list[dict] = []
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *_args):
                pass

            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                h = self.headers
                expected = sign(stub.secret, h["X-App-Id"], h["X-Timestamp"], h["X-Nonce"], body)
                if expected != h["X-Signature"] or self.path != HttpSiRecords.PATH:
                    self.send_response(401)
                    self.end_headers()
                    return
                stub.seen.append(json.loads(body))
                records = [RECORD] if stub.mode != "other_kind" else [{**RECORD, "insurance": "medical"}]
                answer = json.dumps({"records": records}).encode() if stub.mode != "malformed" else b"{}"
                nonce = h["X-Nonce"] if stub.mode != "wrong_nonce" else os.urandom(8).hex()
                timestamp = str(clock.to_epoch(clock.now()) - (3600 if stub.mode == "stale" else 0))
                key = stub.secret if stub.mode != "bad_signature" else b"x" * 32
                self.send_response(200)
                self.send_header("X-Timestamp", timestamp)
                self.send_header("X-Nonce", nonce)
                self.send_header("X-Signature", sign(key, h["X-App-Id"], timestamp, nonce, answer))
                self.end_headers()
                self.wfile.write(answer)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def __enter__(self):
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def secret() -> bytes:
    return os.urandom(32)


@pytest.fixture
def stub(secret):
    with Stub(secret) as running:
        yield running


def test_the_adapter_asks_for_one_kind_signed_and_reads_the_signed_answer(stub, secret):
    records = HttpSiRecords(stub.url, APP_ID, secret, timeout=2).records(*CHEN, RecordKind.PENSION)
    assert stub.seen == [{"id_type": CHEN[0], "id_number": CHEN[1], "kind": "pension"}]
    assert len(records) == 1
    r = records[0]
    assert (r.insurance, r.period, r.unit, str(r.base), str(r.unit_amount)) == (
        RecordKind.PENSION,
        "2020-05",
        "南京测试科技有限公司",
        "6000.00",
        "960.00",
    )
    assert r.status is RecordStatus.PAID


@pytest.mark.parametrize("mode", ["bad_signature", "wrong_nonce", "stale", "malformed", "other_kind"])
def test_an_answer_that_cannot_be_trusted_is_unavailable(stub, secret, mode):
    stub.mode = mode
    with pytest.raises(RecordsUnavailable):
        HttpSiRecords(stub.url, APP_ID, secret, timeout=2).records(*CHEN, RecordKind.PENSION)


def test_a_wrong_secret_or_no_platform_is_unavailable(stub):
    with pytest.raises(RecordsUnavailable):  # the platform refuses our signature: 401
        HttpSiRecords(stub.url, APP_ID, b"y" * 32, timeout=2).records(*CHEN, RecordKind.PENSION)
    with pytest.raises(RecordsUnavailable):
        HttpSiRecords("http://127.0.0.1:9", APP_ID, b"y" * 32, timeout=2).records(*CHEN, RecordKind.PENSION)


def test_settings_choose_the_implementation(monkeypatch):
    monkeypatch.setenv("HALL_SI_RECORDS", "local")
    monkeypatch.setenv("HALL_LOCAL_SI_RECORDS_PATH", "demo/si_records.json")
    assert isinstance(si_records.platform(), si_records.LocalSiRecords)
    monkeypatch.setenv("HALL_SI_RECORDS", "http")
    monkeypatch.setenv("HALL_SI_RECORDS_URL", "https://si.example.invalid")
    from chalicelib import crypto

    monkeypatch.setattr(crypto, "platform_secret", lambda name: b"s" * 32 if name == "si_records" else None)
    chosen = si_records.platform()
    assert isinstance(chosen, HttpSiRecords) and chosen.base_url == "https://si.example.invalid"
