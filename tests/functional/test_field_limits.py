"""Field length limits on every request model, and on every query string, in the one error shape.

The request models are found, not listed: every ``web.parse(request, Model)`` in
chalicelib/handlers/ and every login method's request model (the registry's union). Each string
field must declare a ``max_length``; a value one character over it is refused by ``web.parse``
as ``validation_failed`` (400) naming the field in Chinese, and through HTTP on each route that
parses the model. Query strings are limited for every route, before the view.
"""

from __future__ import annotations

import ast
import dataclasses
import importlib
import json
import re
import typing
from pathlib import Path

import pytest
from pydantic import BaseModel

from chalicelib.errors import HallError
from chalicelib.handlers import request_limits, web
from tests.support import Browser, new_citizen

ROOT = Path(__file__).resolve().parents[2]
HANDLERS = ROOT / "chalicelib" / "handlers"
LONGEST_FIELD = 2000  # the longest free text a citizen writes (申诉 其他's 申诉内容)
# Fields that are no string: their parts are limited elsewhere, said here.
NOT_STRINGS = {
    ("ApplicationForm", "fields"): "each value is checked against the service's own form field (domain/cases)",
}


@dataclasses.dataclass(frozen=True)
class Parsed:
    """One model a handler parses: where, and the route(s) of that handler."""

    model: type
    handler: str
    routes: tuple[tuple[str, str], ...]  # (path, method)


def _imports(tree: ast.AST) -> dict[str, tuple[str, str]]:
    names = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                names[alias.asname or alias.name] = (node.module, alias.name)
    return names


def _resolve(module, imports: dict, dotted: str):
    first, *rest = dotted.split(".")
    if hasattr(module, first):
        obj = getattr(module, first)
    else:
        source, attr = imports[first]
        try:
            obj = importlib.import_module(f"{source}.{attr}")
        except ModuleNotFoundError:
            obj = getattr(importlib.import_module(source), attr)
    for part in rest:
        obj = getattr(obj, part)
    return obj


def _routes_of(function: ast.FunctionDef) -> tuple[tuple[str, str], ...]:
    found = []
    for decorator in function.decorator_list:
        if isinstance(decorator, ast.Call) and ast.unparse(decorator.func).endswith(".route"):
            path = ast.literal_eval(decorator.args[0])
            methods = next((ast.literal_eval(k.value) for k in decorator.keywords if k.arg == "methods"), ["GET"])
            found.extend((path, method) for method in methods)
    return tuple(found)


def _passed_in(tree: ast.AST, helper: ast.FunctionDef, parameter: str) -> list[tuple[str, ast.FunctionDef]]:
    """A helper's model parameter (``_changed(form_model, ...)``): what each caller in the module
    passes for it, with that caller (whose routes it serves)."""
    names = [a.arg for a in helper.args.args]
    passed = []
    for caller in [n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)]:
        for call in ast.walk(caller):
            if isinstance(call, ast.Call) and ast.unparse(call.func) == helper.name:
                given = {names[i]: arg for i, arg in enumerate(call.args)} | {k.arg: k.value for k in call.keywords}
                passed.append((ast.unparse(given[parameter]), caller))
    assert passed, f"{helper.name} parses a model nobody passes"
    return passed


def parsed_models() -> list[Parsed]:
    """Every model a handler hands to ``web.parse``, with the routes of that handler."""
    found = []
    for source in sorted(HANDLERS.glob("*.py")):
        tree = ast.parse(source.read_text("utf-8"))
        module = importlib.import_module(f"chalicelib.handlers.{source.stem}")
        imports = _imports(tree)
        for function in [n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)]:
            for call in ast.walk(function):
                if not (isinstance(call, ast.Call) and ast.unparse(call.func) == "web.parse" and len(call.args) > 1):
                    continue
                expression = ast.unparse(call.args[1])
                if expression.startswith("registry."):
                    continue  # the login union: its members are below
                if expression in [a.arg for a in function.args.args]:
                    uses = _passed_in(tree, function, expression)  # a helper: its callers' models
                else:
                    uses = [(expression, function)]
                for passed, handler in uses:
                    model = _resolve(module, imports, passed)
                    found.append(Parsed(model, f"{source.stem}.{handler.name}", _routes_of(handler)))
    from chalicelib.methods import registry

    for method_id, method in registry.login_methods().items():
        found.append(Parsed(method.request_model, f"login method {method_id}", (("/api/sessions", "POST"),)))
    return found


