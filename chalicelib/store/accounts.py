"""Accounts and the unique claims that point at them."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from pynamodb.exceptions import DoesNotExist, GetError, PutError, TransactWriteError
from pynamodb.transactions import TransactGet, TransactWrite

from chalicelib.citizen_data import Protected
from chalicelib.domain.lockout import LockState
from chalicelib.store import lockouts, records, tables, writes
from chalicelib.store.errors import ClaimTakenError, is_condition_failure, with_conflict_retries
from chalicelib.store.models import AccountModel, ClaimModel, LockoutModel, RateWindowModel

__all__ = [
    "Account",
    "NewAccount",
    "create",
    "family_claim_key",
    "find_account_ids",
    "get",
    "get_with_lock",
    "id_claim_key",
    "link_claim_key",
    "link_write",
    "phone_claim_key",
    "put_family_claim",
    "put_link",
]


def id_claim_key(doc_type: str, id_mac: str) -> str:
    return f"id#{doc_type}#{id_mac}"


def id_claim_keys(id_mac: str, doc_types) -> list[str]:
    """The ID claims a number could be, one per document type (``doc_types``: DocumentTypes)."""
    return [id_claim_key(t.value, id_mac) for t in doc_types]


def phone_claim_key(phone_mac: str) -> str:
    return f"phone#{phone_mac}"


def family_claim_key(doc_type: str, id_mac: str) -> str:
    return f"family#{doc_type}#{id_mac}"


def link_claim_key(provider: str, subject_mac: str) -> str:
    """An identity provider's account tied to ours (``oidc#<provider>#<subject mac>``)."""
    return f"oidc#{provider}#{subject_mac}"


def link_write(provider: str, subject_mac: str, account_id: str, now: datetime) -> writes.Write:
    """The link claim, for another repository's transaction: unique (condition: not held),
    so two concurrent first logins with one subject make one link."""
    claim = ClaimModel(link_claim_key(provider, subject_mac), account_id=account_id, kind="oidc", created_at=now)
    return writes.put(claim, condition=ClaimModel.claim_key.does_not_exist())


@dataclass(frozen=True)
class Account:
    account_id: str
    id_type: str
    id_mac: str
    id_masked: str
    name_masked: str
    phone_mac: str
    phone_masked: str
    phone_cipher: str
    password_hash: str | None
    level: int
    created_at: datetime
    name_mac: str = ""


@dataclass(frozen=True)
class NewAccount:
    id_type: str
    id_number: Protected
    name: Protected
    phone: Protected
    password_hash: str | None  # None: an account made by an identity provider has no password yet
    level: int
    agreement_version: str
    agreement_accepted_at: datetime


def _to_account(item: AccountModel) -> Account:
    return Account(
        account_id=item.account_id,
        id_type=item.id_type,
        id_mac=item.id_mac,
        id_masked=item.id_masked,
        name_masked=item.name_masked,
        phone_mac=item.phone_mac,
        phone_masked=item.phone_masked,
        phone_cipher=item.phone_cipher,
        password_hash=item.password_hash,
        level=int(item.level),
        created_at=item.created_at,
        name_mac=item.name_mac,
    )


def new_account_id() -> str:
    return uuid.uuid4().hex


def preview(new: NewAccount, account_id: str, now: datetime) -> Account:
    """The account ``create`` will write, before it is written (to prepare its first session)."""
    return _to_account(_item(new, account_id, now))


def _item(new: NewAccount, account_id: str, now: datetime) -> AccountModel:
    return AccountModel(
        account_id,
        id_type=new.id_type,
        id_mac=new.id_number.mac,
        id_cipher=new.id_number.cipher,
        id_masked=new.id_number.masked,
        name_mac=new.name.mac,
        name_cipher=new.name.cipher,
        name_masked=new.name.masked,
        phone_mac=new.phone.mac,
        phone_cipher=new.phone.cipher,
        phone_masked=new.phone.masked,
        password_hash=new.password_hash,
        level=new.level,
        agreement_version=new.agreement_version,
        agreement_accepted_at=new.agreement_accepted_at,
        created_at=now,
        updated_at=now,
    )


