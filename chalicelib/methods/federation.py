"""One account resolution for every federated login method (电子社保卡, 江苏政务, 支付宝).

Given what a provider vouches for (its subject, and the person's name, ID number and
phone), find or make the hall's account:

1. Already linked (the claim ``oidc#<provider>#<subject mac>``) → that account.
2. Not linked, but the ID number has an account → link it automatically only when the
   provider verified the person against the population register (assurance 实名 or
   better) AND both the ID number and the name match the account; the link claim
   (unique), the account's ``links`` entry and a ``Linked`` audit event commit in the
   session's own transaction. Otherwise → :class:`LinkRequired` at step ``prove``: the
   link step (chalicelib.flows.login_link) asks the account's password or an SMS code
   sent to its phone, then links. Why automatic linking is safe enough here: a verified
   provider identity with the same ID number and name is the same evidence the hall's
   own registration accepts for 实名 (base library match), without the phone.
3. Nothing matches → create the account at the level the provider vouches for, through
   the registration's uniqueness transaction (ID and phone claims, the 亲情号 check),
   with the link claim, the ``links`` entry and the ``Registered`` event in the same
   transaction. Without a phone from the provider (电子社保卡; 江苏政务 may give none)
   → :class:`LinkRequired` at step ``phone``: the link step asks 移动电话 + SMS code first.
4. A provider that vouches for no ID number (支付宝): linked → log in; otherwise
   :class:`LinkRequired` at step ``identify`` (证件类型 + 证件号码, then 2 or 3).
5. 去绑定 (:func:`bind`): a logged-in citizen started the provider's login from 账号绑定; its
   identity is tied to that account (if the provider vouches for an ID number, it must be
   the account's), with the same writes as 2, and the browser returns to ``/user/links``.

A :class:`LinkRequired` comes with a record (``link#<id>``, chalicelib.store.login_links)
holding what the provider vouched for, bound to the browser by a secret (the ``hall_link``
cookie): a new one for a provider's redirect, or, for the e-SSC platform's callback (no
browser there), the hash the QR's own record holds (that browser's ``hall_qr`` secret).

Two concurrent first logins with one subject make one link: the link is a claim written
under ``attribute_not_exists``; the loser's transaction is cancelled and it resolves
again, finding the winner's link.

Reads: one BatchGetItem (link and ID claims), one GetItem (the account).
"""

from __future__ import annotations

import secrets
from datetime import timedelta

from chalicelib import crypto, settings
from chalicelib.citizen_data import id_number_macs, name_matches, protect_id_number, protect_name, protect_phone
from chalicelib.context import RequestContext
from chalicelib.crypto import equal, mac
from chalicelib.domain import identity
from chalicelib.domain.levels import AuthLevel
from chalicelib.errors import HallError
from chalicelib.flows.login import Authenticated, LinkRequired, Step
from chalicelib.observability import count, logger
from chalicelib.store import accounts, audit, login_links
from chalicelib.store.errors import ClaimTakenError
from chalicelib.store.lockouts import account_subject

__all__ = ["LINK_LIFETIME", "bind", "resolve", "resolve_linked", "subject_mac"]

# The provider's assurance at or above which it verified the person against the population register.
REAL_NAME_ASSURANCE = 2
LINK_LIFETIME = timedelta(minutes=10)
BIND_DONE_PATH = "/user/links"  # where a 去绑定 returns


def subject_mac(provider: str, subject: str) -> str:
    return mac(f"oidc_subject:{provider}", subject)


def _link_keys(provider: str, subject: str) -> list[str]:
    """The link claims a provider's subject may be held under: its MAC under the configured
    crypto suite, and under every other suite the keys document holds (the hall never keeps the
    subject, so a link made before a switch to 国密 cannot be re-keyed and is found as it is)."""
    macs = crypto.macs(f"oidc_subject:{provider}", subject, any_suite=True)
    return [accounts.link_claim_key(provider, m) for m in macs]


