"""API Gateway's own answers (gateway responses) use the hall's error shape and security headers."""

from __future__ import annotations

import inspect
import json
import re

import pytest

from chalicelib.errors import HallError
from chalicelib.handlers.security_headers import security_headers
from infra import gateway, package

ERROR_IDS = {
    error_id
    for _, member in inspect.getmembers(HallError, inspect.ismethod)
    for error_id in re.findall(r'cls\(\s*"([a-z_]+)"', inspect.getsource(member))
}


def _rendered(response_type: str) -> gateway.Rendered:
    return gateway.render(response_type, "req-123", default_status=418)


@pytest.mark.parametrize("response_type", sorted(gateway.RESPONSES))
def test_given_a_gateway_response_when_rendered_then_it_is_in_the_one_error_shape(response_type):
    # GIVEN an answer API Gateway gives without calling the function
    rendered = _rendered(response_type)
    # THEN its body is the hall's error shape, with a Chinese message and the request's id
    body = json.loads(rendered.body)
    assert set(body) >= {"code", "message", "fields", "request_id"}
    assert body["code"] in ERROR_IDS
    assert re.search(r"[\u4e00-\u9fff]", body["message"])
    assert body["fields"] == {} and body["request_id"] == "req-123"
    # AND it carries every security header (HTTPS-only there: HSTS too) and is never cached
    for name, value in security_headers(https=True).items():
        assert rendered.headers[name] == value, name
    assert rendered.headers["Cache-Control"] == "no-store"
    # AND a 429 says when to come back
    if rendered.status == 429:
        assert rendered.headers["Retry-After"] == str(body["retry_after"])


def test_given_a_path_or_method_no_route_has_when_api_gateway_answers_then_it_is_not_found():
    # GIVEN API Gateway's "Missing Authentication Token" (its 403 for a path or method no route has)
    rendered = _rendered("MISSING_AUTHENTICATION_TOKEN")
    # THEN the citizen gets the hall's 404, as for any page that does not exist
    assert rendered.status == 404
    assert json.loads(rendered.body)["code"] == "not_found"
    assert "Missing Authentication Token" not in rendered.body


def test_given_other_refusals_when_api_gateway_answers_then_status_and_code_agree():
    expected = {
        "UNSUPPORTED_MEDIA_TYPE": (415, "unsupported_media_type"),
        "REQUEST_TOO_LARGE": (413, "payload_too_large"),
        "BAD_REQUEST_BODY": (400, "malformed_request"),
        "THROTTLED": (429, "rate_limited"),
        "DEFAULT_4XX": (418, "malformed_request"),  # keeps API Gateway's own status
        "DEFAULT_5XX": (418, "internal_error"),
    }
    for response_type, (status, code) in expected.items():
        rendered = _rendered(response_type)
        assert (rendered.status, json.loads(rendered.body)["code"]) == (status, code), response_type


def test_given_the_definition_then_it_is_valid_api_gateway_syntax():
    for response_type, entry in gateway.gateway_responses().items():
        # Static header values are single-quoted strings; status codes are strings.
        for name, value in entry["responseParameters"].items():
            assert name.startswith("gatewayresponse.header.") and re.fullmatch(r"'[^\n]*'", value), name
        assert re.fullmatch(r"[1-5]\d\d", entry.get("statusCode", "400"))
        # The template is VTL: only the one $context reference, no directives; ASCII so no encoding can garble it.
        template = entry["responseTemplates"]["application/json"]
        assert template.isascii() and "#" not in template
        assert re.findall(r"\$[\w.{}]+", template) == ["$context.requestId"], response_type


def test_given_the_sam_template_chalice_writes_when_packaged_then_the_rest_api_gets_the_responses(tmp_path):
    # GIVEN a SAM template as `chalice package` writes it (its REST API's definition inline)
    sam_path = tmp_path / "sam.json"
    sam = {"Resources": {"RestAPI": {"Type": "AWS::Serverless::Api", "Properties": {"DefinitionBody": {"paths": {}}}}}}
    sam_path.write_text(json.dumps(sam), encoding="utf-8")
    # WHEN the packaging step post-processes it
    package.add_gateway_responses(sam_path)
    # THEN the REST API's definition carries every gateway response
    definition = json.loads(sam_path.read_text(encoding="utf-8"))["Resources"]["RestAPI"]["Properties"]
    assert definition["DefinitionBody"][gateway.EXTENSION] == gateway.gateway_responses()
    assert set(definition["DefinitionBody"][gateway.EXTENSION]) == set(gateway.RESPONSES)


def test_given_the_greedy_page_route_when_packaged_then_its_path_parameter_is_declared_as_api_gateway_names_it():
    # GIVEN a definition as `chalice package` writes it (no parameters for "/{proxy+}")
    definition = {"paths": {"/{proxy+}": {"get": {"responses": {}}}, "/services/{code}": {"get": {"parameters": []}}}}
    # WHEN the gateway's additions are made
    gateway.name_greedy_parameters(definition)
    # THEN the greedy resource declares "proxy" (what API Gateway puts in pathParameters); others are untouched
    assert definition["paths"]["/{proxy+}"]["get"]["parameters"] == [
        {"name": "proxy", "in": "path", "required": True, "type": "string"}
    ]
    assert definition["paths"]["/services/{code}"]["get"]["parameters"] == []
