"""Password-failure streaks and locks (the rule itself is chalicelib.domain.lockout)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from pynamodb.exceptions import DeleteError, DoesNotExist, GetError, TransactWriteError, UpdateError
from pynamodb.transactions import TransactGet, TransactWrite

from chalicelib.clock import from_epoch, to_epoch
from chalicelib.domain.lockout import LockoutPolicy, LockState, unlock_bucket
from chalicelib.store import records, tables, writes
from chalicelib.store.errors import (
    TryRefusedError,
    cancellation_codes,
    is_condition_failure,
    with_conflict_retries,
)
from chalicelib.store.models import AccountModel, LockoutModel, RateWindowModel

__all__ = [
    "Reservation",
    "account_subject",
    "clear",
    "forget",
    "get",
    "identifier_subject",
    "reserve_try",
    "stamp_account_lock",
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
            return tx.get(LockoutModel, subject), tx.get(RateWindowModel, window_key)

    lock_future, window_future = with_conflict_retries(read)
    return state_of(_result(lock_future, (DoesNotExist, GetError))), records.hits_of(
        _result(window_future, (DoesNotExist, GetError))
    )


def _result(future, missing):
    try:
        return future.get()
    except missing:
        return None


@dataclass(frozen=True)
class Reservation:
    """A reserved try. ``locked_until`` is set when this try took the streak's last
    place: the lock is already written (nobody else may try while it is checked), and
    a wrong password here is the one that locked; a right one lifts it again by
    forgetting the streak."""

    locked_until: datetime | None = None


def _lock_actions(policy: LockoutPolicy, now: datetime) -> list:
    locked_until = now + policy.duration
    return [
        LockoutModel.locked_until.set(to_epoch(locked_until)),
        LockoutModel.unlock_hour.set(unlock_bucket(locked_until)),
        LockoutModel.streak_expires_at.set(to_epoch(locked_until)),
        LockoutModel.expires_at.set(locked_until),
    ]


def _live_unlocked(now: datetime):
    return (
        LockoutModel.subject.exists()
        & (LockoutModel.streak_expires_at > to_epoch(now))
        & LockoutModel.locked_until.does_not_exist()
    )


def _in_new_streak(subject: str, policy: LockoutPolicy, now: datetime) -> tuple:
    # No streak, or only a dead one (an ended lock included): start afresh.
    streak_end = now + policy.streak_window
    last = policy.locks(1)
    actions = [LockoutModel.failures.set(1)]
    if last:
        actions += _lock_actions(policy, now)
    else:
        actions += [
            LockoutModel.streak_expires_at.set(to_epoch(streak_end)),
            LockoutModel.expires_at.set(streak_end),
            LockoutModel.locked_until.remove(),
            LockoutModel.unlock_hour.remove(),
        ]
    condition = LockoutModel.subject.does_not_exist() | (LockoutModel.streak_expires_at <= to_epoch(now))
    return actions, condition, last


def _in_live_streak(subject: str, policy: LockoutPolicy, now: datetime) -> tuple:
    # A live streak with room for more than this try: count on.
    streak_end = now + policy.streak_window
    actions = [
        LockoutModel.failures.add(1),
        LockoutModel.streak_expires_at.set(to_epoch(streak_end)),
        LockoutModel.expires_at.set(streak_end),
    ]
    return actions, _live_unlocked(now) & (LockoutModel.failures < policy.max_failures - 1), False


def _last_in_streak(subject: str, policy: LockoutPolicy, now: datetime) -> tuple:
    # The streak's last place: this try locks it as it is counted.
    condition = _live_unlocked(now) & (LockoutModel.failures == policy.max_failures - 1)
    return [LockoutModel.failures.add(1), *_lock_actions(policy, now)], condition, True


def reserve_try(
    subject: str, state: LockState, policy: LockoutPolicy, now: datetime, window: records.RateWindow | None = None
) -> Reservation:
    """Count a password try *before* it is checked, and a hit in the client's window.

    Both are conditional and commit together (one TransactWriteItems): the lock's
    condition lets at most ``max_failures`` tries into a streak and none into a lock,
    the window's lets at most its limit in, however many requests arrive at once. The
    try that takes the streak's last place writes the lock with it, so no later write
    is needed to lock and nobody else may try while it is checked. ``state`` (what the
    caller read) picks the likeliest shape (new streak, counting on, last place); the
    others are tried when its condition fails. Raises :class:`TryRefusedError`.
    """
    tables.ready()
    if not state.is_live(now):
        shapes = [_in_new_streak, _in_live_streak, _last_in_streak]
    elif policy.locks(state.tries(now) + 1):
        shapes = [_last_in_streak, _in_live_streak, _in_new_streak]
    else:
        shapes = [_in_live_streak, _last_in_streak, _in_new_streak]
    for shape in shapes:
        actions, condition, last = shape(subject, policy, now)

        def commit(actions=actions, condition=condition) -> None:
            with TransactWrite(connection=tables.connection()) as tx:
                tx.update(LockoutModel(subject), actions=actions, condition=condition)  # sent first
                if window is not None:
                    records.add_hit(tx, window)

        try:
            with_conflict_retries(commit)
        except TransactWriteError as exc:
            codes = cancellation_codes(exc)
            if "TransactionConflict" in codes:
                raise TryRefusedError("busy") from exc
            if window is not None and len(codes) > 1 and codes[1] == "ConditionalCheckFailed":
                raise TryRefusedError("window") from exc
            if not codes or codes[0] != "ConditionalCheckFailed":
                raise
            continue
        return Reservation(from_epoch(to_epoch(now + policy.duration)) if last else None)
    # No shape's condition held: locked (perhaps by a try being checked right now).
    raise TryRefusedError("lock")


def stamp_account_lock(account_id: str, now: datetime) -> None:
    """The lock's time on the account (登录保护's risk step-up reads it with the account at password
    login: no extra read), written by the one request whose wrong password locked it. Not in the
    reservation's transaction: every concurrent login reads the account in a TransactGetItems, and
    a transaction writing it would be cancelled by their conflicts. One UpdateItem, last write wins,
    no version condition (PynamoDB still adds one to the version, so a change prepared on the
    account as read before the lock is refused as changed meanwhile)."""
    tables.ready()
    try:
        AccountModel(account_id, version=0).update(
            actions=[AccountModel.locked_at.set(now)],
            condition=AccountModel.account_id.exists(),
            add_version_condition=False,
        )
    except UpdateError as exc:
        if not is_condition_failure(exc):  # an account deleted meanwhile has nothing to stamp
            raise


def forget(subject: str) -> writes.Write:
    """A write that forgets the subject's streak (a right password), for the session's transaction."""
    return writes.delete(LockoutModel(subject))


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