def _first(found: dict[str, str], keys: list[str]) -> str | None:
    return next((found[k] for k in keys if k in found), None)


def _ask(
    provider: str, method_id: str, subject: str, step: str, ctx: RequestContext, *, flow_id="", bind_to=None, **held
):
    """:class:`LinkRequired` with its record: what the provider vouched for, the step to ask.
    ``bind_to``: the binding hash of a browser that already holds its secret (the e-SSC QR's;
    the record then takes the QR's id), else a new secret for the ``hall_link`` cookie."""
    secret = None
    if bind_to is None:
        secret = crypto.new_token()
        bind_to = crypto.hash_token(secret)
        flow_id = secrets.token_urlsafe(24)
    login_links.create(
        flow_id,
        provider=provider,
        method_id=method_id,
        subject_mac=subject_mac(provider, subject),
        step=step,
        binding_hash=bind_to,
        valid_until=ctx.now + LINK_LIFETIME,
        **held,
    )
    count("LoginLinkRequired", method=method_id, step=step)
    logger.append_keys(link_step=step)
    return LinkRequired(
        flow_id, provider, browser_secret=secret, browser_secret_max_age=int(LINK_LIFETIME.total_seconds())
    )


def resolve_linked(provider: str, method_id: str, flow_id: str, subject: str, ctx: RequestContext) -> Step:
    """The step a federated login ends with when the provider vouches for no ID number (支付宝
    gives only its user id): the linked account, or :class:`LinkRequired` at step ``identify``
    (the citizen says which ID number). One BatchGetItem, one GetItem more on a link."""
    link_keys = _link_keys(provider, subject)
    holder = _first(accounts.find_account_ids(link_keys), link_keys)
    if holder is not None:
        account = accounts.get(holder)
        if account is not None:
            return Authenticated(account)
    return _ask(provider, method_id, subject, login_links.IDENTIFY, ctx)


def resolve(
    provider: str, method_id: str, flow_id: str, vouched, ctx: RequestContext, bind_to: str | None = None
) -> Step:
    """The step a federated login ends with: ``vouched`` is the provider's identity
    (subject, name, id_number, phone, assurance); ``bind_to`` as for :func:`_ask`."""
    try:
        id_number = identity.validate_id_number(identity.DocumentType.RESIDENT_ID, vouched.id_number, ctx.now.date())
        name = identity.validate_name(identity.DocumentType.RESIDENT_ID, vouched.name)
    except identity.InvalidValue:
        raise HallError.oidc_token_invalid() from None
    link_keys = _link_keys(provider, vouched.subject)
    id_type = identity.DocumentType.RESIDENT_ID.value
    id_keys = [accounts.id_claim_key(id_type, m) for m in id_number_macs(id_number)]
    for _ in range(2):  # a second pass only after losing a race to make the same link
        found = accounts.find_account_ids([*link_keys, *id_keys])
        linked = _first(found, link_keys)
        if linked is not None:
            account = accounts.get(linked)
            if account is None:
                raise HallError.oidc_state_invalid()  # a link to an account that is gone
            return Authenticated(account)
        holder = _first(found, id_keys)
        if holder is not None:
            return _link_existing(provider, method_id, flow_id, vouched, holder, name, ctx, bind_to)
        if not vouched.phone:  # an account needs a phone the citizen proves first
            return _ask(
                provider,
                method_id,
                vouched.subject,
                login_links.PHONE,
                ctx,
                flow_id=flow_id,
                bind_to=bind_to,
                level=int(_level(vouched)),
                id_type=identity.DocumentType.RESIDENT_ID.value,
                id_number=protect_id_number(id_number),
                name=protect_name(name),
            )
        created = _create(provider, method_id, vouched, id_number, name, ctx)
        if created is not None:
            return created
    raise HallError.login_flow_expired()


