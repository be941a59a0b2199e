"""登录保护's records: the account's second factor, the second steps waiting, known devices.

- The account item (``AccountModel``) holds the factor turned on, the authenticator's secret
  (encrypted), the time step of the last code accepted, a secret being bound, and the keyed
  hashes of the unused recovery codes. A code is used by a conditional update of the account
  (a time step later than the last one; a recovery code's hash still in the set) in the
  session's own transaction, so of two requests with one code at most one commits.
- ``step#<id>`` (``SecondStepRecordModel``): a password login waiting for its second step,
  5 minutes, bound to the browser (or app) by the hash of a secret it holds; wrong codes are
  counted before each check, SMS sends too; used once, by the session's transaction.
- ``device#<account id>#<device hash>`` (``KnownDeviceModel``): a device that logged in to the
  account, put again by every login from it; gone (in code: not seen) 90 days after.

Every read checks validity in code; the TTL only tidies up.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from pynamodb.exceptions import DoesNotExist, UpdateError

from chalicelib.clock import from_epoch, to_epoch
from chalicelib.store import account_settings, accounts, tables, writes
from chalicelib.store.errors import StoreError, is_condition_failure
from chalicelib.store.models import AccountModel, KnownDeviceModel, SecondStepRecordModel

__all__ = [
    "Protection",
    "SecondStep",
    "StepRefusedError",
    "commit",
    "create_step",
    "device_seen",
    "device_seen_at",
    "get",
    "get_step",
    "pending_totp",
    "reserve_send",
    "reserve_try",
    "turn_off",
    "turn_on",
    "use_code",
    "use_step",
]

_GRACE = timedelta(hours=1)


@dataclass(frozen=True)
class Protection:
    """What an account's 登录保护 is, as read (one GetItem)."""

    account_id: str
    version: int | None
    password_hash: str | None
    second_factor: str | None
    totp_cipher: str | None
    totp_last_step: int | None
    pending_cipher: str | None
    pending_until: datetime | None
    recovery_hashes: frozenset[str]
    phone_cipher: str | None
    phone_masked: str | None
    account: accounts.Account  # the same read, as the login flow opens sessions with it


class StepRefusedError(StoreError):
    """A second step's record did not take the change (used, expired, another browser's, or
    its tries or sends spent)."""


def get(account_id: str) -> Protection | None:
    tables.ready()
    try:
        item = AccountModel.get(account_id, consistent_read=True)
    except DoesNotExist:
        return None
    return Protection(
        account_id=item.account_id,
        version=item.version,
        password_hash=item.password_hash,
        second_factor=item.second_factor,
        totp_cipher=item.totp_cipher,
        totp_last_step=int(item.totp_last_step) if item.totp_last_step is not None else None,
        pending_cipher=item.totp_pending_cipher,
        pending_until=from_epoch(int(item.totp_pending_until)) if item.totp_pending_until else None,
        recovery_hashes=frozenset(item.recovery_code_hashes or ()),
        phone_cipher=item.phone_cipher,
        phone_masked=item.phone_masked,
        account=accounts._to_account(item),  # the same read, as an Account
    )


def _account(p: Protection) -> AccountModel:
    return AccountModel(p.account_id, version=p.version)  # conditioned on the version read, and +1


def _same_password(p: Protection):
    if p.password_hash is None:
        return AccountModel.password_hash.does_not_exist()
    return AccountModel.password_hash == p.password_hash


def pending_totp(p: Protection, cipher: str, until: datetime, now: datetime) -> writes.Write:
    """A secret being bound (its confirming code must come before ``until``), on condition the
    password just verified is still the account's."""
    return writes.update(
        _account(p),
        [
            AccountModel.totp_pending_cipher.set(cipher),
            AccountModel.totp_pending_until.set(to_epoch(until)),
            AccountModel.updated_at.set(now),
        ],
        AccountModel.account_id.exists() & _same_password(p),
        label="account",
    )


