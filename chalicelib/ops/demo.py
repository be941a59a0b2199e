"""Seeding the fictional citizens of demo/citizens.json (dev stage and local runs only)."""

from __future__ import annotations

import json

from chalicelib import clock
from chalicelib.citizen_data import id_number_mac, protect_id_number, protect_name, protect_phone
from chalicelib.domain import passwords
from chalicelib.domain.levels import AuthLevel
from chalicelib.platforms.base_library import LocalBaseLibrary, Verdict
from chalicelib.store import accounts
from chalicelib.store.errors import ClaimTakenError, StoreError


def seed(path: str) -> list[str]:
    """Create the demo accounts that do not exist yet; returns a line per account."""
    with open(path, encoding="utf-8") as f:
        data = json.load(f)
    library = LocalBaseLibrary(path)
    now = clock.now()
    lines = []
    for person in data["accounts"]:
        verdict = library.verify(person["id_type"], person["id_number"], person["name"])
        level = AuthLevel.REAL_NAME if verdict is Verdict.MATCH else AuthLevel.REGISTERED
        new = accounts.NewAccount(
            id_type=person["id_type"],
            id_number=protect_id_number(person["id_number"]),
            name=protect_name(person["name"]),
            phone=protect_phone(person["phone"]),
            password_hash=passwords.hash_password(person["password"]),
            level=int(level),
            agreement_version="demo",
            agreement_accepted_at=now,
        )
        try:
            account = accounts.create(new, now)
        except ClaimTakenError:
            lines.append(f"exists   {new.name.masked} {new.id_number.masked} {new.phone.masked}")
            continue
        for family in person.get("family_numbers", []):
            try:
                accounts.put_family_claim(
                    account.account_id, family["id_type"], id_number_mac(family["id_number"]), now
                )
            except StoreError:
                pass
        lines.append(f"created  {account.name_masked} {account.id_masked} {account.phone_masked} {level.label}")
    return lines
