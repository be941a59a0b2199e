"""schemathesis against the hall's own OpenAPI document (docs/openapi.yaml).

Every operation the document lists is called with data generated from its schema
(valid and invalid), in-process through the local gateway (tests/fuzz/hall_wsgi.py) on
DynamoDB Local with fresh tables per operation, and every answer is checked: no 5xx
the operation does not document (never internal_error), a documented status (its own, or
one the document says any route may answer: x-any-route-errors), a documented content type,
a body conforming to the documented schema. Browsers' state-changing requests carry a CSRF
cookie and header pair (from GET /api/csrf), so they reach the handlers; operations that need
a session (and the /user pages) get a registered citizen's session, app-only operations an
app's bearer token, the staff API the operator credential.

Bounded and reproducible: a fixed number of examples per operation, derandomized
(the same cases every run), no deadline, no example database.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.fuzz.hall_wsgi import HallWSGI

ROOT = Path(__file__).resolve().parents[2]
MAX_EXAMPLES = 10

pytestmark = pytest.mark.xdist_group("fuzz")

schema = schemathesis.openapi.from_path(ROOT / "docs/openapi.yaml")
schema.app = HallWSGI()
schema.config.update(base_url="http://localhost")


def documented_server_error_allowed(ctx, response, case):
    """No 5xx, except one the operation documents (a platform not configured or not answering),
    and never internal_error (a crash)."""
    status = response.status_code
    if status >= 500 and (status == 500 or str(status) not in case.operation.responses.status_codes):
        return not_a_server_error(ctx, response, case)
    return None


# What any operation may answer besides its own responses (the document's x-any-route-errors).
ANY_ROUTE = {int(status): set(codes) for status, codes in schema.raw_schema.get("x-any-route-errors", {}).items()}


def documented_status(ctx, response, case):
    """status_code_conformance, allowing what the document says any route may answer (with that
    answer's own error id, in the Error shape)."""
    allowed = ANY_ROUTE.get(response.status_code)
    if allowed and str(response.status_code) not in case.operation.responses.status_codes:
        body = response.json()
        assert isinstance(body, dict) and body.get("code") in allowed, (response.status_code, body)
        assert set(body) >= {"code", "message", "fields"}, body
        return None
    return status_code_conformance(ctx, response, case)


CHECKS = [
    documented_server_error_allowed,
    documented_status,
    content_type_conformance,
    response_schema_conformance,
]


DEMO = json.loads((ROOT / "demo/citizens.json").read_text("utf-8"))
# A person the base library knows: registered, a 实名用户 (level 2), so level-2 services answer.
REAL_NAME = next(c for c in DEMO["base_library"] if c["name"] == "张伟")


def _schemes(case) -> set[str]:
    return {name for requirement in case.operation.definition.raw.get("security", []) for name in requirement}


@pytest.fixture
def credentials(app):
    """What the caller sends besides the generated data: for a browser a CSRF cookie and header
    pair (so state-changing requests reach the handlers), plus a citizen's session where the
    operation needs one; for an app-only operation an app's bearer session; for the staff API
    the operator credential (dev stage)."""
    from tests.support import AppClient, Browser, new_citizen

    made: dict[str, tuple[dict, dict]] = {}

    def for_case(case) -> tuple[dict, dict]:
        schemes = _schemes(case)
        if "operator" in schemes:
            from chalicelib.flows import appeals

            return {}, {"X-Hall-Operator": appeals.operator_credential()}
        if schemes == {"bearer"}:
            if "app" not in made:
                with AppClient(app) as phone_app:
                    reply = phone_app.register(new_citizen(name=REAL_NAME["name"], id_number=REAL_NAME["id_number"]))
                    assert reply.status == 201, reply.body
                made["app"] = ({}, {"X-Hall-Client": "app", "Authorization": f"Bearer {reply.body['token']}"})
            return made["app"]
        if "session" in schemes or case.operation.path.startswith("/user"):
            if "browser" not in made:
                with Browser(app) as browser:
                    reply = browser.register(new_citizen(name=REAL_NAME["name"], id_number=REAL_NAME["id_number"]))
                    assert reply.status == 201, reply.body
                    cookies = dict(browser.cookies)
                made["browser"] = (cookies, {"X-CSRF-Token": cookies["hall_csrf"]})
            return made["browser"]
        if "anonymous" not in made:
            with Browser(app) as browser:
                assert browser.get("/api/csrf").status == 200
                made["anonymous"] = (dict(browser.cookies), {"X-CSRF-Token": browser.cookies["hall_csrf"]})
        return made["anonymous"]

    return for_case


def pytest_generate_tests(metafunc):
    # pytest 9 builds an item's node id from its function name and its parametrization only, so
    # schemathesis' one item per operation would share one id (and pytest-xdist would run one of
    # them): one parametrization gives each its own, "...[POST /api/sessions][fuzz]".
    if "fuzz_run" in metafunc.fixturenames:
        metafunc.parametrize("fuzz_run", ["fuzz"])


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_every_operation_answers_as_documented(case, credentials, fuzz_run):
    cookies, headers = credentials(case)
    case.call_and_validate(headers=headers, cookies=cookies, checks=CHECKS)
