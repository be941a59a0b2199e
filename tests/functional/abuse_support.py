"""Helpers of the abuse tests (tests/functional/test_abuse_*.py): clients at their own
addresses, a fixed hour of the China day, requests raced from threads."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from tests.support import Browser, captcha_answer

# 10:10 in China (02:10 UTC) tomorrow: the clock hour and the China day hold for the whole
# test, and records' TTL lies ahead of the real time (DynamoDB Local deletes expired items).
MORNING = datetime.now(UTC).replace(hour=2, minute=10, second=0, microsecond=0) + timedelta(days=1)


def browser_at(app, ip: str) -> Browser:
    """A browser whose requests come from ``ip`` (API Gateway's ``sourceIp``)."""
    browser = Browser(app)
    # Chalice's local gateway puts its converter's LOCAL_SOURCE_IP into every event it makes.
    browser._client.http._local_gateway.event_converter.LOCAL_SOURCE_IP = ip
    return browser


def captcha_fields(ctx) -> dict:
    """A solved graphic captcha, issued in-process for the address of ``ctx``."""
    from chalicelib.guards import captcha

    challenge = captcha.issue(ctx)
    return {"captcha_id": challenge.captcha_id, "captcha_answer": captcha_answer(challenge.captcha_id)}


def outcome(call: Callable[[], object]) -> str:
    """``ok``, or the id of the HallError the call raised."""
    from chalicelib.errors import HallError

    try:
        call()
        return "ok"
    except HallError as exc:
        return exc.code


def all_at_once(calls: list[Callable[[], object]]) -> list[str]:
    """Run every call in its own thread, released together; their outcomes."""
    from chalicelib import settings

    settings.get()  # read once before the threads (they share the environment)
    barrier = threading.Barrier(len(calls))
    outcomes: list[str] = []
    lock = threading.Lock()

    def run(call):
        barrier.wait()
        result = outcome(call)
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return outcomes
