"""账号绑定 in the user center: which identity providers the account is tied to, and untying one.

The rule (a provider may be untied unless it is the last way to log in) is
chalicelib.domain.links'; the unlink's transaction re-checks it in its conditions
(chalicelib.store.accounts.unlink), so two unlinks at once cannot both take the last way.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from chalicelib.clock import CHINA
from chalicelib.context import RequestContext
from chalicelib.domain import links as link_rules
from chalicelib.errors import HallError
from chalicelib.observability import count, logger
from chalicelib.store import accounts, audit
from chalicelib.store.errors import WriteRefusedError
from chalicelib.store.lockouts import account_subject

__all__ = ["listing", "unlink"]


def _has_phone(account: accounts.Account) -> bool:
    return bool(getattr(account, "phone_mac", None))


def _linked_on(entry: dict) -> str | None:
    try:
        return datetime.fromisoformat(str(entry.get("linked_at"))).astimezone(CHINA).date().isoformat()
    except ValueError:
        return None


def _may_unlink(account: accounts.Account, provider: str) -> bool:
    return link_rules.may_unlink(
        provider, has_password=bool(account.password_hash), has_phone=_has_phone(account), linked=set(account.links)
    )


def _view(account: accounts.Account) -> list[dict]:
    rows = []
    for provider, label in link_rules.PROVIDERS.items():
        entry = account.links.get(provider)
        rows.append(
            {
                "provider": provider,
                "label": label,
                "linked": entry is not None,
                "linked_on": _linked_on(entry) if entry else None,
                "may_unlink": _may_unlink(account, provider),
                "may_bind": entry is None and provider in link_rules.BOUND_BY_REDIRECT,
            }
        )
    return rows


def _account(account_id: str) -> accounts.Account:
    account = accounts.get(account_id)
    if account is None:
        raise HallError.unauthenticated()
    return account


def listing(account_id: str) -> list[dict]:
    """The providers, each linked (with the date, China time) or not, and whether it may be untied."""
    return _view(_account(account_id))


def unlink(account_id: str, provider: str, ctx: RequestContext) -> list[dict]:
    """Untie ``provider`` (claim, ``links`` entry and ``Unlinked`` event in one transaction)."""
    account = _account(account_id)
    linked = set(account.links)
    if provider not in linked:
        raise HallError.link_not_found()
    if not _may_unlink(account, provider):
        raise HallError.link_last_method()
    event = audit.event(account_subject(account_id), "Unlinked", ctx.now, provider=provider)
    try:
        accounts.unlink(account, provider, link_rules.others_keeping_a_way(provider, linked), event)
    except WriteRefusedError:
        # Changed since read (another unlink at the same moment): say what holds now.
        if provider not in _account(account_id).links:
            raise HallError.link_not_found() from None
        raise HallError.link_last_method() from None
    count("AccountUnlinked", provider=provider)
    logger.append_keys(event="account unlinked", unlinked_provider=provider)
    # The account as the transaction left it (the entry it removed gone): no second read.
    return _view(replace(account, links={p: e for p, e in account.links.items() if p != provider}))
