"""Federated logins waiting for their account (``link#<id>`` on the flows table).

A provider vouched for someone the hall cannot log in yet (no link, and either an account
to prove or none to log in to). The record keeps what the provider vouched for (citizen
data as MAC + ciphertext + masked form, chalicelib.citizen_data), the step the citizen is
at, and the hash of a secret only the browser that logged in at the provider holds. It is
valid 10 minutes and used once: the write that uses it joins the transaction that links
(the session's) or creates the account, so a second use cannot commit. Every read
compares ``valid_until`` with the clock; the TTL only tidies up.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from pynamodb.exceptions import DoesNotExist, UpdateError

from chalicelib.citizen_data import Protected
from chalicelib.clock import from_epoch, to_epoch
from chalicelib.store import tables, writes
from chalicelib.store.errors import StoreError, is_condition_failure
from chalicelib.store.models import LinkRecordModel

__all__ = [
    "IDENTIFY",
    "PHONE",
    "PROVE",
    "REGISTER",
    "LinkRefusedError",
    "LoginLink",
    "create",
    "get",
    "identified",
    "reserve_identify_try",
    "use",
]

# The steps: prove an account (its password or an SMS code to its phone); say which ID
# number (the provider gave none); give a name and phone for a new account (register); give
# a phone for a new account whose person the provider vouched for (phone).
PROVE, IDENTIFY, REGISTER, PHONE = "prove", "identify", "register", "phone"
_GRACE = timedelta(hours=1)


@dataclass(frozen=True)
class LoginLink:
    link_id: str
    provider: str
    method_id: str
    subject_mac: str
    step: str
    binding_hash: str
    valid_until: datetime
    used: bool
    level: int | None
    account_id: str | None
    id_type: str | None
    id_number: Protected | None
    name: Protected | None
    asks_id: bool  # the provider gave no ID number: the citizen says which (at most a few times)

    def expired(self, now: datetime) -> bool:
        return self.valid_until <= now


class LinkRefusedError(StoreError):
    """A change of the record did not hold (used, expired, another browser's, or its tries spent)."""


def _key(link_id: str) -> str:
    return f"link#{link_id}"


def _protected(mac, cipher, masked) -> Protected | None:
    return Protected(mac, cipher, masked) if mac else None


def _record(item: LinkRecordModel, link_id: str) -> LoginLink:
    return LoginLink(
        link_id=link_id,
        provider=item.provider,
        method_id=item.method_id,
        subject_mac=item.subject_mac,
        step=item.step,
        binding_hash=item.binding_hash,
        valid_until=from_epoch(int(item.valid_until)),
        used=bool(item.used),
        level=int(item.level) if item.level is not None else None,
        account_id=item.account_id,
        id_type=item.id_type,
        id_number=_protected(item.id_mac, item.id_cipher, item.id_masked),
        name=_protected(item.name_mac, item.name_cipher, item.name_masked),
        asks_id=item.identify_tries is not None,
    )


def create(
    link_id: str,
    *,
    provider: str,
    method_id: str,
    subject_mac: str,
    step: str,
    binding_hash: str,
    valid_until: datetime,
    level: int | None = None,
    account_id: str | None = None,
    id_type: str | None = None,
    id_number: Protected | None = None,
    name: Protected | None = None,
) -> None:
    """One conditional PutItem (the id is new)."""
    tables.ready()
    LinkRecordModel(
        _key(link_id),
        provider=provider,
        method_id=method_id,
        subject_mac=subject_mac,
        step=step,
        binding_hash=binding_hash,
        valid_until=to_epoch(valid_until),
        level=level,
        account_id=account_id,
        id_type=id_type,
        id_mac=id_number.mac if id_number else None,
        id_cipher=id_number.cipher if id_number else None,
        id_masked=id_number.masked if id_number else None,
        name_mac=name.mac if name else None,
        name_cipher=name.cipher if name else None,
        name_masked=name.masked if name else None,
        identify_tries=0 if step == IDENTIFY else None,
        expires_at=valid_until + _GRACE,
    ).save(condition=LinkRecordModel.flow_key.does_not_exist())


def get(link_id: str) -> LoginLink | None:
    """The record, by one (consistent) GetItem, or None. Its validity is the caller's to check."""
    tables.ready()
    try:
        item = LinkRecordModel.get(_key(link_id), consistent_read=True)
    except DoesNotExist:
        return None
    return _record(item, link_id) if isinstance(item, LinkRecordModel) else None


def _live(binding_hash: str, now: datetime):
    record = LinkRecordModel
    return (
        record.flow_key.exists()
        & record.used.does_not_exist()
        & (record.binding_hash == binding_hash)
        & (record.valid_until > to_epoch(now))
    )


def reserve_identify_try(link_id: str, binding_hash: str, now: datetime, max_tries: int) -> None:
    """Count one ID number the citizen typed, before it is looked up (at most ``max_tries``
    per record, so a record is no oracle of who has an account). Raises LinkRefusedError."""
    tables.ready()
    record = LinkRecordModel
    try:
        record(_key(link_id)).update(
            actions=[record.identify_tries.add(1)],
            condition=_live(binding_hash, now) & (record.identify_tries < max_tries),
        )
    except UpdateError as exc:
        if is_condition_failure(exc):
            raise LinkRefusedError(link_id) from exc
        raise


def identified(
    link_id: str,
    binding_hash: str,
    now: datetime,
    step: str,
    id_type: str,
    id_number: Protected,
    account_id: str | None,
) -> None:
    """The ID number the citizen said: on to ``prove`` (it has ``account_id``) or ``register``."""
    tables.ready()
    record = LinkRecordModel
    actions = [
        record.step.set(step),
        record.id_type.set(id_type),
        record.id_mac.set(id_number.mac),
        record.id_cipher.set(id_number.cipher),
        record.id_masked.set(id_number.masked),
        record.account_id.set(account_id) if account_id else record.account_id.remove(),
    ]
    try:
        record(_key(link_id)).update(
            actions=actions, condition=_live(binding_hash, now) & record.identify_tries.exists()
        )
    except UpdateError as exc:
        if is_condition_failure(exc):
            raise LinkRefusedError(link_id) from exc
        raise


def use(link: LoginLink, binding_hash: str, now: datetime) -> writes.Write:
    """The write that uses the record up, for the transaction that links or creates: on
    condition it is unused, valid, this browser's and still at the step and account read."""
    record = LinkRecordModel
    condition = _live(binding_hash, now) & (record.step == link.step)
    if link.account_id:
        condition = condition & (record.account_id == link.account_id)
    return writes.update(record(_key(link.link_id)), [record.used.set(True)], condition=condition, label="link_record")
