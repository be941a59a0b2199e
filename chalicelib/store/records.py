"""Short-lived records: graphic captchas, SMS codes, rate-limit windows, checkpoints.

Single use is a conditional write, never a read followed by a write. Every read
compares ``valid_until`` with the clock; the TTL attribute only tidies up.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from pynamodb.exceptions import DoesNotExist, PutError, UpdateError

from chalicelib import crypto
from chalicelib.clock import to_epoch
from chalicelib.domain.codes import CodeExhausted, CodeExpired, CodeMismatch, ResendTooSoon, SmsCodePolicy
from chalicelib.store import tables, writes
from chalicelib.store.errors import LimitExceededError, is_condition_failure
from chalicelib.store.models import FlowModel

__all__ = [
    "RateWindow",
    "consume_captcha",
    "get_checkpoint",
    "hit_rate_limit",
    "hits_of",
    "put_captcha",
    "rate_window_key",
    "set_checkpoint",
    "start_sms_code",
    "verify_sms_code",
]

# Records outlive their validity a little so that "expired" can be told from "never sent".
_GRACE = timedelta(hours=1)


# -- graphic captcha -------------------------------------------------------------------


def put_captcha(captcha_id: str, answer_hash: str, valid_until: datetime) -> None:
    tables.ready()
    FlowModel(
        f"captcha#{captcha_id}",
        kind="captcha",
        secret_hash=answer_hash,
        valid_until=to_epoch(valid_until),
        expires_at=valid_until + _GRACE,
    ).save(condition=FlowModel.flow_key.does_not_exist())


def consume_captcha(captcha_id: str, now: datetime) -> str | None:
    """Use up a captcha (right or wrong answer alike) and return its answer hash.

    None when it does not exist, has expired or was used already.
    """
    tables.ready()
    item = FlowModel(f"captcha#{captcha_id}")
    try:
        item.update(
            actions=[FlowModel.used.set(True)],
            condition=(
                FlowModel.flow_key.exists() & FlowModel.used.does_not_exist() & (FlowModel.valid_until > to_epoch(now))
            ),
        )
    except UpdateError as exc:
        if is_condition_failure(exc):
            return None
        raise
    return item.secret_hash


# -- SMS codes -------------------------------------------------------------------------


def _sms_key(purpose: str, phone_mac: str) -> str:
    return f"sms#{purpose}#{phone_mac}"


def start_sms_code(purpose: str, phone_mac: str, code_hash: str, now: datetime, policy: SmsCodePolicy) -> None:
    """Store a newly sent code, replacing (and so killing) the previous one.

    A live record keeps its wrong-try count across the resend; a resend sooner
    than the policy's interval raises :class:`ResendTooSoon`; a record whose
    tries are spent raises :class:`CodeExhausted` until its code has expired.
    """
    tables.ready()
    key = _sms_key(purpose, phone_mac)
    valid_until = now + policy.lifetime
    now_s = to_epoch(now)
    replace = [
        FlowModel.secret_hash.set(code_hash),
        FlowModel.sent_at.set(now_s),
        FlowModel.valid_until.set(to_epoch(valid_until)),
        FlowModel.expires_at.set(valid_until + _GRACE),
        FlowModel.used.remove(),
    ]
    # Most sends are first sends (no live record): try the fresh write first.
    try:
        FlowModel(
            key,
            kind="sms_code",
            secret_hash=code_hash,
            attempts=0,
            sent_at=now_s,
            valid_until=to_epoch(valid_until),
            expires_at=valid_until + _GRACE,
        ).save(condition=FlowModel.flow_key.does_not_exist() | (FlowModel.valid_until <= now_s))
        return
    except PutError as exc:
        if not is_condition_failure(exc):
            raise
    # A live record: a resend replaces its code and keeps its wrong tries.
    try:
        FlowModel(key).update(
            actions=replace,
            condition=(
                FlowModel.flow_key.exists()
                & (FlowModel.valid_until > now_s)
                & (FlowModel.sent_at <= now_s - int(policy.resend_interval.total_seconds()))
                & (FlowModel.attempts < policy.max_wrong_tries)
            ),
        )
        return
    except UpdateError as exc:
        if not is_condition_failure(exc):
            raise
    # Both conditions failed: the live code is either too fresh or spent.
    current = FlowModel.get(key, consistent_read=True)
    if int(current.attempts or 0) >= policy.max_wrong_tries:
        raise CodeExhausted()
    wait = int(current.sent_at) + int(policy.resend_interval.total_seconds()) - now_s
    raise ResendTooSoon(max(wait, 1))


def verify_sms_code(purpose: str, phone_mac: str, candidate_hash: str, now: datetime, policy: SmsCodePolicy) -> None:
    """Accept the code once, or raise why not.

    The wrong-try counter is incremented before the comparison, and the
    acceptance is a conditional write on the code's hash, so of many concurrent
    verifications of one code exactly one succeeds.
    """
    tables.ready()
    key = _sms_key(purpose, phone_mac)
    now_s = to_epoch(now)
    item = FlowModel(key)
    try:
        item.update(
            actions=[FlowModel.attempts.add(1)],
            condition=(
                FlowModel.flow_key.exists()
                & FlowModel.used.does_not_exist()
                & (FlowModel.valid_until > now_s)
                & (FlowModel.attempts < policy.max_wrong_tries)
            ),
        )
    except UpdateError as exc:
        if not is_condition_failure(exc):
            raise
        try:
            current = FlowModel.get(key, consistent_read=True)
        except DoesNotExist:
            raise CodeExpired() from exc
        if current.used or int(current.valid_until or 0) <= now_s:
            raise CodeExpired() from exc
        raise CodeExhausted() from exc
    if not crypto.equal(item.secret_hash or "", candidate_hash):
        tries_left = policy.max_wrong_tries - int(item.attempts)
        if tries_left <= 0:
            raise CodeExhausted()
        raise CodeMismatch(tries_left)
    try:
        FlowModel(key).update(
            actions=[FlowModel.used.set(True)],
            condition=FlowModel.used.does_not_exist() & (FlowModel.secret_hash == candidate_hash),
        )
    except UpdateError as exc:
        if is_condition_failure(exc):
            raise CodeExpired() from exc
        raise


# -- rate limits -----------------------------------------------------------------------


def rate_window_key(name: str, subject: str, window: str) -> str:
    return f"rate#{name}#{subject}#{window}"


def hits_of(item: FlowModel | None) -> int:
    return int(item.hits or 0) if item is not None else 0


@dataclass(frozen=True)
class RateWindow:
    """A fixed window of a named limit for one subject, as a transaction item needs it."""

    key: str
    limit: int
    ends_at: datetime


def add_hit(tx, window: RateWindow) -> None:
    """Count one hit inside another write's transaction, on condition the window has room."""
    tx.update(
        FlowModel(window.key),
        actions=[
            FlowModel.hits.add(1),
            FlowModel.kind.set("rate_limit"),
            FlowModel.expires_at.set(window.ends_at + _GRACE),
        ],
        condition=FlowModel.hits.does_not_exist() | (FlowModel.hits < window.limit),
    )


