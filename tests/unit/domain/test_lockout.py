"""The lockout rule (chalicelib/domain/lockout.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from chalicelib.clock import CHINA
from chalicelib.domain.lockout import LockoutPolicy, LockState, unlock_bucket

NOW = datetime(2025, 6, 1, 9, 30, tzinfo=UTC)


def _streak(failures: int, expires_in: timedelta = timedelta(hours=1)) -> LockState:
    """A live failure streak (no lock yet) that expires ``expires_in`` from NOW."""
    return LockState(failures=failures, streak_expires_at=NOW + expires_in)


def test_the_fifth_wrong_password_locks_password_login_for_four_hours():
    # GIVEN the default policy and a streak of four reserved tries
    policy = LockoutPolicy()
    streak = _streak(4)
    # THEN a fifth try may still be reserved, and a failure that finds four does not lock
    assert policy.may_try(streak, NOW)
    assert not policy.locks(4)
    # WHEN the fifth failure finds the streak full THEN it locks
    assert policy.locks(5)
    # AND the lock it sets ends four hours later: locked a second before, open at the end
    unlock_at = policy.unlock_at(_streak(5), NOW)
    lock = LockState(failures=5, locked_until=unlock_at)
    assert lock.is_locked(NOW + timedelta(hours=4) - timedelta(seconds=1))
    assert not lock.is_locked(NOW + timedelta(hours=4))


def test_no_try_is_reserved_once_the_streak_holds_five_or_a_lock_holds():
    policy = LockoutPolicy()
    # GIVEN five tries in a live streak (the last being checked, no lock yet) THEN no sixth
    assert not policy.may_try(_streak(5), NOW)
    # GIVEN a lock a second from its end THEN no try, whatever the count
    assert not policy.may_try(LockState(failures=0, locked_until=NOW + timedelta(seconds=1)), NOW)
    # GIVEN the same lock at its end THEN tries come back (a fresh streak)
    ended = LockState(failures=5, locked_until=NOW, streak_expires_at=NOW)
    assert policy.may_try(ended, NOW)
    assert ended.tries(NOW) == 0


def test_a_full_streak_is_forgotten_when_its_window_ends():
    policy = LockoutPolicy()
    # GIVEN five tries in a streak that ends in a second
    streak = _streak(5, expires_in=timedelta(seconds=1))
    # THEN until it ends they count, and no try is reserved
    assert streak.tries(NOW) == 5
    assert not policy.may_try(streak, NOW)
    # WHEN it ends THEN nothing counts and a try may be reserved again
    assert streak.tries(NOW + timedelta(seconds=1)) == 0
    assert policy.may_try(streak, NOW + timedelta(seconds=1))


def test_the_captcha_is_asked_for_from_the_second_failure_in_a_live_streak():
    policy = LockoutPolicy()
    # GIVEN one wrong password THEN no captcha; GIVEN two THEN the captcha
    assert not policy.asks_captcha(_streak(1), NOW)
    assert policy.asks_captcha(_streak(2), NOW)
    # GIVEN two in a streak that has ended THEN no captcha
    assert not policy.asks_captcha(_streak(2, expires_in=timedelta(0)), NOW)
    # AND without any streak THEN no captcha
    assert not policy.asks_captcha(LockState(), NOW)


def test_a_refused_try_is_told_when_it_may_come_back():
    policy = LockoutPolicy()
    # GIVEN a lock that ends in ninety minutes THEN that end
    until = NOW + timedelta(minutes=90)
    assert policy.unlock_at(LockState(failures=5, locked_until=until), NOW) == until
    # GIVEN a full streak whose last tries are still being checked THEN the end the lock they set will have
    assert policy.unlock_at(_streak(5), NOW) == NOW + timedelta(hours=4)
    # GIVEN a lock that ended a second ago (its record not yet deleted) THEN not that past end
    ended = LockState(failures=5, locked_until=NOW - timedelta(seconds=1))
    assert policy.unlock_at(ended, NOW) == NOW + timedelta(hours=4)


def test_a_configured_policy_locks_by_its_own_figures():
    # GIVEN a policy of three failures and thirty minutes (HALL_MAX_PASSWORD_FAILURES, HALL_LOCKOUT_MINUTES)
    policy = LockoutPolicy(max_failures=3, duration=timedelta(minutes=30))
    # THEN the third failure locks, and the fourth try is not reserved
    assert not policy.locks(2)
    assert policy.locks(3)
    assert policy.may_try(_streak(2), NOW)
    assert not policy.may_try(_streak(3), NOW)
    assert policy.unlock_at(_streak(3), NOW) == NOW + timedelta(minutes=30)


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
