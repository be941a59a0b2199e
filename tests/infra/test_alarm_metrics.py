"""The hall's alarms watch the metrics exactly as Powertools EMF emits them.

CloudWatch matches an alarm's metric by namespace, name and the full set of
dimensions; an alarm on a dimension set nobody emits stays silent forever.
"""

from __future__ import annotations

import json

import pytest

from infra import build
from tests.support import new_citizen

TEMPLATE = json.loads(build.TEMPLATE_PATH.read_text(encoding="utf-8"))


def _watched_by_alarms() -> set[tuple[str, str, tuple]]:
    watched = set()
    for resource in TEMPLATE["Resources"].values():
        if resource["Type"] != "AWS::CloudWatch::Alarm":
            continue
        props = resource["Properties"]
        if "MetricName" in props:  # an alarm on one metric, without metric math
            dims = tuple(sorted((d["Name"], json.dumps(d["Value"])) for d in props["Dimensions"]))
            watched.add((props["Namespace"], props["MetricName"], dims))
        for metric in props.get("Metrics", []):
            if "MetricStat" in metric:
                m = metric["MetricStat"]["Metric"]
                # Table dimensions are {"Ref": ...}; keep them comparable as text.
                dims = tuple(sorted((d["Name"], json.dumps(d["Value"])) for d in m["Dimensions"]))
                watched.add((m["Namespace"], m["MetricName"], dims))
    return watched


def _emitted(stdout: str) -> set[tuple[str, str, tuple]]:
    """(namespace, metric, dimensions) of every EMF blob in the captured output."""
    found = set()
    for line in stdout.splitlines():
        if not line.startswith("{") or '"_aws"' not in line:
            continue
        blob = json.loads(line)
        for directive in blob["_aws"]["CloudWatchMetrics"]:
            for dimension_set in directive["Dimensions"]:
                dims = tuple(sorted((name, json.dumps(blob[name])) for name in dimension_set))
                for metric in directive["Metrics"]:
                    found.add((directive["Namespace"], metric["Name"], dims))
    return found


@pytest.fixture
def metrics_on(monkeypatch):
    # The service name and namespace come from .chalice/config.json: Chalice's test
    # client applies the stage's environment to every request, as Lambda does.
    monkeypatch.delenv("POWERTOOLS_METRICS_DISABLED", raising=False)


def test_lockouts_and_sms_codes_are_emitted_with_the_dimensions_the_alarms_watch(browser, capsys, metrics_on):
    # GIVEN a citizen and a stranger whose passwords are guessed wrong five times each
    citizen = new_citizen()
    assert browser.register(citizen).status == 201
    browser.delete("/api/sessions/current")
    capsys.readouterr()
    for identifier in (citizen.phone, new_citizen().id_number):
        replies = [browser.login_password(identifier, "Wrong#pass1").status for _ in range(5)]
        assert replies[-1] == 423
    # AND an SMS login code sent
    assert browser.send_code(citizen.phone, "login").status == 200

    # WHEN the emitted EMF is read back
    emitted = _emitted(capsys.readouterr().out)

    # THEN every lockout and SMS metric emitted is one an alarm watches
    relevant = {e for e in emitted if e[1] in ("AccountLocked", "SmsCodeSent")}
    assert {e[1] for e in relevant} == {"AccountLocked", "SmsCodeSent"}, emitted
    assert relevant <= _watched_by_alarms(), relevant - _watched_by_alarms()
    locked_kinds = {json.loads(dict(e[2])["kind"]) for e in relevant if e[1] == "AccountLocked"}
    assert locked_kinds == {"account", "identifier"}


def test_a_spent_sms_budget_is_emitted_with_the_dimensions_its_alarm_watches(browser, capsys, metrics_on, monkeypatch):
    # GIVEN a hall whose hourly SMS budget is one code, already sent
    monkeypatch.setenv("HALL_SMS_HOURLY_BUDGET", "1")
    assert browser.send_code(new_citizen().phone, "login").status == 200
    capsys.readouterr()
    # WHEN another phone is asked a code in the same hour
    reply = browser.send_code(new_citizen().phone, "login")
    assert reply.body["code"] == "sms_budget_exhausted"
    emitted = _emitted(capsys.readouterr().out)
    # THEN SmsBudgetExceeded went out, on a dimension set an alarm watches
    spent = {e for e in emitted if e[1] == "SmsBudgetExceeded"}
    assert spent, emitted
    assert spent <= _watched_by_alarms(), spent - _watched_by_alarms()