def create(new: NewAccount, now: datetime, account_id: str | None = None, with_items: tuple = ()) -> Account:
    """Create the account and its ID and phone claims in one transaction.

    The transaction also checks that no account holds the ID as a family number
    (亲情号). Uniqueness is DynamoDB's: two concurrent registrations of one ID
    cannot both commit. ``with_items`` (records made by the store's other
    repositories) are written in the same transaction. Raises
    :class:`ClaimTakenError` naming the claims held.
    """
    tables.ready()
    account_id = account_id or new_account_id()
    item = _item(new, account_id, now)
    claims = [
        (
            "id",
            ClaimModel(id_claim_key(new.id_type, new.id_number.mac), account_id=account_id, kind="id", created_at=now),
        ),
        ("phone", ClaimModel(phone_claim_key(new.phone.mac), account_id=account_id, kind="phone", created_at=now)),
    ]
    try:
        with TransactWrite(connection=tables.connection(), client_request_token=account_id) as tx:
            for _, claim in claims:
                tx.save(claim, condition=ClaimModel.claim_key.does_not_exist())
            tx.condition_check(
                ClaimModel,
                family_claim_key(new.id_type, new.id_number.mac),
                condition=ClaimModel.claim_key.does_not_exist(),
            )
            tx.save(item, condition=AccountModel.account_id.does_not_exist())
            for extra in with_items:  # e.g. the first session and its audit event: all or nothing
                extra.add_to(tx)
    except TransactWriteError as exc:
        reasons = exc.cancellation_reasons or []
        # PynamoDB sends condition checks first, then puts in the order saved.
        names = ["family", "id", "phone", "account"] + ["with_items"] * len(with_items)
        held = [
            name
            for name, reason in zip(names, reasons, strict=False)
            if reason and reason.code == "ConditionalCheckFailed"
        ]
        if held:
            raise ClaimTakenError(held) from exc
        raise
    return _to_account(item)


def get(account_id: str) -> Account | None:
    tables.ready()
    try:
        return _to_account(AccountModel.get(account_id))
    except DoesNotExist:
        return None


def find_account_ids(claim_keys: list[str]) -> dict[str, str]:
    """Claim key → account id for the keys that are claimed, in one BatchGetItem."""
    tables.ready()
    return {claim.claim_key: claim.account_id for claim in ClaimModel.batch_get(claim_keys)}


def get_with_lock(account_id: str, lock_subject: str, window_key: str) -> tuple[Account | None, LockState, int]:
    """The account, its lockout record and the hits of a rate-limit window, in one
    round trip (TransactGetItems)."""
    tables.ready()

    def read():
        with TransactGet(connection=tables.connection()) as tx:
            return (
                tx.get(AccountModel, account_id),
                tx.get(LockoutModel, lock_subject),
                tx.get(RateWindowModel, window_key),
            )

    found = []
    for future in with_conflict_retries(read):
        try:
            found.append(future.get())
        except (DoesNotExist, GetError):
            found.append(None)
    account, lock, window = found
    return (_to_account(account) if account else None), lockouts.state_of(lock), records.hits_of(window)


def set_password_hash(account_id: str, password_hash: str, now: datetime) -> None:
    tables.ready()
    AccountModel(account_id).update(
        actions=[AccountModel.password_hash.set(password_hash), AccountModel.updated_at.set(now)],
        condition=AccountModel.account_id.exists(),
        add_version_condition=False,
    )


def put_link(provider: str, subject_mac: str, account_id: str, now: datetime) -> bool:
    """Tie a provider's account to ours on its own (dev seeding of preset links); False if it was tied already."""
    tables.ready()
    claim = ClaimModel(link_claim_key(provider, subject_mac), account_id=account_id, kind="oidc", created_at=now)
    try:
        claim.save(condition=ClaimModel.claim_key.does_not_exist())
    except PutError as exc:
        if not is_condition_failure(exc):
            raise
        return False
    return True


def put_family_claim(holder_account_id: str, doc_type: str, id_mac: str, now: datetime) -> None:
    """Record that ``holder_account_id`` bound an ID as its family number (亲情号)."""
    tables.ready()
    ClaimModel(family_claim_key(doc_type, id_mac), account_id=holder_account_id, kind="family", created_at=now).save(
        condition=ClaimModel.claim_key.does_not_exist()
    )
