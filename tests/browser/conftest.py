"""Real-browser tests: Debian's Chromium, driven by Playwright, against `chalice local`.

The stack (DynamoDB Local + `chalice local`, seeded with the demo citizens) is
started once per test session by devtools.stack.running, exactly as `make run`
starts it. Each test gets a fresh browser context (its own cookies). The hall
runs in a subprocess, so its clock cannot be moved: these tests keep to flows
that need no time travel. Screenshots go to test-artifacts/browser/.
"""

from __future__ import annotations

import os
import uuid

import pytest

from devtools import dynamodb_local, stack
from tests.browser.citizen import ARTIFACTS

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"rep_{report.when}", report)


# The environment the hall runs with (its tables, keys): for a test that must act in-process as the
# hall would (start a face check as a host flow does), via the `hall_env` fixture.
STACK_ENV: dict[str, str] = {}


@pytest.fixture(scope="session")
def hall(tmp_path_factory):
    """The hall's base URL, with DynamoDB Local and demo data behind it."""
    saved = dict(os.environ)
    work = tmp_path_factory.mktemp("hall-stack")
    prefix = f"br{uuid.uuid4().hex[:8]}"
    try:
        with stack.running(dynamodb_local.free_port(), prefix, work, seed=True) as (base_url, env):
            STACK_ENV.update(env)
            # running() prepared the tables from this process: give the other tests their environment back.
            _restore_environment(saved)
            yield base_url
    finally:
        _restore_environment(saved)


@pytest.fixture
def hall_env(hall):
    """Run a block in-process against the hall's own tables and keys: ``with hall_env(): ...``."""
    from contextlib import contextmanager

    @contextmanager
    def inside():
        saved = dict(os.environ)
        os.environ.update(STACK_ENV)
        try:
            yield
        finally:
            _restore_environment(saved)

    return inside


def _restore_environment(saved: dict[str, str]) -> None:
    from chalicelib import settings

    os.environ.clear()
    os.environ.update(saved)
    settings.reset()


@pytest.fixture(scope="session")
def chromium():
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(f"{CHROMIUM} is missing: run `make browser-deps` (apt-get install chromium fonts-wqy-zenhei)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


# Console errors that mean the page script did not run as written: something the CSP refused,
# a module the browser would not load (wrong content type), a component that failed to start.
CONSOLE_PROBLEMS = ("Content Security Policy", "module script", "data-module=")


def _console_problem(message, problems: list[str]) -> None:
    if message.type == "error" and any(sign in message.text for sign in CONSOLE_PROBLEMS):
        problems.append(f"console: {message.text}")


def _page(chromium, hall, request, **options):
    from playwright.sync_api import expect

    expect.set_options(timeout=15_000)
    context = chromium.new_context(base_url=hall, locale="zh-CN", viewport={"width": 1280, "height": 900}, **options)
    context.set_default_timeout(15_000)
    tab = context.new_page()
    problems: list[str] = []
    tab.on("pageerror", lambda exc: problems.append(f"page error: {exc}"))
    tab.on("console", lambda message: _console_problem(message, problems))
    yield tab
    failed = getattr(request.node, "rep_call", None) is not None and request.node.rep_call.failed
    if failed:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        tab.screenshot(path=str(ARTIFACTS / f"FAILED-{request.node.name}.png"), full_page=True)
    context.close()
    assert not problems, problems


@pytest.fixture
def page(chromium, hall, request):
    """A fresh browser context (no cookies) on the hall, in Chinese, at a desktop size."""
    yield from _page(chromium, hall, request)


@pytest.fixture
def axe_page(chromium, hall, request):
    """Like `page`, but the context bypasses the hall's CSP so that axe-core can be injected
    (tests/browser/axe.py). Only for the accessibility checks: every other test keeps the CSP."""
    yield from _page(chromium, hall, request, bypass_csp=True)
