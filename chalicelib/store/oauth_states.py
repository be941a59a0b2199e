"""OAuth / OpenID Connect login states (``oauth#<state>`` on the flows table).

A state is made when the hall sends a browser to an identity provider, and consumed
once when the provider sends it back: the consumption is one conditional update
(exists, not used, still valid, bound to this browser), never a read followed by a
write; only a refused consumption reads the record (the rare path) to say why.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from pynamodb.exceptions import DoesNotExist, UpdateError

from chalicelib.clock import from_epoch, to_epoch
from chalicelib.store import tables
from chalicelib.store.errors import StoreError, is_condition_failure
from chalicelib.store.models import OAuthStateRecordModel

__all__ = ["OAuthState", "StateRefusedError", "consume", "create"]

_GRACE = timedelta(hours=1)


@dataclass(frozen=True)
class OAuthState:
    state: str
    provider: str
    verifier_cipher: str
    nonce: str
    valid_until: datetime
    account_id: str | None = None  # 去绑定: the logged-in account to tie the provider's identity to


class StateRefusedError(StoreError):
    """The state cannot be consumed: ``reason`` is ``unknown`` (never made, another
    provider's, or another browser's), ``expired`` or ``used``."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _key(state: str) -> str:
    return f"oauth#{state}"


def create(
    state: str,
    provider: str,
    verifier_cipher: str,
    nonce: str,
    binding_hash: str,
    valid_until: datetime,
    account_id: str | None = None,
) -> None:
    tables.ready()
    OAuthStateRecordModel(
        _key(state),
        provider=provider,
        verifier_cipher=verifier_cipher,
        nonce=nonce,
        binding_hash=binding_hash,
        valid_until=to_epoch(valid_until),
        account_id=account_id,
        expires_at=valid_until + _GRACE,
    ).save(condition=OAuthStateRecordModel.flow_key.does_not_exist())


def consume(state: str, provider: str, binding_hash: str, now: datetime) -> OAuthState:
    """Use the state up (once) and hand back what the callback needs, or raise
    :class:`StateRefusedError` saying why not."""
    tables.ready()
    record = OAuthStateRecordModel
    item = record(_key(state))
    try:
        item.update(
            actions=[record.used.set(True)],
            condition=(
                record.flow_key.exists()
                & (record.provider == provider)
                & (record.binding_hash == binding_hash)
                & record.used.does_not_exist()
                & (record.valid_until > to_epoch(now))
            ),
        )
    except UpdateError as exc:
        if not is_condition_failure(exc):
            raise
        raise StateRefusedError(_why(state, provider, binding_hash, now)) from None
    return OAuthState(
        state, item.provider, item.verifier_cipher, item.nonce, from_epoch(int(item.valid_until)), item.account_id
    )


def _why(state: str, provider: str, binding_hash: str, now: datetime) -> str:
    try:
        item = OAuthStateRecordModel.get(_key(state), consistent_read=True)
    except DoesNotExist:
        return "unknown"
    if not isinstance(item, OAuthStateRecordModel) or item.provider != provider or item.binding_hash != binding_hash:
        return "unknown"  # another provider's or another browser's: say nothing more about it
    if item.used:
        return "used"
    return "expired" if int(item.valid_until) <= to_epoch(now) else "unknown"
