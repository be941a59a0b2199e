"""Operators' admin access always needs a second factor (登录保护 for staff).

The staff API's routes sit behind Chalice's ``IAMAuthorizer`` (API Gateway's AWS IAM
authorization). The hand-written policy for the operators' role or group,
``.chalice/policy-operators.json``, grants ``execute-api:Invoke`` on those routes only when the
caller's credentials were issued with MFA (``aws:MultiFactorAuthPresent``), and denies every
action otherwise, so the operator role's other grants (the ops command line's DynamoDB reads,
the keys secret) need MFA too.

GIVEN the policy and the app's routes,
WHEN a request to each route is evaluated with and without MFA (and with long-term keys,
     which carry no MFA key at all),
THEN only the MFA request to a staff route is allowed.
"""

from __future__ import annotations

import fnmatch
import json

from chalice import IAMAuthorizer

from infra import build

POLICY = json.loads((build.ROOT / ".chalice/policy-operators.json").read_text(encoding="utf-8"))
API = "arn:aws-cn:execute-api:cn-north-1:000000000000:abcdef1234/api"


def _matches(patterns, value: str) -> bool:
    patterns = patterns if isinstance(patterns, list) else [patterns]
    return any(fnmatch.fnmatchcase(value, p) for p in patterns)


def _condition_holds(statement: dict, context: dict[str, str]) -> bool:
    for operator, keys in statement.get("Condition", {}).items():
        for key, expected in keys.items():
            if operator == "Bool":
                if context.get(key) != expected:
                    return False
            elif operator == "BoolIfExists":
                if key in context and context[key] != expected:
                    return False
            else:
                raise AssertionError(f"an operator this evaluator does not know: {operator}")
    return True


def decide(action: str, resource: str, context: dict[str, str]) -> bool:
    """IAM's evaluation of one identity policy: an explicit Deny wins, else an Allow is needed."""
    applying = [
        s
        for s in POLICY["Statement"]
        if _matches(s["Action"], action) and _matches(s["Resource"], resource) and _condition_holds(s, context)
    ]
    if any(s["Effect"] == "Deny" for s in applying):
        return False
    return any(s["Effect"] == "Allow" for s in applying)


def _staff_routes() -> list[tuple[str, str]]:
    import app

    routes = []
    for path, methods in app.app.routes.items():
        for method, entry in methods.items():
            if isinstance(entry.authorizer, IAMAuthorizer):
                routes.append((method, path))
    return routes


def _arn(method: str, path: str) -> str:
    return f"{API}/{method}{path.replace('{appeal_id}', '20261130-0123456789')}"


MFA = {"aws:MultiFactorAuthPresent": "true"}
NO_MFA = {"aws:MultiFactorAuthPresent": "false"}
LONG_TERM_KEYS: dict[str, str] = {}  # an access key: the key is absent


def test_the_staff_routes_are_the_iam_authorized_ones():
    routes = _staff_routes()
    assert routes, "no route behind IAMAuthorizer"
    assert all(path.startswith("/api/admin/") for _, path in routes)


def test_every_staff_route_needs_mfa():
    for method, path in _staff_routes():
        arn = _arn(method, path)
        assert decide("execute-api:Invoke", arn, MFA), (method, path)
        assert not decide("execute-api:Invoke", arn, NO_MFA), (method, path)
        assert not decide("execute-api:Invoke", arn, LONG_TERM_KEYS), (method, path)


def test_the_policy_grants_nothing_but_the_staff_routes():
    assert not decide("execute-api:Invoke", f"{API}/POST/api/sessions", MFA)
    assert not decide("execute-api:Invoke", f"{API}/GET/api/me", MFA)
    assert not decide("dynamodb:GetItem", "arn:aws-cn:dynamodb:cn-north-1:000000000000:table/x", MFA)


def test_without_mfa_every_action_is_denied():
    deny = [s for s in POLICY["Statement"] if s["Effect"] == "Deny"]
    assert deny == [
        {
            "Sid": "NothingWithoutMfa",
            "Effect": "Deny",
            "Action": "*",
            "Resource": "*",
            "Condition": {"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}},
        }
    ]
    for action in ("dynamodb:Query", "secretsmanager:GetSecretValue", "execute-api:Invoke"):
        assert not decide(action, "arn:aws-cn:dynamodb:cn-north-1:000000000000:table/x", LONG_TERM_KEYS)
