"""Short-lived records: graphic captchas, SMS codes, rate-limit windows, checkpoints.

One table, one model per kind (chalicelib.store.models.FlowRecordModel and its
subclasses). The rules (how a code is compared, when its tries are spent) are
chalicelib.domain.codes'; this module holds the conditional writes that enforce
them. Single use is a conditional write, never a read followed by a write. Every
read compares ``valid_until`` with the clock; the TTL attribute only tidies up.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from pynamodb.exceptions import DoesNotExist, PutError, TransactWriteError, UpdateError
from pynamodb.transactions import TransactWrite

from chalicelib.clock import to_epoch
from chalicelib.domain.codes import CodeExhausted, CodeExpired, ResendTooSoon, SmsCodePolicy, judge_code
from chalicelib.store import tables, writes
from chalicelib.store.errors import (
    LimitExceededError,
    TryRefusedError,
    cancellation_codes,
    is_condition_failure,
    with_conflict_retries,
)
from chalicelib.store.models import CaptchaRecordModel, CheckpointModel, RateWindowModel, SmsCodeRecordModel

__all__ = [
    "RateWindow",
    "consume_captcha",
    "get_checkpoint",
    "hit_rate_limit",
    "hit_windows_and_send_window",
    "hits_of",
    "put_captcha",
    "rate_window_key",
    "save_with_hit",
    "set_checkpoint",
    "start_sms_code",
    "verify_sms_code",
]

# Records outlive their validity a little so that "expired" can be told from "never sent".
_GRACE = timedelta(hours=1)


# -- graphic captcha -------------------------------------------------------------------


def put_captcha(captcha_id: str, answer_hash: str, valid_until: datetime) -> None:
    tables.ready()
    CaptchaRecordModel(
        f"captcha#{captcha_id}",
        secret_hash=answer_hash,
        valid_until=to_epoch(valid_until),
        expires_at=valid_until + _GRACE,
    ).save(condition=CaptchaRecordModel.flow_key.does_not_exist())


def consume_captcha(captcha_id: str, now: datetime) -> str | None:
    """Use up a captcha (right or wrong answer alike) and return its answer hash.

    None when it does not exist, has expired or was used already.
    """
    tables.ready()
    item = CaptchaRecordModel(f"captcha#{captcha_id}")
    try:
        item.update(
            actions=[CaptchaRecordModel.used.set(True)],
            condition=(
                CaptchaRecordModel.flow_key.exists()
                & CaptchaRecordModel.used.does_not_exist()
                & (CaptchaRecordModel.valid_until > to_epoch(now))
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
    record = SmsCodeRecordModel
    replace = [
        record.secret_hash.set(code_hash),
        record.sent_at.set(now_s),
        record.valid_until.set(to_epoch(valid_until)),
        record.expires_at.set(valid_until + _GRACE),
        record.used.remove(),
    ]
    # Most sends are first sends (no live record): try the fresh write first.
    try:
        record(
            key,
            secret_hash=code_hash,
            attempts=0,
            sent_at=now_s,
            valid_until=to_epoch(valid_until),
            expires_at=valid_until + _GRACE,
        ).save(condition=record.flow_key.does_not_exist() | (record.valid_until <= now_s))
        return
    except PutError as exc:
        if not is_condition_failure(exc):
            raise
    # A live record: a resend replaces its code and keeps its wrong tries.
    try:
        record(key).update(
            actions=replace,
            condition=(
                record.flow_key.exists()
                & (record.valid_until > now_s)
                & (record.sent_at <= now_s - int(policy.resend_interval.total_seconds()))
                & (record.attempts < policy.max_wrong_tries)
            ),
        )
        return
    except UpdateError as exc:
        if not is_condition_failure(exc):
            raise
    # Both conditions failed: the live code is either too fresh or spent.
    current = record.get(key, consistent_read=True)
    if int(current.attempts or 0) >= policy.max_wrong_tries:
        raise CodeExhausted()
    wait = int(current.sent_at) + int(policy.resend_interval.total_seconds()) - now_s
    raise ResendTooSoon(max(wait, 1))


def verify_sms_code(purpose: str, phone_mac: str, candidate_hash: str, now: datetime, policy: SmsCodePolicy) -> None:
    """Accept the code once, or raise why not (the judgement: chalicelib.domain.codes.judge_code).

    The wrong-try counter is incremented before the comparison, and the
    acceptance is a conditional write on the code's hash, so of many concurrent
    verifications of one code exactly one succeeds.
    """
    use = sms_code_use(purpose, phone_mac, candidate_hash, now, policy)
    try:
        use.model.update(actions=use.actions, condition=use.condition)
    except UpdateError as exc:
        if is_condition_failure(exc):
            raise CodeExpired() from exc
        raise


def sms_code_use(
    purpose: str, phone_mac: str, candidate_hash: str, now: datetime, policy: SmsCodePolicy
) -> writes.Write:
    """Count the try and judge the code as :func:`verify_sms_code` does, but hand back its use
    (single use: on condition it is unused and still this code) for the caller's transaction,
    so a code is spent only together with what it was asked for (a registration's account):
    a transaction that fails leaves the code for the retry."""
    tables.ready()
    record = SmsCodeRecordModel
    key = _sms_key(purpose, phone_mac)
    now_s = to_epoch(now)
    item = record(key)
    try:
        item.update(
            actions=[record.attempts.add(1)],
            condition=(
                record.flow_key.exists()
                & record.used.does_not_exist()
                & (record.valid_until > now_s)
                & (record.attempts < policy.max_wrong_tries)
            ),
        )
    except UpdateError as exc:
        if not is_condition_failure(exc):
            raise
        try:
            current = record.get(key, consistent_read=True)
        except DoesNotExist:
            raise CodeExpired() from exc
        if current.used or int(current.valid_until or 0) <= now_s:
            raise CodeExpired() from exc
        raise CodeExhausted() from exc
    judge_code(item.secret_hash or "", candidate_hash, int(item.attempts), policy)
    return writes.update(
        record(key),
        [record.used.set(True)],
        condition=record.used.does_not_exist() & (record.secret_hash == candidate_hash),
        label="sms_code",
    )


def withdraw_sms_code(purpose: str, phone_mac: str, code_hash: str) -> None:
    """Void a code the gateway did not deliver (on condition it is still that code, unused): it
    can never be used. The record's wrong tries stay, and so does the send's count (the limits
    count every send asked for, delivered or not)."""
    tables.ready()
    record = SmsCodeRecordModel
    try:
        record(_sms_key(purpose, phone_mac)).update(
            actions=[record.used.set(True)],
            condition=record.used.does_not_exist() & (record.secret_hash == code_hash),
        )
    except UpdateError as exc:
        if not is_condition_failure(exc):
            raise


# -- rate limits -----------------------------------------------------------------------


def rate_window_key(name: str, subject: str, window: str) -> str:
    return f"rate#{name}#{subject}#{window}"


def hits_of(item: RateWindowModel | None) -> int:
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
        RateWindowModel(window.key),
        actions=_hit_actions(window.ends_at),
        condition=RateWindowModel.hits.does_not_exist() | (RateWindowModel.hits < window.limit),
    )


def _hit_actions(window_end: datetime) -> list:
    # Windows are made by their first update (an upsert), so the update names the kind.
    return [
        RateWindowModel.hits.add(1),
        RateWindowModel.kind.set(RateWindowModel),
        RateWindowModel.expires_at.set(window_end + _GRACE),
    ]


def give_back_hit(window: RateWindow) -> writes.Write:
    """A write that returns one hit to a window (a reserved try that turned out right)."""
    # No condition: the try was counted in this same window by this same request.
    return writes.update(RateWindowModel(window.key), [RateWindowModel.hits.add(-1)])


def save_with_hit(item, condition, window: RateWindow) -> None:
    """Put a new record (on its condition) and count one hit in ``window``, in one
    TransactWriteItems: a record is made only while the window has room. Raises
    :class:`LimitExceededError` (the window is full) or :class:`TryRefusedError` ("busy")."""
    tables.ready()

    def commit() -> None:
        with TransactWrite(connection=tables.connection()) as tx:
            tx.save(item, condition=condition)
            add_hit(tx, window)

    try:
        with_conflict_retries(commit)
    except TransactWriteError as exc:
        codes = cancellation_codes(exc)
        if len(codes) > 1 and codes[1] == "ConditionalCheckFailed":
            raise LimitExceededError(window.key) from exc
        if "TransactionConflict" in codes and "ConditionalCheckFailed" not in codes:
            raise TryRefusedError("busy") from exc
        raise


def hit_windows_and_send_window(
    windows: list[RateWindow], send_window: RateWindow, now: datetime, gap: timedelta
) -> None:
    """Count one hit in each of ``windows`` and one send in ``send_window`` (at most its limit,
    no sooner than ``gap`` after its previous send), all or none, in one TransactWriteItems.

    Raises :class:`LimitExceededError` naming the key of the first full window,
    :class:`ResendTooSoon` when only the send window's gap refused, and
    :class:`TryRefusedError` ("busy") when other requests kept the same windows busy.
    """
    tables.ready()
    now_s = to_epoch(now)
    gap_s = int(gap.total_seconds())

    def commit() -> None:
        with TransactWrite(connection=tables.connection()) as tx:
            for window in windows:
                add_hit(tx, window)
            tx.update(
                RateWindowModel(send_window.key),
                actions=[*_hit_actions(send_window.ends_at), RateWindowModel.sent_at.set(now_s)],
                condition=(RateWindowModel.hits.does_not_exist() | (RateWindowModel.hits < send_window.limit))
                & (RateWindowModel.sent_at.does_not_exist() | (RateWindowModel.sent_at <= now_s - gap_s)),
            )

    try:
        with_conflict_retries(commit)
    except TransactWriteError as exc:
        codes = cancellation_codes(exc)
        if "ConditionalCheckFailed" not in codes:
            if "TransactionConflict" in codes:
                raise TryRefusedError("busy") from exc
            raise
        failed = codes.index("ConditionalCheckFailed")
        if failed < len(windows):
            raise LimitExceededError(windows[failed].key) from exc
        current = RateWindowModel.get(send_window.key, consistent_read=True)  # the rare refused path: which?
        if hits_of(current) >= send_window.limit:
            raise LimitExceededError(send_window.key) from exc
        raise ResendTooSoon(max(int(current.sent_at or 0) + gap_s - now_s, 1)) from exc


def hit_rate_limit(name: str, subject: str, window: str, limit: int, window_end: datetime) -> int:
    """Count one hit in a fixed window; raise :class:`LimitExceededError` when it is full."""
    tables.ready()
    item = RateWindowModel(rate_window_key(name, subject, window))
    try:
        item.update(
            actions=_hit_actions(window_end),
            condition=RateWindowModel.hits.does_not_exist() | (RateWindowModel.hits < limit),
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
        return (CheckpointModel.get(f"checkpoint#{name}", consistent_read=True).data or {}).get("value")
    except DoesNotExist:
        return None


def set_checkpoint(name: str, value: str) -> None:
    tables.ready()
    CheckpointModel(f"checkpoint#{name}", data={"value": value}).save()