def turn_on(
    p: Protection, factor: str, recovery_hashes: Iterable[str], now: datetime, totp_step: int | None = None
) -> writes.Write:
    """The factor on, with new recovery codes (the old ones die). ``totp``: the pending secret
    becomes the authenticator's (condition: it is still the one the code was checked against,
    and unexpired), with the step its confirming code was accepted at."""
    actions = [
        AccountModel.second_factor.set(factor),
        AccountModel.recovery_code_hashes.set(set(recovery_hashes)),
        AccountModel.updated_at.set(now),
    ]
    condition = AccountModel.account_id.exists()
    if factor == "totp":
        actions += [
            AccountModel.totp_cipher.set(p.pending_cipher),
            AccountModel.totp_last_step.set(totp_step),
            AccountModel.totp_pending_cipher.remove(),
            AccountModel.totp_pending_until.remove(),
        ]
        condition = (
            condition
            & (AccountModel.totp_pending_cipher == p.pending_cipher)
            & (AccountModel.totp_pending_until > to_epoch(now))
        )
    else:
        condition = condition & _same_password(p)
        actions += [AccountModel.totp_cipher.remove(), AccountModel.totp_last_step.remove()]
    return writes.update(_account(p), actions, condition, label="account")


def turn_off(p: Protection, now: datetime) -> writes.Write:
    """Protection off: the factor, the secrets and the recovery codes gone (condition: the
    password just verified is still the account's)."""
    return writes.update(
        _account(p),
        [
            AccountModel.second_factor.remove(),
            AccountModel.totp_cipher.remove(),
            AccountModel.totp_last_step.remove(),
            AccountModel.totp_pending_cipher.remove(),
            AccountModel.totp_pending_until.remove(),
            AccountModel.recovery_code_hashes.remove(),
            AccountModel.updated_at.set(now),
        ],
        AccountModel.account_id.exists() & _same_password(p),
        label="account",
    )


def use_code(
    p: Protection, now: datetime, totp_step: int | None = None, recovery_hash: str | None = None
) -> writes.Write:
    """The account's side of a finished second step, for the session's transaction: the
    password verified at the first step is still the account's, and the code is used once: an
    authenticator code's step later than the last one accepted (and the secret unchanged), or
    a recovery code's hash still unused (removed). An SMS code is spent by its own record."""
    condition = AccountModel.account_id.exists() & _same_password(p)
    if totp_step is not None:
        condition = (
            condition
            & (AccountModel.totp_cipher == p.totp_cipher)
            & (AccountModel.totp_last_step.does_not_exist() | (AccountModel.totp_last_step < totp_step))
        )
        return writes.update(_account(p), [AccountModel.totp_last_step.set(totp_step)], condition, label="account")
    if recovery_hash is not None:
        condition = condition & AccountModel.recovery_code_hashes.contains(recovery_hash)
        return writes.update(
            _account(p), [AccountModel.recovery_code_hashes.delete({recovery_hash})], condition, label="account"
        )
    return writes.check(AccountModel(p.account_id), condition, label="account")


def commit(items: Iterable[writes.Write]) -> None:
    """Write ``items`` in one transaction; raises WriteRefusedError when a condition failed."""
    account_settings.commit(items)


# -- second steps ------------------------------------------------------------------------


@dataclass(frozen=True)
class SecondStep:
    step_id: str
    account_id: str
    ways: tuple[str, ...]
    reason: str
    password_digest: str
    window_key: str | None
    binding_hash: str
    valid_until: datetime
    tries: int
    sends: int
    used: bool

    def expired(self, now: datetime) -> bool:
        return self.valid_until <= now


def _step_key(step_id: str) -> str:
    return f"step#{step_id}"


