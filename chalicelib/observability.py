"""The Logger, Tracer and Metrics, created once for the whole hall.

Metric names are PascalCase events (``LoginSucceeded``, ``SmsCodeSent``) with a
``method`` or ``purpose`` dimension. Log lines carry the request's correlation id
and the citizen's internal account id, never an ID number, phone, name, code or
token: callers pass masked values or MACs only.

Every request gets the middleware's ``request`` line with its status; a flow adds what
happened to that line with ``logger.append_keys`` (``event``, ``account_id``, ...) rather
than writing a line of its own, so a login or a registration is one line. Traces do not
capture handlers' answers (``POWERTOOLS_TRACER_CAPTURE_RESPONSE`` is false in
.chalice/config.json): an answer carries the session token and the CSRF token.
"""

from __future__ import annotations

import os

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit, single_metric

__all__ = ["audit_log", "count", "logger", "metrics", "tracer"]

SERVICE = "jiangsu-hall"

logger = Logger(service=SERVICE)
# Only botocore (DynamoDB, SMS, Secrets Manager) and http.client (the base library) are
# worth a subsegment; patching everything X-Ray knows imports sqlite3, httpx and more at cold start.
tracer = Tracer(service=SERVICE, patch_modules=("botocore", "httplib"))
metrics = Metrics(namespace="JiangsuHall", service=SERVICE)


def count(name: str, value: int = 1, **dimensions: str) -> None:
    """Record one occurrence of an event, with optional dimensions.

    Powertools Metrics shares dimensions across a flush, so a metric with its
    own dimensions goes out as a single-metric EMF blob.
    """
    if dimensions:
        # single_metric prints its blob even when Metrics are disabled: honour the switch here.
        if os.environ.get("POWERTOOLS_METRICS_DISABLED", "false").lower() == "true":
            return
        with single_metric(name=name, unit=MetricUnit.Count, value=value, namespace="JiangsuHall") as m:
            for key, value in dimensions.items():
                m.add_dimension(name=key, value=value)
    else:
        metrics.add_metric(name=name, unit=MetricUnit.Count, value=value)


def audit_log(event: str, **fields: object) -> None:
    logger.info(event, extra={"event": event, **fields})
