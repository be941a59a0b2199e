"""Nonces of platforms' signed callbacks (``nonce#<provider>#<nonce>`` on the flows table).

A callback's nonce is recorded once by a conditional put before anything the callback asks is
done, and kept past the callback's timestamp window, so a replay within the window always finds
it. Used by the 电子社保卡 platform's callback (provider ``essc``) and the face-verification
provider's (``face``).
"""

from __future__ import annotations

from datetime import datetime

from pynamodb.exceptions import PutError

from chalicelib.clock import to_epoch
from chalicelib.store import tables
from chalicelib.store.errors import StoreError, is_condition_failure
from chalicelib.store.models import CallbackNonceModel

__all__ = ["NonceReusedError", "use"]


class NonceReusedError(StoreError):
    """The platform's nonce was seen before: a replayed callback."""


def use(provider: str, nonce: str, now: datetime, keep_until: datetime) -> None:
    """Record ``provider``'s callback nonce once (a conditional put): a second use raises NonceReusedError."""
    tables.ready()
    item = CallbackNonceModel(
        f"nonce#{provider}#{nonce}", provider=provider, seen_at=to_epoch(now), expires_at=keep_until
    )
    try:
        item.save(condition=CallbackNonceModel.flow_key.does_not_exist())
    except PutError as exc:
        if is_condition_failure(exc):
            raise NonceReusedError(nonce) from exc
        raise
