"""Logs are JSON with the request's correlation id; metrics are EMF with their dimensions."""

from __future__ import annotations

import json

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
    registered = [line for line in logs if line.get("message") == "account registered"]
    assert registered and len(registered[0]["account_id"]) == 32


def test_logins_are_counted_by_method_and_outcome(browser, capsys, monkeypatch):
    monkeypatch.setenv("POWERTOOLS_METRICS_DISABLED", "false")
    citizen = new_citizen()
    assert browser.register(citizen).status == 201
    browser.login_password(citizen.phone, "Wrong#pass1")
    assert browser.login_password(citizen.phone, citizen.password).status == 200
    # The dev stage config disables metrics for the test client; metrics from direct flow calls are not.
    from chalicelib.context import RequestContext
    from chalicelib.flows import login

    capsys.readouterr()
    login.login("password", {"identifier": citizen.phone, "password": citizen.password}, RequestContext())
    blobs = [line for line in _json_lines(capsys.readouterr().out) if "_aws" in line]
    succeeded = [b for b in blobs if "LoginSucceeded" in b]
    assert succeeded and succeeded[0]["method"] == "password"
    assert succeeded[0]["_aws"]["CloudWatchMetrics"][0]["Namespace"] == "JiangsuHall"