def string_fields(model) -> dict[str, int | None]:
    """Each string field of a model (pydantic model or dataclass) and its max_length (None: none)."""
    if isinstance(model, type) and issubclass(model, BaseModel):
        items = [(name, info.annotation, info.metadata) for name, info in model.model_fields.items()]
    else:
        hints = typing.get_type_hints(model, include_extras=True)
        items = [(f.name, hints[f.name], getattr(hints[f.name], "__metadata__", ())) for f in dataclasses.fields(model)]
    fields = {}
    for name, annotation, metadata in items:
        bare = typing.get_args(annotation)[0] if typing.get_origin(annotation) is typing.Annotated else annotation
        kinds = {bare} | set(typing.get_args(bare))
        if str in kinds:
            fields[name] = next((m.max_length for m in metadata if getattr(m, "max_length", None) is not None), None)
        elif dict in kinds or typing.get_origin(bare) is dict:
            assert (model.__name__, name) in NOT_STRINGS, f"{model.__name__}.{name}: a mapping needs its limits said"
    return fields


MODELS = parsed_models()


def test_the_walk_finds_the_models_of_every_flow():
    names = {parsed.model.__name__ for parsed in MODELS}
    for expected in (
        "RegistrationForm",
        "PasswordLoginRequest",
        "SmsCodeLoginRequest",
        "SmsCodeRequest",
        "AccountForm",
        "AppealStartForm",
        "TicketForm",
        "ChangePasswordForm",
        "BindForm",
        "ApplicationForm",
    ):
        assert expected in names
    assert len(MODELS) >= 30


@pytest.mark.parametrize("parsed", MODELS, ids=lambda p: f"{p.handler}:{p.model.__name__}")
def test_every_string_field_of_every_request_model_has_a_max_length(parsed):
    for name, limit in string_fields(parsed.model).items():
        assert limit is not None, f"{parsed.model.__name__}.{name} has no max_length"
        assert 1 <= limit <= LONGEST_FIELD, f"{parsed.model.__name__}.{name}: {limit}"


class _Request:
    def __init__(self, body: dict) -> None:
        self.raw_body = json.dumps(body).encode()


def _over_long(parsed: Parsed, name: str, limit: int) -> dict:
    body = {name: "1" * (limit + 1)}
    method = getattr(parsed.model, "model_fields", {}).get("method")
    if method is not None:
        body["method"] = typing.get_args(method.annotation)[0]  # the union's tag: this member
    return body


def _model_for(parsed: Parsed):
    if parsed.handler.startswith("login method"):
        from chalicelib.methods import registry

        return registry.login_request_model()
    return parsed.model


@pytest.mark.parametrize("parsed", MODELS, ids=lambda p: f"{p.handler}:{p.model.__name__}")
def test_a_value_over_any_string_fields_limit_is_refused_naming_the_field_in_chinese(parsed):
    for name, limit in string_fields(parsed.model).items():
        # GIVEN a value one character over the field's limit
        body = _over_long(parsed, name, limit)
        # WHEN the handler's parse reads it
        with pytest.raises(HallError) as refused:
            web.parse(_Request(body), _model_for(parsed))
        # THEN validation_failed (400), the field named, in Chinese, saying the limit
        assert refused.value.code == "validation_failed" and refused.value.status == 400
        assert refused.value.fields[name] == f"不能超过{limit}个字符", (parsed.model.__name__, name)
        # AND at the limit the field itself is accepted (other fields may still be missing)
        at_limit = {**body, name: "1" * limit}
        try:
            web.parse(_Request(at_limit), _model_for(parsed))
        except HallError as exc:
            assert name not in exc.fields or exc.fields[name] != f"不能超过{limit}个字符"


