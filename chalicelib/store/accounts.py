"""Accounts and the unique claims that point at them."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime

from pynamodb.exceptions import DoesNotExist, GetError, TransactWriteError
from pynamodb.transactions import TransactGet, TransactWrite

from chalicelib.citizen_data import Protected
from chalicelib.domain.lockout import LockState
from chalicelib.store import lockouts, records, tables, writes
from chalicelib.store.errors import (
    ClaimTakenError,
    WriteRefusedError,
    cancellation_codes,
    with_conflict_retries,
)
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
    "link_to_account",
    "link_write",
    "password_still",
    "password_update",
    "phone_claim_key",
    "put_family_claim",
    "put_link",
    "unlink",
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
    return writes.put(claim, condition=ClaimModel.claim_key.does_not_exist(), label="link")


def link_entry(subject_mac: str, now: datetime) -> dict:
    """One entry of an account's ``links`` map (a new account carries it in ``NewAccount.links``)."""
    return {"subject_mac": subject_mac, "linked_at": now.isoformat()}


def link_to_account(
    account: Account, provider: str, subject_mac: str, now: datetime, password_proved: bool = False
) -> writes.Write:
    """The account's side of a new link, for the transaction that writes its claim
    (:func:`link_write`): the ``links`` entry, on condition the account has none for this
    provider and is as read (its version). ``password_proved``: the link was proved by the
    password just verified, which must still be the account's (the condition
    :func:`password_still` would add; a transaction may touch the account once, so this
    write carries it, and a rehash waits for the next password login)."""
    entry = link_entry(subject_mac, now)
    if account.links_stored:  # a map to add to (an update path into a missing map would fail)
        actions = [AccountModel.links[provider].set(entry)]
        condition = AccountModel.links.exists() & AccountModel.links[provider].does_not_exist()
    else:
        actions = [AccountModel.links.set({provider: entry})]
        condition = AccountModel.links.does_not_exist()
    if password_proved:
        condition = condition & (AccountModel.password_hash == account.password_hash)
    model = AccountModel(account.account_id, version=account.version)
    return writes.update(
        model,
        [*actions, AccountModel.updated_at.set(now)],
        condition=AccountModel.account_id.exists() & condition,
        label="account",
    )


@dataclass(frozen=True)
class Account:
    account_id: str
    id_type: str
    id_mac: str
    id_masked: str
    name_masked: str
    # None when the account has no phone bound (released by an appeal): see AccountModel
    phone_mac: str | None
    phone_masked: str | None
    phone_cipher: str | None
    password_hash: str | None
    level: int
    created_at: datetime
    name_mac: str = ""
    # provider id → {"subject_mac", "linked_at" (ISO)}: the identity providers tied to the account
    links: dict = field(default_factory=dict)
    version: int | None = None  # as read: an update of the account is conditioned on it
    links_stored: bool = False  # whether the item has a ``links`` map at all (empty after an unlink)
    # binding id → entry: the 亲情号 the account bound (store/family_numbers.bound_for_account reads it);
    # None when the item has no ``family`` map yet
    family: dict | None = None
    id_cipher: str = ""
    name_cipher: str = ""
    # 登录保护 (store/login_protection.py): the second step password login asks for (None: off),
    # and the risk step-up's facts: when the account was last locked, last recovered or reclaimed.
    second_factor: str | None = None
    locked_at: datetime | None = None
    recovered_at: datetime | None = None
    # 账号注销: when the pending deletion falls due (None: none pending); a login withdraws it
    # (store/cancellations.login_writes), with no read beyond the account every login reads.
    cancel_after: datetime | None = None


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
    links: dict | None = None  # an account made by an identity provider is born linked


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
        links=_links_of(item),
        version=item.version,
        links_stored=item.links is not None,
        family=_family_of(item),
        id_cipher=item.id_cipher,
        name_cipher=item.name_cipher,
        second_factor=item.second_factor,
        locked_at=item.locked_at,
        recovered_at=max((t for t in (item.recovered_at, item.reclaimed_at) if t), default=None),
        cancel_after=item.cancel_after,
    )


def _family_of(item: AccountModel) -> dict | None:
    value = item.family
    if value is None:
        return None
    raw = value.as_dict() if hasattr(value, "as_dict") else dict(value)
    return {binding_id: dict(entry) for binding_id, entry in raw.items()}


