"""Password-failure streaks and locks (the rule itself is chalicelib.domain.lockout)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from pynamodb.exceptions import DeleteError, DoesNotExist, GetError, TransactWriteError, UpdateError
from pynamodb.transactions import TransactGet, TransactWrite

from chalicelib.clock import from_epoch, to_epoch
from chalicelib.domain.lockout import LockoutPolicy, LockState, unlock_bucket
from chalicelib.store import flows, tables, writes
from chalicelib.store.errors import (
    TryRefusedError,
    cancellation_codes,
    is_condition_failure,
    with_conflict_retries,
)
from chalicelib.store.models import FlowModel, LockoutModel

__all__ = [
    "FailureOutcome",
    "account_subject",
    "clear",
    "forget",
    "get",
    "identifier_subject",
    "lock_if_full",
    "reserve_try",
    "state_of",
]


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

    def read():
        with TransactGet(connection=tables.connection()) as tx:
            return tx.get(LockoutModel, subject), tx.get(FlowModel, window_key)

    lock_future, window_future = with_conflict_retries(read)
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


def _reserve_in_live_streak(tx, subject: str, policy: LockoutPolicy, now: datetime) -> None:
    streak_end = now + policy.streak_window
    tx.update(
        LockoutModel(subject),
        actions=[
            LockoutModel.failures.add(1),
            LockoutModel.streak_expires_at.set(to_epoch(streak_end)),
            LockoutModel.expires_at.set(streak_end),
        ],
        condition=(
            LockoutModel.subject.exists()
            & (LockoutModel.streak_expires_at > to_epoch(now))
            & LockoutModel.locked_until.does_not_exist()
            & (LockoutModel.failures < policy.max_failures)
        ),
    )


def _reserve_in_new_streak(tx, subject: str, policy: LockoutPolicy, now: datetime) -> None:
    # No streak, or only a dead one (an ended lock included): start afresh.
    streak_end = now + policy.streak_window
    tx.update(
        LockoutModel(subject),
        actions=[
            LockoutModel.failures.set(1),
            LockoutModel.streak_expires_at.set(to_epoch(streak_end)),
            LockoutModel.expires_at.set(streak_end),
            LockoutModel.locked_until.remove(),
            LockoutModel.unlock_hour.remove(),
            LockoutModel.notified.remove(),
        ],
        condition=LockoutModel.subject.does_not_exist() | (LockoutModel.streak_expires_at <= to_epoch(now)),
    )


def reserve_try(
    subject: str, state: LockState, policy: LockoutPolicy, now: datetime, window: flows.RateWindow | None = None
) -> None:
    """Count a password try *before* it is checked, and a hit in the client's window.

    Both are conditional and commit together (one TransactWriteItems): the lock's
    condition lets at most ``max_failures`` tries into a streak and none into a
    lock, the window's lets at most its limit in, however many requests arrive at
    once. ``state`` (what the caller read) picks the likelier of the two shapes;
    the other is tried when the first one's condition fails. Raises
    :class:`TryRefusedError`.
    """
    tables.ready()
    shapes = [_reserve_in_live_streak, _reserve_in_new_streak]
    if not state.is_live(now):
        shapes.reverse()
    for reserve in shapes:

        def commit(reserve=reserve) -> None:
            with TransactWrite(connection=tables.connection()) as tx:
                reserve(tx, subject, policy, now)  # PynamoDB sends updates in the order given
                if window is not None:
                    flows.add_hit(tx, window)

        try:
            with_conflict_retries(commit)
            return
        except TransactWriteError as exc:
            codes = cancellation_codes(exc)
            if "TransactionConflict" in codes:
                raise TryRefusedError("busy") from exc
            if window is not None and len(codes) > 1 and codes[1] == "ConditionalCheckFailed":
                raise TryRefusedError("window") from exc
            if not codes or codes[0] != "ConditionalCheckFailed":
                raise
    # Neither shape's condition held: locked, or the streak's last tries are being checked.
    raise TryRefusedError("lock")


def lock_if_full(subject: str, policy: LockoutPolicy, now: datetime) -> FailureOutcome:
    """After a wrong password: lock the subject when its streak holds ``max_failures`` tries.

    The lock is a conditional update, so of several failures that find the streak
    full exactly one sees ``newly_locked`` (and sends the single notice).
    """
    tables.ready()
    locked_until = now + policy.duration
    item = LockoutModel(subject)
    try:
        item.update(
            actions=[
                LockoutModel.locked_until.set(to_epoch(locked_until)),
                LockoutModel.unlock_hour.set(unlock_bucket(locked_until)),
                LockoutModel.streak_expires_at.set(to_epoch(locked_until)),
                LockoutModel.expires_at.set(locked_until),
            ],
            condition=(
                LockoutModel.subject.exists()
                & LockoutModel.locked_until.does_not_exist()
                & (LockoutModel.streak_expires_at > to_epoch(now))
                & (LockoutModel.failures >= policy.max_failures)
            ),
        )
    except UpdateError as exc:
        if not is_condition_failure(exc):
            raise
        return FailureOutcome(get(subject), newly_locked=False)
    return FailureOutcome(LockState(int(item.failures), from_epoch(to_epoch(locked_until)), locked_until), True)


def forget(subject: str) -> writes.Write:
    """A write that forgets the subject's streak (a right password), for the session's transaction."""
    return writes.delete(LockoutModel(subject))


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