# -- through HTTP ------------------------------------------------------------------------

# Routes whose handler refuses before it parses, for a reason of their own; the parse is still
# covered above. (None today: every parsing route answers the field error to a logged-in browser.)
REFUSES_FIRST: dict[tuple[str, str], str] = {}


# Path parameters that must name something real for the view to reach its parse.
PATH_VALUES = {"code": "JY0001"}  # a 个人 办事 service of the catalogue (在线办理, 好差评)


def _concrete(path: str) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: PATH_VALUES.get(m.group(1), "x"), path)


def _http_cases():
    cases = []
    for parsed in MODELS:
        for route in parsed.routes:
            if route in REFUSES_FIRST or not route[0].startswith("/api/"):
                continue
            for name, limit in string_fields(parsed.model).items():
                cases.append((route, parsed, name, limit))
    return cases


def test_every_parsing_route_answers_an_over_long_field_in_the_one_error_shape(app, base_library):
    from chalicelib.flows import appeals

    cases = _http_cases()
    assert len(cases) >= 60
    with Browser(app) as browser:
        # GIVEN a logged-in 实名用户 (routes that need a session and a level reach their parse)
        # and the operator's credential (the staff routes, in the dev stage)
        assert browser.register(base_library(new_citizen())).body["user"]["level"] == 2
        operator = {"X-Hall-Operator": appeals.operator_credential()}
        wrong = []
        for (path, method), parsed, name, limit in cases:
            # WHEN a field is one character over its limit
            reply = browser.request(method, _concrete(path), _over_long(parsed, name, limit), headers=operator)
            # THEN 400 validation_failed naming the field, in the one shape
            if not (
                reply.status == 400
                and reply.body.get("code") == "validation_failed"
                and reply.body["fields"].get(name) == f"不能超过{limit}个字符"
                and reply.body["request_id"]
                and reply.headers["Cache-Control"] == "no-store"
            ):
                wrong.append((f"{method} {path} {parsed.model.__name__}.{name}", reply.status, reply.body.get("code")))
        assert not wrong, wrong


# -- query strings -----------------------------------------------------------------------


def _get_routes(app) -> list[str]:
    return sorted(route for route, entries in app.routes.items() if "GET" in entries)


def test_any_query_value_over_the_limit_is_refused_on_every_route(app, browser):
    long = "q" * (request_limits.MAX_QUERY_VALUE + 1)
    for route in _get_routes(app):
        path = _concrete(route).replace("{proxy+}", "x")
        # GIVEN any GET route WHEN a query value is over the limit
        reply = browser.get(f"{path}?after={long}")
        # THEN 400 validation_failed naming the parameter, in Chinese, before the view runs
        assert reply.status == 400, (route, reply.status)
        assert reply.body["code"] == "validation_failed"
        assert reply.body["fields"] == {"after": f"不能超过{request_limits.MAX_QUERY_VALUE}个字符"}
    # AND at the limit the query is the view's to read
    assert browser.get("/search?q=" + "q" * request_limits.MAX_QUERY_VALUE).status == 200


def test_too_many_query_parameters_or_a_long_name_are_refused(browser):
    many = "&".join(f"p{i}=1" for i in range(request_limits.MAX_QUERY_PARAMS + 1))
    reply = browser.get(f"/api/me?{many}")
    assert reply.status == 400 and reply.body["code"] == "validation_failed" and "query" in reply.body["fields"]
    repeated = "&".join("p=1" for _ in range(request_limits.MAX_QUERY_PARAMS + 1))
    assert browser.get(f"/search?{repeated}").body["code"] == "validation_failed"
    reply = browser.get("/search?" + "n" * 65 + "=1")
    assert reply.status == 400 and reply.body["fields"] == {"n" * 64: "参数名过长"}


def test_a_path_parameter_over_the_limit_is_not_found(browser):
    reply = browser.get("/api/appeals/" + "1" * (request_limits.MAX_PATH_PARAM + 1))
    assert reply.status == 404 and reply.body["code"] == "not_found"
