"""API Gateway (REST, proxy integration) events, as Lambda hands them to the app.

For calling the Lambda handler itself, without Chalice's test client: the
benchmark's CPU figures and the packaged-function check.
"""

from __future__ import annotations

import json
import uuid


def proxy_event(method: str, path: str, body: dict | None = None, headers: dict | None = None) -> dict:
    given = {"Host": "example.execute-api.cn-north-1.amazonaws.com.cn", **(headers or {})}
    if body is not None:
        given.setdefault("Content-Type", "application/json")
    return {
        "resource": path,
        "path": path,
        "httpMethod": method,
        "headers": given,
        "multiValueHeaders": {name: [value] for name, value in given.items()},
        "queryStringParameters": None,
        "multiValueQueryStringParameters": None,
        "pathParameters": None,
        "stageVariables": None,
        "requestContext": {
            "resourcePath": path,
            "httpMethod": method,
            "path": f"/api{path}",
            "stage": "api",
            "requestId": uuid.uuid4().hex,
            "identity": {"sourceIp": "198.51.100.7", "userAgent": "devtools"},
        },
        "body": json.dumps(body) if body is not None else None,
        "isBase64Encoded": False,
    }
