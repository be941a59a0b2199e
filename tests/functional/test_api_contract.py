"""The API's contract: the OpenAPI document, the one error shape, dev-only routes."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
METHODS = {"get", "post", "put", "patch", "delete"}


def test_the_openapi_document_matches_the_routes(app):
    spec = yaml.safe_load((ROOT / "docs/openapi.yaml").read_text("utf-8"))
    documented = {(path, m.upper()) for path, ops in spec["paths"].items() for m in ops if m in METHODS}
    served = {(path, m) for path, entries in app.routes.items() for m in entries}
    assert documented == served, {"undocumented": served - documented, "not served": documented - served}


def test_every_documented_error_response_uses_the_error_shape():
    spec = yaml.safe_load((ROOT / "docs/openapi.yaml").read_text("utf-8"))
    for path, ops in spec["paths"].items():
        for method, op in ops.items():
            if method not in METHODS:
                continue
            for status, response in op["responses"].items():
                if path.startswith("/api/") and int(status) >= 400:
                    assert response == {"$ref": "#/components/responses/Error"}, (path, method, status)


def test_errors_have_one_shape_with_a_request_id(browser):
    reply = browser.post("/api/sessions", {"method": "password", "identifier": "x", "password": "y"})
    assert set(reply.body) >= {"code", "message", "fields", "request_id"}
    assert reply.headers["X-Request-Id"] == reply.body["request_id"]


def test_malformed_json_gets_the_error_shape(browser):
    browser.get("/api/csrf")
    response = browser._client.http.post(
        "/api/sessions",
        headers={**browser._headers(), "Content-Type": "application/json"},
        body="{not json",
    )
    import json

    body = json.loads(response.body)
    assert response.status_code == 400 and body["code"] == "malformed_request"


def test_a_crash_is_answered_in_the_error_shape_without_details(browser, monkeypatch):
    from chalicelib.flows import login

    def explode(*_a, **_k):
        raise RuntimeError("internal detail that must not leak")

    monkeypatch.setattr(login, "begin", explode)
    reply = browser.post("/api/sessions", {"method": "password", "identifier": "a", "password": "b"})
    assert reply.status == 500
    assert reply.body["code"] == "internal_error"
    assert "internal detail" not in str(reply.body)


def test_unknown_static_files_are_not_found(browser):
    assert browser.get("/static/..%2Fapp.py").status == 404
    missing = browser.get("/static/nope.css")
    assert missing.status == 404
    assert missing.body["code"] == "not_found"


def test_the_prod_stage_registers_no_dev_routes():
    env = {**os.environ, "HALL_STAGE": "prod"}
    out = subprocess.run(
        [sys.executable, "-c", "from app import app; print(sorted(app.routes))"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "/dev/outbox" not in out and "/api/dev/outbox" not in out
    assert "/api/sessions" in out


def test_dev_routes_answer_not_found_under_the_prod_config(app):
    # Even if the routes were registered, the prod stage's settings refuse them.
    from chalice.test import Client

    with Client(app, stage_name="prod") as client:
        for path in ("/dev/outbox", "/api/dev/outbox"):
            response = client.http.get(path)
            assert response.status_code == 404
            assert b"captcha" not in response.body and b"SMS" not in response.body


def test_the_prod_stage_never_writes_captcha_answers(monkeypatch, tmp_path):
    from chalicelib.context import RequestContext
    from chalicelib.guards import captcha

    outbox = tmp_path / "prod-outbox.jsonl"
    monkeypatch.setenv("HALL_STAGE", "prod")
    monkeypatch.setenv("HALL_OUTBOX_PATH", str(outbox))
    challenge = captcha.issue(RequestContext())
    assert challenge.captcha_id
    assert not outbox.exists()


def test_the_dev_outbox_lists_masked_phones_and_captcha_answers(browser):
    from tests.support import new_citizen

    phone = new_citizen().phone
    assert browser.send_code(phone, "login").status == 200
    entries = browser.get("/api/dev/outbox").body["entries"]
    assert entries[0]["kind"] == "sms" and entries[0]["to"] == phone[:3] + "****" + phone[-4:]
    assert any(e["kind"] == "captcha" and e["answer"] for e in entries)
    assert phone not in str(entries)
