"""Seeding the fictional citizens of demo/citizens.json (dev stage and local runs only)."""

from __future__ import annotations

import json

from chalicelib import clock
from chalicelib.citizen_data import protect_id_number, protect_name, protect_phone
from chalicelib.domain import identity, passwords
from chalicelib.domain.family_numbers import BIND_LEVEL, MAX_FAMILY_NUMBERS, Relation
from chalicelib.domain.levels import AuthLevel
from chalicelib.domain.masking import mask_name
from chalicelib.platforms.base_library import LocalBaseLibrary, Verdict
from chalicelib.store import accounts, family_numbers
from chalicelib.store.errors import ClaimTakenError, StoreError


def seed(path: str) -> list[str]:
    """Create the demo accounts that do not exist yet; returns a line per account."""
    with open(path, encoding="utf-8") as f:
        data = json.load(f)
    library = LocalBaseLibrary(path)
    now = clock.now()
    lines = []
    for person in data["accounts"]:
        # The rules registration applies: a demo file cannot create what the hall would refuse.
        try:
            doc_type = identity.DocumentType(person["id_type"])
            id_number = identity.validate_id_number(doc_type, person["id_number"], now.date())
            phone = identity.validate_phone(person["phone"])
            name = identity.validate_name(doc_type, person["name"])
            passwords.check_password(person["password"], id_number=id_number, phone=phone, name=name)
        except ValueError as exc:  # InvalidValue and PasswordRuleError are ValueErrors too
            lines.append(f"refused  {mask_name(person['name'])}: {exc}")
            continue
        verdict = library.verify(doc_type.value, id_number, name)
        level = AuthLevel.REAL_NAME if verdict is Verdict.MATCH else AuthLevel.REGISTERED
        new = accounts.NewAccount(
            id_type=doc_type.value,
            id_number=protect_id_number(id_number),
            name=protect_name(name),
            phone=protect_phone(phone),
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
                family_type = identity.DocumentType(family["id_type"])
                number = identity.validate_id_number(family_type, family["id_number"], now.date())
                relative = identity.validate_name(family_type, family["name"])
                relation = Relation(family.get("relation", "parent"))
            except (ValueError, KeyError) as exc:
                lines.append(f"refused  a family number of {account.name_masked}: {exc}")
                continue
            # As the user center binds one (store/family_numbers.py): the claim and the account's entry.
            binding = family_numbers.NewFamilyBinding(
                binding_id=family_numbers.new_binding_id(),
                doc_type=family_type.value,
                id_number=protect_id_number(number),
                name=protect_name(relative),
                relation=relation.value,
            )
            try:
                family_numbers.bind(
                    account, binding, now, min_level=int(BIND_LEVEL), limit=MAX_FAMILY_NUMBERS, with_items=()
                )
            except StoreError as exc:
                lines.append(f"refused  a family number of {account.name_masked}: {exc}")
        lines.append(f"created  {account.name_masked} {account.id_masked} {account.phone_masked} {level.label}")
        from chalicelib.ops import cases  # a few 办件 (one 待评价) for the user center's cards

        lines += cases.seed_demo(account, now)
    from chalicelib.ops import notices  # 公示公告 for the hall's notices page

    lines += notices.seed_demo(now)
    return lines
