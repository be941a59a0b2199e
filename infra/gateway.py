"""API Gateway's own answers (gateway responses), in the hall's one error shape.

API Gateway answers some requests without calling the function: a path or a
method no route has (``MISSING_AUTHENTICATION_TOKEN``, by default a 403
``{"message": "Missing Authentication Token"}``), throttling, a body over its
limit, its own failures. Each of those answers here gets the body every other
error has, ``{code, message, fields, request_id}`` with the Chinese message of
the matching ``HallError``, and the security headers the middleware sets.

They go into the REST API's definition as ``x-amazon-apigateway-gateway-responses``:
``infra.package`` adds them to the SAM template ``chalice package`` writes.
devtools/local_gateway.py gives the same answers locally, rendered by :func:`render`.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from chalicelib.errors import HallError
from chalicelib.handlers.security_headers import NO_STORE, security_headers

__all__ = ["EXTENSION", "RESPONSES", "Rendered", "add_to_sam", "gateway_responses", "render"]

EXTENSION = "x-amazon-apigateway-gateway-responses"
REST_API = "RestAPI"  # the logical id `chalice package` gives the REST API

# API Gateway throttles per second: one second is when it is worth trying again.
_THROTTLE_RETRY_SECONDS = 1


def _throttled() -> HallError:
    return HallError.rate_limited(retry_after=_THROTTLE_RETRY_SECONDS)


# Response type → (the error it answers as, the status it answers with; None keeps API Gateway's).
RESPONSES: dict[str, tuple[Callable[[], HallError], int | None]] = {
    # No route for the path (or none for the method on it: API Gateway cannot tell them apart).
    "MISSING_AUTHENTICATION_TOKEN": (HallError.not_found, 404),
    "RESOURCE_NOT_FOUND": (HallError.not_found, 404),
    "UNSUPPORTED_MEDIA_TYPE": (HallError.unsupported_media_type, 415),
    "REQUEST_TOO_LARGE": (HallError.payload_too_large, 413),
    "BAD_REQUEST_BODY": (HallError.malformed_request, 400),
    "BAD_REQUEST_PARAMETERS": (HallError.malformed_request, 400),
    "THROTTLED": (_throttled, 429),
    "QUOTA_EXCEEDED": (_throttled, 429),
    # Everything else API Gateway refuses or fails at, with its own status.
    "DEFAULT_4XX": (HallError.malformed_request, None),
    "DEFAULT_5XX": (HallError.internal_error, None),
}

_REQUEST_ID = "$context.requestId"  # the id the function would log for the same request


def _headers(error: HallError) -> dict[str, str]:
    # API Gateway serves every gateway response over HTTPS: HSTS always.
    headers = {**security_headers(https=True), "Cache-Control": NO_STORE}
    retry_after = error.details.get("retry_after")
    if retry_after is not None:
        headers["Retry-After"] = str(int(retry_after))
    return headers


def _template(error: HallError) -> str:
    # ASCII JSON (\u escapes for the Chinese), so the mapping template's encoding cannot
    # garble it; VTL replaces only the $context reference.
    return json.dumps(error.body(_REQUEST_ID), ensure_ascii=True, sort_keys=True)


def gateway_responses() -> dict[str, Any]:
    """The value of the REST API definition's ``x-amazon-apigateway-gateway-responses``."""
    responses: dict[str, Any] = {}
    for response_type, (make, status) in RESPONSES.items():
        error = make()
        # A static header value is a string in single quotes (API Gateway's mapping syntax).
        entry: dict[str, Any] = {
            "responseParameters": {f"gatewayresponse.header.{k}": f"'{v}'" for k, v in _headers(error).items()},
            "responseTemplates": {"application/json": _template(error)},
        }
        if status is not None:
            entry["statusCode"] = str(status)
        responses[response_type] = entry
    return responses


def add_to_sam(sam: dict[str, Any]) -> None:
    """Add the gateway responses to the REST API of a SAM template ``chalice package`` wrote,
    and declare its greedy path parameters."""
    definition = sam["Resources"][REST_API]["Properties"]["DefinitionBody"]
    definition[EXTENSION] = gateway_responses()
    name_greedy_parameters(definition)


def name_greedy_parameters(definition: dict[str, Any]) -> None:
    """Declare the path parameter of a greedy resource (``/{proxy+}`` takes ``proxy``), which
    Chalice leaves out because its route pattern reads only ``{word}`` parameters. API Gateway
    hands the function the matched rest of the path as ``pathParameters["proxy"]``."""
    for path, operations in definition.get("paths", {}).items():
        if not path.endswith("+}"):
            continue
        name = path[path.rindex("{") + 1 : -2]
        for operation in operations.values():
            if not isinstance(operation, dict):
                continue
            parameters = operation.setdefault("parameters", [])
            if not any(p.get("in") == "path" and p.get("name") == name for p in parameters):
                parameters.append({"name": name, "in": "path", "required": True, "type": "string"})


@dataclass(frozen=True)
class Rendered:
    status: int
    headers: dict[str, str]
    body: str


def render(response_type: str, request_id: str, default_status: int) -> Rendered:
    """What API Gateway answers for ``response_type`` (for the local stand-in and tests).

    ``default_status`` is API Gateway's own status for the type, used where the
    definition keeps it.
    """
    entry = gateway_responses()[response_type]
    prefix = "gatewayresponse.header."
    headers = {name.removeprefix(prefix): value[1:-1] for name, value in entry["responseParameters"].items()}
    headers["Content-Type"] = "application/json"
    body = entry["responseTemplates"]["application/json"].replace(_REQUEST_ID, request_id)
    return Rendered(int(entry.get("statusCode", default_status)), headers, body)
