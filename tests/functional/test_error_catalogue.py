"""Every public error id is exercised by an API test that asserts it.

"Asserts it" is read from the tests' syntax trees, not their text: an id counts only
where an ``assert`` compares it (``==`` or ``in``) with an expression that reads a
response's code (``reply.body["code"]``, ``body.get("code")``, a list of them, or a
helper that returns one, such as ``return exc.code``), or passes it to a helper that
makes such an assertion on its parameter (``_assert_error_shape(reply, 405, "x")``).
A mention in a comment, a docstring or a call that asserts nothing does not count.
"""

from __future__ import annotations

import ast
import inspect
import re
from pathlib import Path

from chalicelib.errors import HallError

HERE = Path(__file__).resolve().parent


def _error_ids() -> set[str]:
    ids = set()
    for name, member in inspect.getmembers(HallError, inspect.ismethod):
        if name.startswith("_") or name == "body":
            continue
        ids.update(re.findall(r'cls\(\s*"([a-z_]+)"', inspect.getsource(member)))
    return ids


_FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef)
_SCOPES = (*_FUNCTIONS, ast.Lambda, ast.ClassDef)


def _strings(node: ast.AST) -> set[str]:
    """The string constants one side of a comparison spells out: "x", {"x", "y"}, ["x"] * 3."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return {node.value}
    if isinstance(node, ast.List | ast.Tuple | ast.Set):
        return set().union(*(_strings(element) for element in node.elts))
    if isinstance(node, ast.BinOp):
        return _strings(node.left) | _strings(node.right)
    return set()


def _own_nodes(function: ast.AST):
    """A function's nodes, without those of the functions (or lambdas, classes) defined inside it."""
    stack = list(ast.iter_child_nodes(function))
    while stack:
        node = stack.pop()
        yield node
        stack.extend(child for child in ast.iter_child_nodes(node) if not isinstance(child, _SCOPES))


def _reads_code(node: ast.AST, helpers: set[str]) -> bool:
    """Whether the expression reads an answer's error code."""
    if isinstance(node, ast.Subscript):  # reply.body["code"], body["code"]
        return isinstance(node.slice, ast.Constant) and node.slice.value == "code"
    if isinstance(node, ast.Call):
        func = node.func
        if isinstance(func, ast.Attribute) and func.attr == "get":  # reply.body.get("code")
            return bool(node.args) and isinstance(node.args[0], ast.Constant) and node.args[0].value == "code"
        return isinstance(func, ast.Name) and func.id in helpers  # attempt(...) returning exc.code
    if isinstance(node, ast.ListComp | ast.GeneratorExp | ast.SetComp):  # [r.body["code"] for r in replies]
        return _reads_code(node.elt, helpers)
    return False


def _code_returning_helpers(functions: list) -> set[str]:
    """Functions that return a code: ``return exc.code``, ``return reply.body["code"]``, another such helper."""
    helpers: set[str] = set()
    grew = True
    while grew:
        grew = False
        for function in functions:
            returned = [n.value for n in _own_nodes(function) if isinstance(n, ast.Return) and n.value is not None]
            if function.name not in helpers and any(
                (isinstance(v, ast.Attribute) and v.attr == "code") or _reads_code(v, helpers) for v in returned
            ):
                helpers.add(function.name)
                grew = True
    return helpers


def _compared(tree_or_function: ast.AST, helpers: set[str], nodes=ast.walk):
    """(code-reading side, other side) of every ``==`` / ``in`` inside an ``assert``."""
    for statement in nodes(tree_or_function):
        if not isinstance(statement, ast.Assert):
            continue
        for compare in ast.walk(statement.test):
            if not isinstance(compare, ast.Compare):
                continue
            operands = [compare.left, *compare.comparators]
            for left, op, right in zip(operands, compare.ops, operands[1:], strict=False):
                if not isinstance(op, ast.Eq | ast.In):
                    continue
                if _reads_code(left, helpers):
                    yield left, right
                if _reads_code(right, helpers):
                    yield right, left


def _asserting_helpers(functions: list, helpers: set[str]) -> dict[str, tuple[int, str]]:
    """Functions that assert a code equals one of their parameters: name -> (position, parameter)."""
    found = {}
    for function in functions:
        parameters = [a.arg for a in function.args.posonlyargs + function.args.args]
        for _, other in _compared(function, helpers, nodes=_own_nodes):
            if isinstance(other, ast.Name) and other.id in parameters:
                found[function.name] = (parameters.index(other.id), other.id)
    return found


def asserted_codes(source: str) -> set[str]:
    """The string constants a test module's asserts compare with an answer's code."""
    tree = ast.parse(source)
    functions = [n for n in ast.walk(tree) if isinstance(n, _FUNCTIONS)]
    helpers = _code_returning_helpers(functions)
    found = set()
    for _, other in _compared(tree, helpers):
        found |= _strings(other)
    asserting = _asserting_helpers(functions, helpers)
    for call in ast.walk(tree):
        if isinstance(call, ast.Call) and isinstance(call.func, ast.Name) and call.func.id in asserting:
            position, name = asserting[call.func.id]
            if position < len(call.args):
                found |= _strings(call.args[position])
            found |= set().union(*(_strings(k.value) for k in call.keywords if k.arg == name))
    return found


def test_the_check_counts_assertions_on_a_code_and_not_mere_mentions():
    # GIVEN test sources that assert ids against an answer's code in each accepted way
    asserting = """
def attempt(form):
    try:
        login(form)
    except HallError as exc:
        return exc.code
    return "ok"

def _assert_error(reply, status, code):
    assert reply.status == status
    assert reply.body["code"] == code

def test_it(reply, body, replies):
    assert reply.body["code"] == "by_subscript"
    assert "reversed" == body["code"]
    assert reply.body.get("code") in {"in_a_set", "in_a_set_too"}
    assert [r.body["code"] for r in replies] == ["in_a_list"] * 3
    assert attempt({}) == "from_a_helper"
    _assert_error(reply, 409, "through_an_asserting_helper")
    _assert_error(reply, 409, code="by_keyword")
"""
    # AND sources that only mention ids, or compare them with something else than a code
    mentioning = '''
"""mentioned in a docstring"""
# "in_a_comment"
def test_it(reply, codes):
    assert reply.body["message"] == "not_a_code"
    assert reply.body["code"] != "not_equal"
    print("only_printed")
    codes.append("appended")
    if reply.body["code"] == "not_asserted":
        pass
    assert codes.count("counted") == 1
'''
    # WHEN read THEN exactly the asserted ids are found, and none of the mentions
    assert asserted_codes(asserting) == {
        "by_subscript",
        "reversed",
        "in_a_set",
        "in_a_set_too",
        "in_a_list",
        "from_a_helper",
        "through_an_asserting_helper",
        "by_keyword",
    }
    assert asserted_codes(mentioning) == set()


def test_every_error_id_is_asserted_by_some_api_test():
    # GIVEN every id the error catalogue defines
    ids = _error_ids()
    assert len(ids) >= 20
    # WHEN the API tests are read for asserts on an answer's code
    asserted: set[str] = set()
    for path in HERE.glob("test_*.py"):
        if path.name != Path(__file__).name:
            asserted |= asserted_codes(path.read_text("utf-8"))
    # THEN each id is asserted by at least one of them
    untested = sorted(ids - asserted)
    assert not untested, f"error ids no API test asserts against an answer's code: {untested}"
