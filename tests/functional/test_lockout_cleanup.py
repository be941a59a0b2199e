"""The scheduled lockout cleanup: releases ended locks, audits them, never scans."""

from __future__ import annotations

from datetime import timedelta

import pytest

from chalicelib import clock
from chalicelib.domain.lockout import LockoutPolicy
from chalicelib.jobs import lockout_cleanup
from chalicelib.store import audit, lockouts, tables


@pytest.fixture
def operations():
    """The DynamoDB operations the code under test sends."""
    seen: list[str] = []
    events = tables.client().meta.events
    handler = lambda model, params, **_: seen.append(model.name)  # noqa: E731
    events.register("provide-client-params.dynamodb.*", handler)
    yield seen
    events.unregister("provide-client-params.dynamodb.*", handler)


def _lock(subject: str, now):
    policy = LockoutPolicy()
    reservation = None
    for _ in range(policy.max_failures):
        reservation = lockouts.reserve_try(subject, lockouts.get(subject), policy, now)
    assert reservation.locked_until is not None
    return reservation.locked_until


def test_ended_locks_are_released_with_an_audit_event(operations):
    now = clock.now()
    _lock("identifier#ended", now)
    _lock("identifier#still", now + timedelta(hours=2))
    clock.set_now(now + timedelta(hours=4, minutes=1))
    report = lockout_cleanup.run(clock.now())
    assert report.released == 1
    assert not lockouts.get("identifier#ended").is_live(clock.now())
    assert lockouts.get("identifier#still").is_locked(clock.now())
    assert [e.event for e in audit.for_subject("identifier#ended")] == ["LockReleased"]
    assert "Scan" not in operations
    assert "Query" in operations


def test_a_second_run_reads_only_the_hours_since_the_first(operations):
    now = clock.now()
    _lock("identifier#a", now)
    clock.set_now(now + timedelta(hours=5))
    first = lockout_cleanup.run(clock.now())
    clock.advance(timedelta(minutes=15))
    operations.clear()
    second = lockout_cleanup.run(clock.now())
    assert first.released == 1 and second.released == 0
    assert second.hours_read <= 2
    assert operations.count("Query") == second.hours_read
    assert "Scan" not in operations


def test_a_lock_renewed_after_it_ended_is_not_released(operations):
    now = clock.now()
    _lock("identifier#again", now)
    later = now + timedelta(hours=4, minutes=1)
    _lock("identifier#again", later)  # a new streak and a new lock
    clock.set_now(later)
    lockout_cleanup.run(clock.now())
    assert lockouts.get("identifier#again").is_locked(clock.now())


def test_the_schedule_is_wired_to_the_cleanup(app):
    from chalice.test import Client

    with Client(app) as client:
        result = client.lambda_.invoke(
            "lockout-cleanup",
            client.events.generate_cw_event(
                source="aws.events", detail_type="Scheduled Event", detail={}, resources=[]
            ),
        )
    assert set(result.payload) == {"hours_read", "released"}
