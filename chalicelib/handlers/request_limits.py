"""Request size and field length limits, answered in the one error shape.

* The body: at most 16 KiB and 20 levels of nesting (``web.json_body``, before parsing).
* Each string field of every request model: a ``max_length`` of its own (``MaxLen`` /
  ``Field(max_length=...)`` on the pydantic model; tests/functional/test_field_limits.py walks
  every model a handler parses and fails on a string field without one). ``web.parse`` turns a
  value over it into ``validation_failed`` (400) naming the field: :func:`field_message`.
* The query string, for every route, before the view: at most :data:`MAX_QUERY_PARAMS`
  parameters, names of :data:`MAX_QUERY_NAME` characters, values of :data:`MAX_QUERY_VALUE`
  (the longest a route reads is a provider's authorization code or a list's cursor); the views
  cut what they read shorter still. Path parameters over :data:`MAX_PATH_PARAM` characters
  name nothing the hall has: ``not_found``.
"""

from __future__ import annotations

from chalicelib.errors import HallError

__all__ = ["MAX_PATH_PARAM", "MAX_QUERY_PARAMS", "MAX_QUERY_VALUE", "check_request", "field_message"]

MAX_QUERY_PARAMS = 20
MAX_QUERY_NAME = 64
MAX_QUERY_VALUE = 1000
MAX_PATH_PARAM = 200

TOO_LONG = "不能超过{limit}个字符"


def field_message(error: dict) -> str:
    """The Chinese message for one of pydantic's field errors."""
    kind = error.get("type")
    if kind == "missing":
        return "请填写此项"
    if kind in {"string_too_long", "too_long"}:
        limit = (error.get("ctx") or {}).get("max_length")
        if limit is not None:
            return TOO_LONG.format(limit=limit)
        return "内容过长"
    return "格式不正确"


def check_request(request) -> None:
    """Refuse a query string or a path over the limits, whatever the route (called by the middleware)."""
    params = getattr(request, "query_params", None) or {}
    if params:
        if len(params) > MAX_QUERY_PARAMS:
            raise HallError.validation_failed({"query": f"参数不能超过{MAX_QUERY_PARAMS}个"})
        fields = {}
        for name in params:
            values = params.getlist(name) if hasattr(params, "getlist") else [params[name]]
            if len(name) > MAX_QUERY_NAME:
                fields[name[:MAX_QUERY_NAME]] = "参数名过长"
            elif len(values) > MAX_QUERY_PARAMS or any(len(str(v or "")) > MAX_QUERY_VALUE for v in values):
                fields[name] = TOO_LONG.format(limit=MAX_QUERY_VALUE)
        if fields:
            raise HallError.validation_failed(fields)
    for value in (getattr(request, "uri_params", None) or {}).values():
        if len(str(value or "")) > MAX_PATH_PARAM:
            raise HallError.not_found()