def give_back_hit(window: RateWindow) -> writes.Write:
    """A write that returns one hit to a window (a reserved try that turned out right)."""
    # No condition: the try was counted in this same window by this same request.
    return writes.update(FlowModel(window.key), [FlowModel.hits.add(-1)])


def hit_send_window(
    name: str, subject: str, window: str, limit: int, window_end: datetime, now: datetime, gap: timedelta
) -> None:
    """Count one send in a fixed window, at most ``limit`` per window and no sooner than
    ``gap`` after the previous one, in one conditional write. Raises
    :class:`LimitExceededError` or :class:`ResendTooSoon`."""
    tables.ready()
    key = rate_window_key(name, subject, window)
    now_s = to_epoch(now)
    gap_s = int(gap.total_seconds())
    try:
        FlowModel(key).update(
            actions=[
                FlowModel.hits.add(1),
                FlowModel.sent_at.set(now_s),
                FlowModel.kind.set("rate_limit"),
                FlowModel.expires_at.set(window_end + _GRACE),
            ],
            condition=(FlowModel.hits.does_not_exist() | (FlowModel.hits < limit))
            & (FlowModel.sent_at.does_not_exist() | (FlowModel.sent_at <= now_s - gap_s)),
        )
        return
    except UpdateError as exc:
        if not is_condition_failure(exc):
            raise
        current = FlowModel.get(key, consistent_read=True)  # the rare refused path: which condition?
        if hits_of(current) >= limit:
            raise LimitExceededError(name) from exc
        raise ResendTooSoon(max(int(current.sent_at or 0) + gap_s - now_s, 1)) from exc


def hit_rate_limit(name: str, subject: str, window: str, limit: int, window_end: datetime) -> int:
    """Count one hit in a fixed window; raise :class:`LimitExceededError` when it is full."""
    tables.ready()
    item = FlowModel(rate_window_key(name, subject, window))
    try:
        item.update(
            actions=[
                FlowModel.hits.add(1),
                FlowModel.kind.set("rate_limit"),
                FlowModel.expires_at.set(window_end + _GRACE),
            ],
            condition=FlowModel.hits.does_not_exist() | (FlowModel.hits < limit),
        )
    except UpdateError as exc:
        if is_condition_failure(exc):
            raise LimitExceededError(name) from exc
        raise
    return int(item.hits)


# -- checkpoints of scheduled jobs -----------------------------------------------------


def get_checkpoint(name: str) -> str | None:
    tables.ready()
    try:
        return (FlowModel.get(f"checkpoint#{name}", consistent_read=True).data or {}).get("value")
    except DoesNotExist:
        return None


def set_checkpoint(name: str, value: str) -> None:
    tables.ready()
    FlowModel(f"checkpoint#{name}", kind="checkpoint", data={"value": value}).save()
