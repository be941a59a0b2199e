"""Re-authentication proofs (``reauth#<hash>`` on the flows table): short-lived and single use.

A citizen who proved again that it is them (password or an SMS code to the bound phone) gets a
random proof; only its hash is stored, with the account, the purpose (``export`` or ``cancel``)
and ``valid_until``. Spending it is one conditional update (unused, unexpired, this account, this
purpose), so of two uses at once one wins; a proof that does not fit is refused whatever the
reason, with nothing written.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from pynamodb.exceptions import UpdateError

from chalicelib.clock import to_epoch
from chalicelib.store import tables, writes
from chalicelib.store.errors import is_condition_failure
from chalicelib.store.models import ReauthProofRecordModel

__all__ = ["create", "spend", "spend_write"]

_GRACE = timedelta(hours=1)


def _key(proof_hash: str) -> str:
    return f"reauth#{proof_hash}"


def create(proof_hash: str, account_id: str, purpose: str, method: str, valid_until: datetime) -> None:
    """Store a new proof (condition: its key unused, as a fresh random value always is)."""
    tables.ready()
    ReauthProofRecordModel(
        _key(proof_hash),
        account_id=account_id,
        purpose=purpose,
        method=method,
        valid_until=to_epoch(valid_until),
        expires_at=valid_until + _GRACE,
    ).save(condition=ReauthProofRecordModel.flow_key.does_not_exist())


def _spend_condition(account_id: str, purpose: str, now: datetime):
    record = ReauthProofRecordModel
    return (
        record.flow_key.exists()
        & (record.kind == ReauthProofRecordModel)
        & record.used.does_not_exist()
        & (record.valid_until > to_epoch(now))
        & (record.account_id == account_id)
        & (record.purpose == purpose)
    )


def spend(proof_hash: str, account_id: str, purpose: str, now: datetime) -> bool:
    """Use the proof up; False (nothing written) when it is unknown, used, expired, another
    account's or for another purpose."""
    tables.ready()
    try:
        ReauthProofRecordModel(_key(proof_hash)).update(
            actions=[ReauthProofRecordModel.used.set(True)],
            condition=_spend_condition(account_id, purpose, now),
        )
    except UpdateError as exc:
        if is_condition_failure(exc):
            return False
        raise
    return True


def spend_write(proof_hash: str, account_id: str, purpose: str, now: datetime) -> writes.Write:
    """The same use, for another repository's transaction (the 注销 request's): of the proof and
    the request, both or neither."""
    return writes.update(
        ReauthProofRecordModel(_key(proof_hash)),
        [ReauthProofRecordModel.used.set(True)],
        _spend_condition(account_id, purpose, now),
        label="proof",
    )
