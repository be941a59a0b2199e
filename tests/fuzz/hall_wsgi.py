"""The hall as a WSGI application, in-process, for schemathesis.

Each request goes through devtools.local_gateway's gateway (the one `make run`, the
browser tests and the API tests' client use): unknown routes and OPTIONS get the
hall's gateway responses as deployed, and the app's own middleware renders the rest.
In-process, the test harness's DynamoDB Local, tables, outbox and clock are the
hall's, so a fuzz test can read the dev outbox and move the clock like any API test.
"""

from __future__ import annotations

from http import HTTPStatus
from urllib.parse import quote


class HallWSGI:
    """A WSGI callable over the Chalice app (imported on the first request)."""

    def __init__(self) -> None:
        self._client = None

    def _http(self):
        if self._client is None:
            from app import app
            from devtools.local_gateway import Client

            self._client = Client(app, stage_name="dev")
        return self._client.http

    def __call__(self, environ, start_response):
        method = environ["REQUEST_METHOD"]
        # PATH_INFO holds the raw path's bytes decoded as latin-1: send them percent-encoded, as a browser would.
        raw_path = (environ.get("PATH_INFO", "") or "/").encode("latin-1")
        path = quote(raw_path, safe="/%:@!$&'()*+,;=-._~")
        query = environ.get("QUERY_STRING", "")
        target = f"{path}?{query}" if query else path
        headers = {}
        for key, value in environ.items():
            if key.startswith("HTTP_"):
                headers[key[5:].replace("_", "-").lower()] = value
        if environ.get("CONTENT_TYPE"):
            headers["content-type"] = environ["CONTENT_TYPE"]
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else b""
        response = self._http().request(method, target, headers=headers, body=body)
        header_list = []
        for name, value in response.headers.items():
            for one in value if isinstance(value, list) else [value]:
                header_list.append((name, str(one)))
        status = response.status_code
        try:
            phrase = HTTPStatus(status).phrase
        except ValueError:
            phrase = "Unknown"
        start_response(f"{status} {phrase}", header_list)
        return [response.body]
