"""Finding an account from what an operator is told: a phone or an ID number."""

from __future__ import annotations

from chalicelib import clock
from chalicelib.citizen_data import id_number_macs, identifier_mac, phone_macs
from chalicelib.domain import identity
from chalicelib.store import accounts, lockouts


def claim_keys(phone: str | None, id_number: str | None) -> list[str]:
    """The claims the identifier could be: the phone's, or the ID number's under every type it fits.

    Raises :class:`identity.InvalidValue` for a phone that is not a mobile number. The
    same normalisers as registration and login, so another script's digits find nothing.
    """
    if phone:
        return [accounts.phone_claim_key(m) for m in phone_macs(identity.validate_phone(phone))]
    number = identity.normalize_id_number(id_number)
    types = identity.document_types_fitting(number, clock.now().date())
    return [key for mac in id_number_macs(number) for key in accounts.id_claim_keys(mac, types)]


def find_account(phone: str | None, id_number: str | None) -> accounts.Account | None:
    """The account holding the phone or ID number, if any."""
    keys = claim_keys(phone, id_number)
    found = accounts.find_account_ids(keys) if keys else {}
    for key in keys:
        if key in found:
            return accounts.get(found[key])
    return None


def subjects(phone: str | None, id_number: str | None) -> list[str]:
    """Every subject whose events or lock concern this identifier."""
    # Normalised as password login does before counting failures against an identifier.
    raw = identity.normalize_phone(phone) if phone else identity.normalize_id_number(id_number)
    found = [lockouts.identifier_subject(identifier_mac(raw))]
    account = find_account(phone, id_number)
    if account is not None:
        found.insert(0, lockouts.account_subject(account.account_id))
    return found
