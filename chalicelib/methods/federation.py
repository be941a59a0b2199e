"""One account resolution for every federated login method (江苏政务 now; 电子社保卡, 支付宝 next).

Given what a provider vouches for (its subject, and the person's name, ID number and
phone), find or make the hall's account:

1. Already linked (the claim ``oidc#<provider>#<subject mac>``) → that account.
2. Not linked, but the ID number has an account → link it automatically only when the
   provider verified the person against the population register (assurance 实名 or
   better) AND both the ID number and the name match the account; the link claim
   (unique) and a ``Linked`` audit event commit in the session's own transaction.
   Otherwise → :class:`LinkRequired`: the citizen logs in by password first (proving
   the account by its password or an SMS code and then linking is the next slice).
   Why automatic linking is safe enough here: a verified provider identity with the
   same ID number and name is the same evidence the hall's own registration accepts
   for 实名 (base library match), without the phone.
3. Nothing matches → create the account at the level the provider vouches for, through
   the registration's uniqueness transaction (ID and phone claims, the 亲情号 check),
   with the link claim and the ``Registered`` event in the same transaction.

Two concurrent first logins with one subject make one link: the link is a claim written
under ``attribute_not_exists``; the loser's transaction is cancelled and it resolves
again, finding the winner's link.

Reads: one BatchGetItem (link and ID claims), one GetItem (the account).
"""

from __future__ import annotations

from chalicelib import settings
from chalicelib.citizen_data import id_number_mac, protect_id_number, protect_name, protect_phone
from chalicelib.context import RequestContext
from chalicelib.crypto import equal, mac
from chalicelib.domain import identity
from chalicelib.domain.levels import AuthLevel
from chalicelib.errors import HallError
from chalicelib.flows.login import Authenticated, LinkRequired, Step
from chalicelib.observability import count, logger
from chalicelib.store import accounts, audit
from chalicelib.store.errors import ClaimTakenError
from chalicelib.store.lockouts import account_subject

__all__ = ["resolve", "resolve_linked", "subject_mac"]

# The provider's assurance at or above which it verified the person against the population register.
REAL_NAME_ASSURANCE = 2


def subject_mac(provider: str, subject: str) -> str:
    return mac(f"oidc_subject:{provider}", subject)


def resolve_linked(provider: str, method_id: str, flow_id: str, subject: str, ctx: RequestContext) -> Step:
    """The step a federated login ends with when the provider vouches for no ID number (支付宝
    gives only its user id): the linked account, or :class:`LinkRequired` (asking for the ID
    number and an SMS code, then linking, is the next slice). One GetItem, one more on a link."""
    link_key = accounts.link_claim_key(provider, subject_mac(provider, subject))
    found = accounts.find_account_ids([link_key])
    if link_key in found:
        account = accounts.get(found[link_key])
        if account is not None:
            return Authenticated(account)
    count("LoginLinkRequired", method=method_id)
    return LinkRequired(flow_id, provider)


def resolve(provider: str, method_id: str, flow_id: str, vouched, ctx: RequestContext) -> Step:
    """The step a federated login ends with: ``vouched`` is the provider's identity
    (subject, name, id_number, phone, assurance)."""
    try:
        id_number = identity.validate_id_number(identity.DocumentType.RESIDENT_ID, vouched.id_number, ctx.now.date())
        name = identity.validate_name(identity.DocumentType.RESIDENT_ID, vouched.name)
    except identity.InvalidValue:
        raise HallError.oidc_token_invalid() from None
    link_key = accounts.link_claim_key(provider, subject_mac(provider, vouched.subject))
    id_key = accounts.id_claim_key(identity.DocumentType.RESIDENT_ID.value, id_number_mac(id_number))
    for _ in range(2):  # a second pass only after losing a race to make the same link
        found = accounts.find_account_ids([link_key, id_key])
        if link_key in found:
            account = accounts.get(found[link_key])
            if account is None:
                raise HallError.oidc_state_invalid()  # a link to an account that is gone
            return Authenticated(account)
        if id_key in found:
            return _link_existing(provider, method_id, flow_id, vouched, found[id_key], name, ctx)
        created = _create(provider, method_id, vouched, id_number, name, ctx)
        if created is not None:
            return created
    raise HallError.login_flow_expired()


def _link_existing(provider, method_id, flow_id, vouched, account_id, name, ctx) -> Step:
    account = accounts.get(account_id)
    same_name = account is not None and equal(account.name_mac, protect_name(name).mac)
    if account is None or vouched.assurance < REAL_NAME_ASSURANCE or not same_name:
        count("LoginLinkRequired", method=method_id)
        return LinkRequired(flow_id, provider)
    mac_ = subject_mac(provider, vouched.subject)
    writes = (
        accounts.link_write(provider, mac_, account.account_id, ctx.now),
        audit.event(account_subject(account.account_id), "Linked", ctx.now, method=method_id, provider=provider),
    )
    logger.append_keys(linked_provider=provider)
    return Authenticated(account, session_writes=writes)


def _create(provider, method_id, vouched, id_number, name, ctx) -> Step | None:
    if not vouched.phone:
        return LinkRequired("", provider)  # no phone to give the account: register or log in first
    try:
        phone = identity.validate_phone(vouched.phone)
    except identity.InvalidValue:
        raise HallError.oidc_token_invalid() from None
    level = AuthLevel.REAL_NAME if vouched.assurance >= REAL_NAME_ASSURANCE else AuthLevel.REGISTERED
    new = accounts.NewAccount(
        id_type=identity.DocumentType.RESIDENT_ID.value,
        id_number=protect_id_number(id_number),
        name=protect_name(name),
        phone=protect_phone(phone),
        password_hash=None,  # logs in through the provider until the citizen sets a password
        level=int(level),
        # The provider's own terms were accepted at its 授权 step; the hall's agreement version
        # is recorded as for any account (the first page after login may ask again: not yet built).
        agreement_version=settings.get().agreement_version,
        agreement_accepted_at=ctx.now,
    )
    account_id = accounts.new_account_id()
    mac_ = subject_mac(provider, vouched.subject)
    event = audit.event(
        account_subject(account_id), "Registered", ctx.now, method=method_id, level=int(level), provider=provider
    )
    try:
        account = accounts.create(
            new, ctx.now, account_id, with_items=(accounts.link_write(provider, mac_, account_id, ctx.now), event)
        )
    except ClaimTakenError as exc:
        if "with_items" in exc.claims and len(exc.claims) == 1:
            return None  # another first login with this subject made the link: resolve again
        if "id" in exc.claims:
            return None  # registered meanwhile: resolve again (link or LinkRequired)
        count("RegistrationRejected", reason=exc.claims[0])
        if "family" in exc.claims:
            raise HallError.family_number_bound() from None
        raise HallError.phone_taken() from None
    count("Registered", level=level.name, method=method_id)
    logger.append_keys(account_id=account_id, event="account registered", auth_level=int(level))
    return Authenticated(account)