def create_step(
    step_id: str,
    *,
    account_id: str,
    ways: Iterable[str],
    reason: str,
    password_digest: str,
    window_key: str | None,
    binding_hash: str,
    valid_until: datetime,
) -> None:
    """One conditional PutItem (the id is new)."""
    tables.ready()
    SecondStepRecordModel(
        _step_key(step_id),
        account_id=account_id,
        methods=",".join(ways),
        reason=reason,
        password_digest=password_digest,
        window_key=window_key,
        binding_hash=binding_hash,
        valid_until=to_epoch(valid_until),
        tries=0,
        sends=0,
        expires_at=valid_until + _GRACE,
    ).save(condition=SecondStepRecordModel.flow_key.does_not_exist())


def get_step(step_id: str) -> SecondStep | None:
    """The record, by one consistent GetItem, or None. Its validity is the caller's to check."""
    tables.ready()
    try:
        item = SecondStepRecordModel.get(_step_key(step_id), consistent_read=True)
    except DoesNotExist:
        return None
    if not isinstance(item, SecondStepRecordModel):
        return None
    return SecondStep(
        step_id=step_id,
        account_id=item.account_id,
        ways=tuple(w for w in item.methods.split(",") if w),
        reason=item.reason,
        password_digest=item.password_digest,
        window_key=item.window_key,
        binding_hash=item.binding_hash,
        valid_until=from_epoch(int(item.valid_until)),
        tries=int(item.tries or 0),
        sends=int(item.sends or 0),
        used=bool(item.used),
    )


def _live(binding_hash: str, now: datetime):
    record = SecondStepRecordModel
    return (
        record.flow_key.exists()
        & record.used.does_not_exist()
        & (record.binding_hash == binding_hash)
        & (record.valid_until > to_epoch(now))
    )


def _count(step_id: str, counter, limit: int, binding_hash: str, now: datetime) -> int:
    tables.ready()
    model = SecondStepRecordModel(_step_key(step_id))
    try:
        model.update(actions=[counter.add(1)], condition=_live(binding_hash, now) & (counter < limit))
    except UpdateError as exc:
        if is_condition_failure(exc):
            raise StepRefusedError(step_id) from exc
        raise
    return int(getattr(model, counter.attr_name) or 0)


def reserve_try(step_id: str, binding_hash: str, now: datetime, limit: int) -> int:
    """Count one code *before* it is checked (at most ``limit`` per record); the count after."""
    return _count(step_id, SecondStepRecordModel.tries, limit, binding_hash, now)


def reserve_send(step_id: str, binding_hash: str, now: datetime, limit: int) -> int:
    """Count one SMS code sent for the record (at most ``limit``)."""
    return _count(step_id, SecondStepRecordModel.sends, limit, binding_hash, now)


def use_step(step: SecondStep, binding_hash: str, now: datetime) -> writes.Write:
    """The write that uses the record up, for the session's transaction (condition: unused,
    unexpired, this browser's)."""
    record = SecondStepRecordModel
    return writes.update(
        record(_step_key(step.step_id)), [record.used.set(True)], condition=_live(binding_hash, now), label="step"
    )


# -- known devices -------------------------------------------------------------------------


def _device_key(account_id: str, device_hash: str) -> str:
    return f"device#{account_id}#{device_hash}"


def device_seen_at(account_id: str, device_hash: str, now: datetime, memory: timedelta) -> datetime | None:
    """When the device last logged in to the account, if within ``memory`` (one GetItem)."""
    tables.ready()
    try:
        item = KnownDeviceModel.get(_device_key(account_id, device_hash))
    except DoesNotExist:
        return None
    if not isinstance(item, KnownDeviceModel):
        return None
    seen = from_epoch(int(item.last_seen))
    return seen if now - seen < memory else None


def device_seen(account_id: str, device_hash: str, now: datetime, memory: timedelta) -> writes.Write:
    """The device seen now, for the session's transaction (a put: last write wins)."""
    return writes.put(
        KnownDeviceModel(
            _device_key(account_id, device_hash),
            account_id=account_id,
            last_seen=to_epoch(now),
            expires_at=now + memory,
        ),
        label="device",
    )
