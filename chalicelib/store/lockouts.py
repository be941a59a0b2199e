"""Password-failure streaks and locks (the rule itself is chalicelib.domain.lockout)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from pynamodb.exceptions import DeleteError, DoesNotExist, GetError, PutError, UpdateError
from pynamodb.transactions import TransactGet

from chalicelib.clock import from_epoch, to_epoch
from chalicelib.domain.lockout import LockoutPolicy, LockState, unlock_bucket
from chalicelib.store import flows, tables
from chalicelib.store.errors import is_condition_failure
from chalicelib.store.models import FlowModel, LockoutModel

__all__ = ["FailureOutcome", "account_subject", "clear", "get", "identifier_subject", "record_failure", "state_of"]


def account_subject(account_id: str) -> str:
    return f"account#{account_id}"


def identifier_subject(identifier_mac: str) -> str:
    return f"identifier#{identifier_mac}"


def state_of(item: LockoutModel | None) -> LockState:
    if item is None:
        return LockState()
    return LockState(
        failures=int(item.failures or 0),
        locked_until=from_epoch(item.locked_until) if item.locked_until else None,
        streak_expires_at=from_epoch(item.streak_expires_at) if item.streak_expires_at else None,
    )


def get(subject: str) -> LockState:
    tables.ready()
    try:
        return state_of(LockoutModel.get(subject, consistent_read=True))
    except DoesNotExist:
        return LockState()


def get_with_window(subject: str, window_key: str) -> tuple[LockState, int]:
    """A subject's lock and the hits of a rate-limit window, in one round trip."""
    tables.ready()
    with TransactGet(connection=tables.connection()) as tx:
        lock_future = tx.get(LockoutModel, subject)
        window_future = tx.get(FlowModel, window_key)
    return state_of(_result(lock_future, (DoesNotExist, GetError))), flows.hits_of(
        _result(window_future, (DoesNotExist, GetError))
    )


def _result(future, missing):
    try:
        return future.get()
    except missing:
        return None


@dataclass(frozen=True)
class FailureOutcome:
    state: LockState
    newly_locked: bool


def record_failure(subject: str, policy: LockoutPolicy, now: datetime) -> FailureOutcome:
    """Count one wrong password; lock when the streak reaches the limit.

    Every step is a conditional write, so concurrent failures neither lose
    counts nor lock twice: exactly one caller sees ``newly_locked``.
    """
    tables.ready()
    streak_end = now + policy.streak_window
    item = LockoutModel(subject)
    for _ in range(3):
        try:
            # A live, unlocked streak: count on.
            item.update(
                actions=[
                    LockoutModel.failures.add(1),
                    LockoutModel.streak_expires_at.set(to_epoch(streak_end)),
                    LockoutModel.expires_at.set(streak_end),
                ],
                condition=(
                    LockoutModel.subject.exists()
                    & (LockoutModel.streak_expires_at > to_epoch(now))
                    & LockoutModel.locked_until.does_not_exist()
                ),
            )
            break
        except UpdateError as exc:
            if not is_condition_failure(exc):
                raise
        try:
            # No streak, or only a dead one (an ended lock included): start afresh.
            item = LockoutModel(subject, failures=1, streak_expires_at=to_epoch(streak_end), expires_at=streak_end)
            item.save(
                condition=LockoutModel.subject.does_not_exist() | (LockoutModel.streak_expires_at <= to_epoch(now))
            )
            break
        except PutError as exc:
            if not is_condition_failure(exc):
                raise
        current = get(subject)
        if current.is_locked(now):
            return FailureOutcome(current, newly_locked=False)
        item = LockoutModel(subject)
    else:  # pragma: no cover - three lost races in a row
        return FailureOutcome(get(subject), newly_locked=False)

    failures = int(item.failures)
    if failures < policy.max_failures:
        return FailureOutcome(LockState(failures, None, streak_end), newly_locked=False)
    locked_until = now + policy.duration
    try:
        item.update(
            actions=[
                LockoutModel.locked_until.set(to_epoch(locked_until)),
                LockoutModel.unlock_hour.set(unlock_bucket(locked_until)),
                LockoutModel.streak_expires_at.set(to_epoch(locked_until)),
                LockoutModel.expires_at.set(locked_until),
            ],
            condition=LockoutModel.locked_until.does_not_exist() & (LockoutModel.failures >= policy.max_failures),
        )
    except UpdateError as exc:
        if not is_condition_failure(exc):
            raise
        return FailureOutcome(get(subject), newly_locked=False)
    return FailureOutcome(LockState(failures, from_epoch(to_epoch(locked_until)), locked_until), newly_locked=True)


def claim_notice(subject: str, locked_until: datetime) -> bool:
    """True for exactly one caller per lock: the one who should send the SMS notice."""
    tables.ready()
    try:
        LockoutModel(subject).update(
            actions=[LockoutModel.notified.set(True)],
            condition=(LockoutModel.locked_until == to_epoch(locked_until)) & LockoutModel.notified.does_not_exist(),
        )
        return True
    except UpdateError as exc:
        if not is_condition_failure(exc):
            raise
        return False


def clear(subject: str) -> None:
    """Forget the streak and any lock (after a password recovery, or an operator's unlock)."""
    tables.ready()
    LockoutModel(subject).delete()


def expired_locks(hour: str, now: datetime) -> Iterator[tuple[str, int]]:
    """(subject, locked_until) of the locks ending in ``hour`` that have ended by ``now``."""
    tables.ready()
    for item in LockoutModel.by_unlock_hour.query(hour, LockoutModel.locked_until <= to_epoch(now)):
        yield item.subject, int(item.locked_until)


def release(subject: str, locked_until: int) -> bool:
    """Delete an ended lock, unless it has since been replaced by a new one."""
    tables.ready()
    try:
        LockoutModel(subject).delete(condition=LockoutModel.locked_until == locked_until)
        return True
    except DeleteError as exc:
        if not is_condition_failure(exc):
            raise
        return False
