"""The lockout rule (chalicelib/domain/lockout.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from chalicelib.clock import CHINA
from chalicelib.domain.lockout import LockoutPolicy, LockState, unlock_bucket

NOW = datetime(2025, 6, 1, 9, 30, tzinfo=UTC)


def test_the_default_policy_is_five_failures_and_four_hours():
    policy = LockoutPolicy()
    assert policy.max_failures == 5
    assert policy.duration == timedelta(hours=4)


def test_a_lock_holds_until_its_end():
    lock = LockState(failures=5, locked_until=NOW + timedelta(hours=4))
    assert lock.is_locked(NOW)
    assert lock.is_locked(NOW + timedelta(hours=4) - timedelta(seconds=1))


def test_an_expired_lock_is_no_lock_even_while_still_stored():
    # GIVEN a lock item that DynamoDB's TTL has not deleted yet
    lock = LockState(failures=5, locked_until=NOW - timedelta(days=2))
    # WHEN read now THEN it does not lock
    assert not lock.is_locked(NOW)
    assert not LockState(failures=5, locked_until=NOW).is_locked(NOW)


def test_failures_alone_do_not_lock():
    assert not LockState(failures=4).is_locked(NOW)
    assert not LockState(failures=99, locked_until=None).is_locked(NOW)


def test_a_streak_is_live_until_it_expires():
    streak = LockState(failures=2, streak_expires_at=NOW + timedelta(hours=1))
    assert streak.is_live(NOW)
    assert not streak.is_live(NOW + timedelta(hours=1))
    assert LockState(failures=5, locked_until=NOW + timedelta(minutes=1)).is_live(NOW)
    assert not LockState().is_live(NOW)


def test_unlock_bucket_is_the_utc_hour_the_lock_ends_in():
    assert unlock_bucket(datetime(2025, 6, 1, 13, 59, 59, tzinfo=UTC)) == "2025060113"
    assert unlock_bucket(datetime(2025, 6, 1, 14, 0, tzinfo=UTC)) == "2025060114"


def test_the_same_instant_gets_the_same_bucket_in_any_time_zone():
    # GIVEN one instant held in UTC and in 北京时间 (the writer and the cleanup may differ)
    instant = datetime(2025, 6, 1, 23, 10, tzinfo=UTC)
    # WHEN bucketed THEN both name the same UTC hour (the next day in Beijing is not another bucket)
    assert unlock_bucket(instant.astimezone(CHINA)) == unlock_bucket(instant) == "2025060123"


def test_a_naive_datetime_is_taken_as_utc():
    assert unlock_bucket(datetime(2025, 6, 1, 23, 10)) == "2025060123"