def _links_of(item: AccountModel) -> dict:
    value = item.links
    if value is None:
        return {}
    raw = value.as_dict() if hasattr(value, "as_dict") else dict(value)
    return {provider: dict(entry) for provider, entry in raw.items()}


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
        links=new.links or None,
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
    previous = [
        *(("id", id_claim_key(new.id_type, m)) for m in new.id_number.previous_macs),
        *(("family", family_claim_key(new.id_type, m)) for m in new.id_number.previous_macs),
        *(("phone", phone_claim_key(m)) for m in new.phone.previous_macs),
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
            for _, key in previous:  # held under a previous crypto suite's MAC (a migration): taken too
                tx.condition_check(ClaimModel, key, condition=ClaimModel.claim_key.does_not_exist())
            tx.save(item, condition=AccountModel.account_id.does_not_exist())
            for extra in with_items:  # e.g. the first session and its audit event: all or nothing
                extra.add_to(tx)
    except TransactWriteError as exc:
        reasons = exc.cancellation_reasons or []

        # PynamoDB sends condition checks first, then deletes, puts and updates, each in the order added.
        def labels(op: str) -> list[str]:
            return [getattr(w, "label", "") or "with_items" for w in with_items if getattr(w, "op", "put") == op]

        names = [
            "family",
            *(name for name, _ in previous),
            *labels("delete"),
            "id",
            "phone",
            "account",
            *labels("put"),
            *labels("update"),
        ]
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


def password_update(account: Account, password_hash: str, now: datetime, recovered: bool = False) -> writes.Write:
    """The account's new password, for another repository's transaction (a recovery's last
    write): conditioned on the account's version as read, so a change made meanwhile cancels it.
    ``recovered``: a recovery's (忘记密码找回), whose time the risk step-up reads (``recovered_at``)."""
    item = AccountModel(account.account_id, version=account.version)  # the version condition, and +1
    actions = [AccountModel.password_hash.set(password_hash), AccountModel.updated_at.set(now)]
    if recovered:
        actions.append(AccountModel.recovered_at.set(now))
    return writes.update(item, actions, AccountModel.account_id.exists(), label="account")


def password_still(account: Account, now: datetime, rehash: str | None = None) -> writes.Write:
    """For a password login's session transaction: the password just verified is still the
    account's (a recovery that replaced it meanwhile cancels the session), and when its hash
    was made with old parameters, ``rehash`` replaces it under the same condition."""
    condition = AccountModel.password_hash == account.password_hash
    if rehash is None:
        return writes.check(AccountModel(account.account_id), condition, label="account")
    return writes.update(
        AccountModel(account.account_id, version=account.version),
        [AccountModel.password_hash.set(rehash), AccountModel.updated_at.set(now)],
        condition,
        label="account",
    )


def put_link(provider: str, subject_mac: str, account_id: str, now: datetime) -> bool:
    """Tie a provider's account to ours on its own (dev seeding of preset links, tests): the
    claim and the account's ``links`` entry in one transaction; False if either was tied already."""
    account = get(account_id)
    if account is None:
        return False
    try:
        with TransactWrite(connection=tables.connection()) as tx:
            link_write(provider, subject_mac, account_id, now).add_to(tx)
            link_to_account(account, provider, subject_mac, now).add_to(tx)
    except TransactWriteError as exc:
        if "ConditionalCheckFailed" in cancellation_codes(exc):
            return False
        raise
    return True


def unlink(account: Account, provider: str, others_needed: tuple[str, ...], event: writes.Write) -> None:
    """Untie ``provider`` from the account in one transaction: delete its claim (condition:
    held by this account), remove the ``links`` entry (condition: present, and the account
    keeps another way to log in: a password, a phone or one of the links ``others_needed``
    names) and write ``event``. Raises :class:`WriteRefusedError` when a condition fails."""
    tables.ready()
    entry = account.links.get(provider) or {}
    keeps_a_way = AccountModel.password_hash.exists() | AccountModel.phone_mac.exists()
    for other in others_needed:
        keeps_a_way = keeps_a_way | AccountModel.links[other].exists()
    claim = ClaimModel(link_claim_key(provider, str(entry.get("subject_mac") or "")))

    def commit() -> None:
        with TransactWrite(connection=tables.connection()) as tx:
            tx.delete(claim, condition=ClaimModel.account_id == account.account_id)
            tx.update(
                AccountModel(account.account_id, version=account.version),  # (a version bump, not a condition)
                actions=[AccountModel.links[provider].remove()],
                condition=AccountModel.links[provider].exists() & keeps_a_way,
                add_version_condition=False,
            )
            event.add_to(tx)

    try:
        with_conflict_retries(commit)
    except TransactWriteError as exc:
        raise WriteRefusedError(", ".join(c or "-" for c in cancellation_codes(exc))) from exc


def put_family_claim(holder_account_id: str, doc_type: str, id_mac: str, now: datetime) -> None:
    """A bare family claim (亲情号) held by ``holder_account_id``, without the binder's entry: for
    tests of what registration refuses. Bindings are made by store/family_numbers.bind (claim and
    the account's ``family`` entry together); release_writes frees a bare claim too."""
    tables.ready()
    ClaimModel(family_claim_key(doc_type, id_mac), account_id=holder_account_id, kind="family", created_at=now).save(
        condition=ClaimModel.claim_key.does_not_exist()
    )