def bind(
    provider: str, method_id: str, subject: str, account_id: str, ctx: RequestContext, id_number: str | None = None
) -> Step:
    """去绑定: tie the provider's identity to the logged-in account that started the login
    (the state record names it). Refused when the identity is tied to another account, the
    account to another of this provider's, or the ID number vouched for is not the account's."""
    from chalicelib.domain import links as link_rules

    label = link_rules.label(provider)
    account = accounts.get(account_id)
    if account is None:
        raise HallError.login_flow_expired()
    mac_ = subject_mac(provider, subject)
    link_keys = _link_keys(provider, subject)
    holder = _first(accounts.find_account_ids(link_keys), link_keys)
    if holder == account.account_id:
        return Authenticated(account, next_path=BIND_DONE_PATH)  # tied already
    if holder is not None:
        raise HallError.link_subject_taken(label)
    if provider in account.links:
        raise HallError.link_provider_taken(label)
    if id_number is not None:
        try:
            number = identity.validate_id_number(identity.DocumentType.RESIDENT_ID, id_number, ctx.now.date())
        except identity.InvalidValue:
            raise HallError.oidc_token_invalid() from None
        if account.id_type != identity.DocumentType.RESIDENT_ID.value or not any(
            equal(account.id_mac, m) for m in id_number_macs(number)
        ):
            raise HallError.link_identity_mismatch(label)
    writes = (
        accounts.link_write(provider, mac_, account.account_id, ctx.now),
        accounts.link_to_account(account, provider, mac_, ctx.now),
        audit.event(
            account_subject(account.account_id), "Linked", ctx.now, method=method_id, provider=provider, proof="session"
        ),
    )
    logger.append_keys(linked_provider=provider)
    return Authenticated(account, session_writes=writes, next_path=BIND_DONE_PATH)


def _level(vouched) -> AuthLevel:
    return AuthLevel.REAL_NAME if vouched.assurance >= REAL_NAME_ASSURANCE else AuthLevel.REGISTERED


def _link_existing(provider, method_id, flow_id, vouched, account_id, name, ctx, bind_to) -> Step:
    account = accounts.get(account_id)
    if account is None:
        raise HallError.login_flow_expired()  # a claim of an account that is gone
    same_name = name_matches(account.name_mac, name)
    if vouched.assurance < REAL_NAME_ASSURANCE or not same_name or provider in account.links:
        # (an account tied to another of this provider's accounts is told so by the link step)
        return _ask(
            provider,
            method_id,
            vouched.subject,
            login_links.PROVE,
            ctx,
            flow_id=flow_id,
            bind_to=bind_to,
            account_id=account.account_id,
        )
    mac_ = subject_mac(provider, vouched.subject)
    writes = (
        accounts.link_write(provider, mac_, account.account_id, ctx.now),
        accounts.link_to_account(account, provider, mac_, ctx.now),
        audit.event(
            account_subject(account.account_id), "Linked", ctx.now, method=method_id, provider=provider, proof="vouched"
        ),
    )
    logger.append_keys(linked_provider=provider)
    return Authenticated(account, session_writes=writes)


def _create(provider, method_id, vouched, id_number, name, ctx) -> Step | None:
    try:
        phone = identity.validate_phone(vouched.phone)
    except identity.InvalidValue:
        raise HallError.oidc_token_invalid() from None
    level = _level(vouched)
    mac_ = subject_mac(provider, vouched.subject)
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
        links={provider: accounts.link_entry(mac_, ctx.now)},
    )
    account_id = accounts.new_account_id()
    event = audit.event(
        account_subject(account_id), "Registered", ctx.now, method=method_id, level=int(level), provider=provider
    )
    try:
        account = accounts.create(
            new, ctx.now, account_id, with_items=(accounts.link_write(provider, mac_, account_id, ctx.now), event)
        )
    except ClaimTakenError as exc:
        if exc.claims == ["link"]:
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
