"""CloudWatch alarms: lockout spikes, SMS pumping and budget, API 5xx, Lambda errors, DynamoDB throttling.

CloudWatch matches a metric by its exact dimension set. Powertools EMF emits the
hall's counters with their own dimension plus ``service`` (``AccountLocked``
with ``kind`` and ``service``; ``SmsCodeSent`` with ``purpose`` and ``service``),
so each alarm lists every dimension value and adds them up in metric math.
tests/infra checks that a real flow emits exactly these dimension sets.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from chalicelib.domain.codes import Purpose
from chalicelib.store.models import HallModel
from infra.tables import logical_id

__all__ = ["LOCK_KINDS", "AlarmNames", "alarms"]

# The ``kind`` values chalicelib.methods.password.lockout gives AccountLocked.
LOCK_KINDS = ("account", "identifier")

TOPIC = "AlarmTopic"
PREFIX = "TablePrefix"


@dataclass(frozen=True)
class AlarmNames:
    """Names the alarms watch, taken from .chalice/config.json and app.py."""

    namespace: str
    service: str
    api_name: str
    api_stage: str
    functions: tuple[tuple[str, str], ...]
    """(label, Lambda function name) of every function ``chalice deploy --stage prod`` creates."""


def _metric(
    metric_id: str, namespace: str, name: str, dimensions: dict[str, Any], period: int, stat: str = "Sum"
) -> dict[str, Any]:
    return {
        "Id": metric_id,
        "MetricStat": {
            "Metric": {
                "Namespace": namespace,
                "MetricName": name,
                "Dimensions": [{"Name": k, "Value": v} for k, v in dimensions.items()],
            },
            "Period": period,
            "Stat": stat,
        },
        "ReturnData": False,
    }


def _sum_of(ids: list[str]) -> str:
    # A dimension value that saw no event has no datapoint; FILL makes the sum defined.
    return " + ".join(f"FILL({i}, 0)" for i in ids)


def _alarm(name: str, description: str, **properties: Any) -> dict[str, Any]:
    return {
        "Type": "AWS::CloudWatch::Alarm",
        "Properties": {
            "AlarmName": {"Fn::Sub": f"${{{PREFIX}}}-{name}"},
            "AlarmDescription": description,
            "AlarmActions": [{"Ref": TOPIC}],
            "OKActions": [{"Ref": TOPIC}],
            # No traffic is not an incident; each alarm here counts events that did happen.
            "TreatMissingData": "notBreaching",
            **properties,
        },
    }


def _lockout_spike(names: AlarmNames) -> dict[str, Any]:
    metrics = [
        _metric(f"locked{i}", names.namespace, "AccountLocked", {"kind": kind, "service": names.service}, 300)
        for i, kind in enumerate(LOCK_KINDS)
    ]
    ids = [m["Id"] for m in metrics]
    return _alarm(
        "lockout-spike",
        "Many password lockouts in 5 minutes: credential stuffing or ID-number guessing (see docs/operations.md).",
        Metrics=[*metrics, {"Id": "locks", "Expression": _sum_of(ids), "Label": "Lockouts", "ReturnData": True}],
        EvaluationPeriods=1,
        ComparisonOperator="GreaterThanOrEqualToThreshold",
        Threshold={"Ref": "LockoutSpikeThreshold"},
    )


def _sms_metrics(names: AlarmNames, period: int) -> list[dict[str, Any]]:
    return [
        _metric(f"sms{i}", names.namespace, "SmsCodeSent", {"purpose": p.value, "service": names.service}, period)
        for i, p in enumerate(Purpose)
    ]


def _sms_ceiling(names: AlarmNames) -> dict[str, Any]:
    metrics = _sms_metrics(names, 3600)
    return _alarm(
        "sms-hourly-ceiling",
        "SMS codes sent in one hour exceed the ceiling: possible SMS pumping (each message costs money).",
        Metrics=[
            *metrics,
            {"Id": "sent", "Expression": _sum_of([m["Id"] for m in metrics]), "Label": "SMS", "ReturnData": True},
        ],
        EvaluationPeriods=1,
        ComparisonOperator="GreaterThanThreshold",
        Threshold={"Ref": "SmsHourlyCeiling"},
    )


def _sms_anomaly(names: AlarmNames) -> dict[str, Any]:
    metrics = _sms_metrics(names, 900)
    return _alarm(
        "sms-volume-anomaly",
        "SMS volume above its learned band for 30 minutes: possible SMS pumping below the hourly ceiling.",
        Metrics=[
            *metrics,
            {"Id": "sent", "Expression": _sum_of([m["Id"] for m in metrics]), "Label": "SMS", "ReturnData": True},
            {"Id": "band", "Expression": "ANOMALY_DETECTION_BAND(sent, 3)", "Label": "Expected", "ReturnData": True},
        ],
        ThresholdMetricId="band",
        EvaluationPeriods=2,
        DatapointsToAlarm=2,
        ComparisonOperator="GreaterThanUpperThreshold",
    )


def _sms_budget(names: AlarmNames) -> dict[str, Any]:
    # Counted without a dimension of its own: Powertools emits it with ``service`` alone.
    return _alarm(
        "sms-budget-exceeded",
        "The hourly SMS budget is spent: codes are refused until the hour ends (docs/operations.md).",
        Namespace=names.namespace,
        MetricName="SmsBudgetExceeded",
        Dimensions=[{"Name": "service", "Value": names.service}],
        Statistic="Sum",
        Period=300,
        EvaluationPeriods=1,
        ComparisonOperator="GreaterThanOrEqualToThreshold",
        Threshold=1,
    )


def _api_5xx(names: AlarmNames) -> dict[str, Any]:
    dims = {"ApiName": names.api_name, "Stage": names.api_stage}
    return _alarm(
        "api-5xx-rate",
        "More than the threshold share of API requests answered 5xx over 5 minutes (ignored below 20 requests).",
        Metrics=[
            _metric("errors", "AWS/ApiGateway", "5XXError", dims, 300),
            _metric("requests", "AWS/ApiGateway", "Count", dims, 300),
            {
                "Id": "rate",
                # A single failure among three requests is not a 33% outage.
                "Expression": "IF(requests >= 20, errors / requests, 0)",
                "Label": "5xx rate",
                "ReturnData": True,
            },
        ],
        EvaluationPeriods=1,
        ComparisonOperator="GreaterThanThreshold",
        Threshold={"Ref": "ApiErrorRateThreshold"},
    )


def _lambda_errors(function_name: str, suffix: str) -> dict[str, Any]:
    return _alarm(
        f"lambda-errors-{suffix}",
        f"Lambda {function_name} raised (crash or timeout; handled errors become 4xx/5xx responses instead).",
        Namespace="AWS/Lambda",
        MetricName="Errors",
        Dimensions=[{"Name": "FunctionName", "Value": function_name}],
        Statistic="Sum",
        Period=300,
        EvaluationPeriods=1,
        ComparisonOperator="GreaterThanOrEqualToThreshold",
        Threshold=1,
    )


def _throttling(model: type[HallModel]) -> dict[str, Any]:
    table = {"Ref": logical_id(model)}
    metrics = []
    targets: list[dict[str, Any]] = [{"TableName": table}]
    targets += [
        {"TableName": table, "GlobalSecondaryIndexName": index["index_name"]}
        for index in model._get_schema()["global_secondary_indexes"]
    ]
    for t, dims in enumerate(targets):
        for kind in ("Read", "Write"):
            metrics.append(_metric(f"{kind.lower()}{t}", "AWS/DynamoDB", f"{kind}ThrottleEvents", dims, 300))
    return _alarm(
        f"ddb-throttle-{model.short_name.replace('_', '-')}",
        f"DynamoDB throttled requests on the {model.short_name} table or its indexes (hot key or account limit).",
        Metrics=[
            *metrics,
            {
                "Id": "throttled",
                "Expression": _sum_of([m["Id"] for m in metrics]),
                "Label": "Throttle events",
                "ReturnData": True,
            },
        ],
        EvaluationPeriods=1,
        ComparisonOperator="GreaterThanOrEqualToThreshold",
        Threshold={"Ref": "DynamoDbThrottleThreshold"},
    )


def alarms(names: AlarmNames, models: tuple[type[HallModel], ...]) -> dict[str, dict[str, Any]]:
    """Alarm resources by logical id."""
    resources = {
        "LockoutSpikeAlarm": _lockout_spike(names),
        "SmsHourlyCeilingAlarm": _sms_ceiling(names),
        "SmsVolumeAnomalyAlarm": _sms_anomaly(names),
        "SmsBudgetExceededAlarm": _sms_budget(names),
        "ApiServerErrorRateAlarm": _api_5xx(names),
    }
    for label, function_name in names.functions:
        key = "".join(p.capitalize() for p in label.split("-"))
        resources[f"LambdaErrors{key}Alarm"] = _lambda_errors(function_name, label)
    for model in models:
        resources[logical_id(model).removesuffix("Table") + "ThrottleAlarm"] = _throttling(model)
    return resources
