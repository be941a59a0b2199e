"""`chalice local` and Chalice's test client, answering as the deployed API Gateway does.

Deployed, a request for a path no route has never reaches the function: API
Gateway answers it with a gateway response, which infra/gateway.py gives the
hall's error shape and security headers. Chalice's LocalGateway plays API
Gateway locally but answers such requests with API Gateway's *default*
(403 ``{"message": "Missing Authentication Token"}``) and answers OPTIONS by
itself; :class:`HallLocalGateway` answers both with the hall's gateway response,
rendered from the same definition the SAM template gets.

    python -m devtools.local_gateway --stage dev --port 8000   # what `chalice local --no-autoreload` does

``make run``, the browser tests and the load run start the hall this way
(devtools.stack); the API tests use :class:`Client` (tests/support.py).
"""

from __future__ import annotations

import argparse
import functools
import logging
import os
import sys
import uuid
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

from chalice import local
from chalice.test import Client as ChaliceClient
from chalice.test import TestHTTPClient

from infra import gateway

__all__ = ["Client", "HallLocalGateway", "serve"]

ROOT = Path(__file__).resolve().parent.parent

# API Gateway's own status for the answer it gives a request no route has.
_NO_ROUTE = ("MISSING_AUTHENTICATION_TOKEN", 403)

# A greedy route ("/{proxy+}") is the resource API Gateway matches last, for a path of any depth.
GREEDY = "{proxy+}"


class _GreedyRouteMatcher(local.RouteMatcher):
    """Chalice's RouteMatcher, which matches ``/{proxy+}`` to one path segment only, with API
    Gateway's rule added: a path no other route matches goes to the greedy route under it."""

    def __init__(self, route_urls: list[str]) -> None:
        super().__init__([url for url in route_urls if not url.endswith(GREEDY)])
        self._greedy = sorted((url for url in route_urls if url.endswith(GREEDY)), key=len, reverse=True)

    def match_route(self, url: str) -> local.MatchResult:
        try:
            return super().match_route(url)
        except ValueError:
            parsed = local.urlparse(url)
            path = parsed.path.rstrip("/") or "/"
            for route_url in self._greedy:
                prefix = route_url[: -len(GREEDY)]
                if path.startswith(prefix) and len(path) > len(prefix):
                    query = local.parse_qs(parsed.query, keep_blank_values=True)
                    return local.MatchResult(route_url, {"proxy": path[len(prefix) :]}, query)
            raise


class HallLocalGateway(local.LocalGateway):
    """Chalice's LocalGateway, with the hall's gateway responses where API Gateway answers by itself."""

    def __init__(self, app_object: Any, config: Any) -> None:
        super().__init__(app_object, config)
        self._routes = app_object.routes
        self.event_converter._route_matcher = _GreedyRouteMatcher(list(app_object.routes))

    def handle_request(self, method: str, path: str, headers: dict, body: bytes | None) -> dict:
        if method == "OPTIONS" and not self._answers_options(method, path, headers, body):
            return _gateway_answer(*_NO_ROUTE)
        if method != "GET" and self._only_greedy(path):
            # API Gateway cannot tell "no such path" from "no such method" on a greedy resource.
            return _gateway_answer(*_NO_ROUTE)
        try:
            return super().handle_request(method, path, headers, body)
        except local.ForbiddenError:
            # The hall has no authorizers, so this is LocalGateway's "no such route".
            return _gateway_answer(*_NO_ROUTE)

    def _only_greedy(self, path: str) -> bool:
        try:
            matched = self.event_converter._route_matcher.match_route(path)
        except ValueError:
            return False
        return matched.route.endswith(GREEDY)

    def _answers_options(self, method: str, path: str, headers: dict, body: bytes | None) -> bool:
        # Deployed, OPTIONS exists only where a route defines it or enables CORS (Chalice's preflight).
        try:
            event = self.event_converter.create_lambda_event(method=method, path=path, headers=headers, body=body)
        except ValueError:
            return False
        entries = self._routes[event["requestContext"]["resourcePath"]]
        return "OPTIONS" in entries or any(entry.cors is not None for entry in entries.values())


def _gateway_answer(response_type: str, default_status: int) -> dict:
    rendered = gateway.render(response_type, uuid.uuid4().hex, default_status)
    return {"statusCode": rendered.status, "headers": rendered.headers, "multiValueHeaders": {}, "body": rendered.body}


# -- the test client --------------------------------------------------------------------


class _TestHTTPClient(TestHTTPClient):
    def __init__(self, app: Any, config: Any) -> None:
        super().__init__(app, config)
        self._local_gateway = HallLocalGateway(app, config)


class Client(ChaliceClient):
    """``chalice.test.Client`` whose HTTP requests go through :class:`HallLocalGateway`."""

    @property
    def http(self) -> TestHTTPClient:
        if self._http_client is None:
            self._http_client = _TestHTTPClient(self._app, self._chalice_config)
        return self._http_client


# -- the local server -------------------------------------------------------------------


class _RequestHandler(local.ChaliceRequestHandler):
    def __init__(self, request, client_address, server, app_object, config) -> None:
        # As ChaliceRequestHandler.__init__, with our gateway (the base class handles the request).
        self.local_gateway = HallLocalGateway(app_object, config)
        BaseHTTPRequestHandler.__init__(self, request, client_address, server)


def serve(host: str, port: int, stage: str) -> None:
    """Serve the app as ``chalice local --stage <stage> --no-autoreload`` does, through our gateway."""
    from chalice.cli.factory import CLIFactory
    from chalice.deploy.validate import validate_routes

    # chalice local logs the app's output to stdout, as Lambda does.
    logging.basicConfig(stream=sys.stdout, level=logging.INFO, format="%(message)s")
    # As the chalice CLI does: loading the app puts the stage's environment variables into os.environ.
    config = CLIFactory(project_dir=str(ROOT), environ=os.environ).create_config_obj(chalice_stage_name=stage)
    app = config.chalice_app
    validate_routes(app.routes)
    server = local.create_local_server(app, config, host, port)
    server.server.RequestHandlerClass = functools.partial(_RequestHandler, app_object=app, config=config)
    server.serve_forever()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m devtools.local_gateway", description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--stage", default="dev")
    args = parser.parse_args(argv)
    try:
        serve(args.host, args.port, args.stage)
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
