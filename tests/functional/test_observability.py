"""Logs are JSON with the request's correlation id; metrics are EMF with their dimensions."""

from __future__ import annotations

import json
import os

from chalicelib.errors import HallError
from tests.support import new_citizen


def _json_lines(text: str) -> list[dict]:
    lines = []
    for line in text.splitlines():
        if line.startswith("{"):
            lines.append(json.loads(line))
    return lines


def test_handler_log_lines_are_json_with_the_correlation_id(browser, log_output):
    reply = browser.post("/api/sessions", {"method": "password", "identifier": "13800000000", "password": "x"})
    logs = [line for line in _json_lines(log_output.getvalue()) if "level" in line]
    assert logs, "the request logged nothing"
    request_lines = [line for line in logs if line.get("correlation_id") == reply.body["request_id"]]
    assert request_lines and all(line["service"] == "jiangsu-hall" for line in request_lines)
    assert any(line["message"] == "request" and line["status"] == 401 for line in request_lines)


def test_log_lines_carry_the_internal_account_id_after_login(browser, log_output):
    citizen = new_citizen()
    assert browser.register(citizen).status == 201
    logs = _json_lines(log_output.getvalue())
    registered = [line for line in logs if line.get("event") == "account registered"]
    # The registration's facts ride on its one request line.
    assert len(registered) == 1 and registered[0]["message"] == "request" and registered[0]["status"] == 201
    assert len(registered[0]["account_id"]) == 32 and registered[0]["path"] == "/api/registrations"


def test_a_request_writes_one_log_line_with_what_its_flow_did(browser, log_output):
    # GIVEN a registered citizen
    citizen = new_citizen()
    assert browser.register(citizen).status == 201
    log_output.truncate(0)
    log_output.seek(0)

    # WHEN they log in
    reply = browser.login_password(citizen.id_number, citizen.password)
    assert reply.status == 200

    # THEN the login request wrote one line: the request, its status and what the flow did
    request_id = reply.headers["X-Request-Id"]
    lines = [line for line in _json_lines(log_output.getvalue()) if line.get("correlation_id") == request_id]
    assert len(lines) == 1
    (line,) = lines
    assert line["message"] == "request" and line["status"] == 200 and line["method"] == "POST"
    assert line["event"] == "login succeeded" and line["login_method"] == "password"
    assert len(line["account_id"]) == 32


def test_logins_are_counted_by_method_and_outcome(browser, capsys, monkeypatch):
    from chalicelib.context import RequestContext
    from tests.support import last_code, login_directly

    # GIVEN a registered citizen, and metrics on (the dev stage config disables them for the
    # test client; direct flow calls honour the environment set here)
    monkeypatch.setenv("POWERTOOLS_METRICS_DISABLED", "false")
    citizen = new_citizen()
    assert browser.register(citizen).status == 201
    assert browser.send_code(citizen.phone, "login").status == 200
    code = last_code(citizen.phone)
    wrong_code = f"{(int(code) + 1) % 1000000:06d}"
    capsys.readouterr()

    def outcome(method, form):
        try:
            login_directly(method, form, RequestContext())
        except HallError as exc:
            return exc.code
        return "ok"

    # WHEN each method fails once and then succeeds
    assert outcome("password", {"identifier": citizen.phone, "password": "Wrong#pass1"}) == "invalid_credentials"
    assert outcome("password", {"identifier": citizen.phone, "password": citizen.password}) == "ok"
    assert outcome("sms_code", {"phone": citizen.phone, "sms_code": wrong_code}) == "sms_code_invalid"
    assert outcome("sms_code", {"phone": citizen.phone, "sms_code": code}) == "ok"

    # THEN each outcome of each method is one EMF metric in the hall's namespace, with the
    # method as a dimension and, for a failure, the error id as its reason
    blobs = [line for line in _json_lines(capsys.readouterr().out) if "_aws" in line]
    logins = [b for b in blobs if "LoginSucceeded" in b or "LoginFailed" in b]
    named = [
        ("LoginSucceeded" if "LoginSucceeded" in b else "LoginFailed", b["method"], b.get("reason")) for b in logins
    ]
    assert named == [
        ("LoginFailed", "password", "invalid_credentials"),
        ("LoginSucceeded", "password", None),
        ("LoginFailed", "sms_code", "sms_code_invalid"),
        ("LoginSucceeded", "sms_code", None),
    ]
    assert all(b["_aws"]["CloudWatchMetrics"][0]["Namespace"] == "JiangsuHall" for b in logins)


# Logs in twice (a browser, then the app) in an interpreter that runs as a deployed function
# does: Tracer on, every request sampled, segments sent to a local stand-in for the X-Ray
# daemon (bench.stack.as_on_lambda). Writes what the clients got and the segments sent.
_TRACED_LOGINS = """
import json, sys
from bench.stack import as_on_lambda, new_trace
with as_on_lambda() as xray:
    from app import app
    from bench.flows import LambdaBrowser
    from devtools.events import proxy_event

    form = json.loads(sys.argv[2])
    segments = []
    browser = LambdaBrowser(app)
    browser.request("GET", "/api/csrf")
    xray.drain()
    browser_answer = browser.request("POST", "/api/sessions", form)
    xray.drain(segments)
    new_trace(sampled=True)
    app_answer = app(proxy_event("POST", "/api/sessions", form, {"X-Hall-Client": "app"}), None)
    xray.drain(segments)
    with open(sys.argv[1], "w", encoding="utf-8") as out:
        json.dump({"browser": browser_answer, "cookies": browser.cookies, "app": app_answer, "segments": segments}, out)
"""


def test_traces_carry_no_token_or_citizen_data(browser, tmp_path):
    import subprocess
    import sys
    from pathlib import Path

    # GIVEN a registered citizen (and this test's environment, as it is now: the traced run gets
    # exactly it; it was once seen without this test's table prefix in a full parallel run)
    environment = dict(os.environ)
    citizen = new_citizen()
    assert browser.register(citizen).status == 201
    form = {"method": "password", "identifier": citizen.phone, "password": citizen.password}

    # WHEN a browser and the app log in where every request is traced, as on Lambda
    out = tmp_path / "traced.json"
    root = Path(__file__).resolve().parents[2]
    ran = subprocess.run(
        [sys.executable, "-c", _TRACED_LOGINS, str(out), json.dumps(form)],
        cwd=root,
        env=environment,
        check=True,
        capture_output=True,
    )
    seen = json.loads(out.read_text(encoding="utf-8"))

    # THEN both logins were traced (the handler's subsegment and the DynamoDB calls were sent)...
    answered = (seen["browser"]["statusCode"], seen["app"]["statusCode"])
    assert answered == (200, 200), (answered, ran.stdout.decode()[-4000:], ran.stderr.decode()[-4000:])
    segments = [json.loads(s.split("\n", 1)[1]) for s in seen["segments"]]
    assert {s["name"] for s in segments} >= {"## chalicelib.handlers.login.login", "dynamodb"}
    # ...and no segment holds a token the answers carried, nor the citizen's own data
    secrets = [
        seen["cookies"]["hall_session"],
        seen["cookies"]["hall_csrf"],
        json.loads(seen["app"]["body"])["token"],
        citizen.phone,
        citizen.id_number,
        citizen.name,
        citizen.password,
    ]
    sent = "\n".join(seen["segments"])
    for secret in secrets:
        assert secret not in sent, f"a secret reached the traces: {secret[:3]}…"


def test_sending_a_code_adds_to_the_one_request_line(browser, log_output):
    citizen = new_citizen()
    assert browser.send_code(citizen.phone, "register").status == 200
    sent = [line for line in _json_lines(log_output.getvalue()) if line.get("event") == "sms code sent"]
    # GIVEN one request that sent a code THEN exactly one line says so: the request's own line
    assert len(sent) == 1 and sent[0]["message"] == "request" and sent[0]["sms_purpose"] == "register"
    assert sent[0]["phone"] != citizen.phone and citizen.phone not in log_output.getvalue()
