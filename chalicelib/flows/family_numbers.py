"""亲情号 (family numbers) in the user center: list, bind, unbind, and the relative's identity
for read-only record views.

Binding, in order: the session's level snapshot (no read) and the account (one GetItem) must
be 实名 or higher; the form's 证件类型, 证件号码, 姓名 and 关系 must be valid; an ID this account
bound already, or a sixth, is refused before anything is spent; a try is reserved in the
account's daily window; the base library must match name and ID; then one transaction
(chalicelib.store.family_numbers.bind) holds every rule again under concurrency. The rules
are chalicelib.domain.family_numbers'.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated

from annotated_types import MaxLen

from chalicelib.citizen_data import protect_id_number, protect_name, reveal_id_number, reveal_name
from chalicelib.clock import CHINA
from chalicelib.context import RequestContext
from chalicelib.domain import family_numbers as rules
from chalicelib.domain import identity, levels
from chalicelib.errors import HallError
from chalicelib.guards import rate_limits
from chalicelib.observability import count, logger
from chalicelib.platforms import base_library
from chalicelib.sessions import SessionRecord
from chalicelib.store import accounts, audit
from chalicelib.store import family_numbers as store
from chalicelib.store.lockouts import account_subject

__all__ = ["BindForm", "Relative", "bind", "list_for", "relative_for_records", "unbind", "view"]

METHOD = "family_numbers"


@dataclass(frozen=True)
class BindForm:
    """添加亲情号: the fields as the page sends them."""

    name: Annotated[str, MaxLen(80)]
    id_type: Annotated[str, MaxLen(40)]
    id_number: Annotated[str, MaxLen(40)]
    relation: Annotated[str, MaxLen(20)]


@dataclass(frozen=True)
class Relative:
    """A bound relative's identity, for the binder's read-only views of their records."""

    binding_id: str
    id_type: str
    id_number: str
    name: str
    name_masked: str
    id_masked: str
    relation: str


def view(binding: store.FamilyBinding) -> dict:
    """A binding as pages and the API show it: masked values only."""
    doc_type = identity.DocumentType(binding.doc_type) if binding.doc_type in _DOC_TYPES else None
    relation = rules.Relation.find(binding.relation)
    return {
        "binding_id": binding.binding_id,
        "name": binding.name_masked,
        "id_type": binding.doc_type,
        "id_type_label": doc_type.label if doc_type else binding.doc_type,
        "id_number": binding.id_masked,
        "relation": binding.relation,
        "relation_label": relation.label if relation else binding.relation,
        "bound_at": binding.bound_at,
        "bound_on": _china_date(binding.bound_at),
    }


def _china_date(iso: str) -> str:
    try:
        return datetime.fromisoformat(iso).astimezone(CHINA).strftime("%Y-%m-%d")
    except ValueError:
        return ""


_DOC_TYPES = {t.value for t in identity.DocumentType}


def _require_level(level: int, required: levels.AuthLevel) -> None:
    missing = levels.shortfall(level, required)
    if missing is not None:
        raise HallError.level_too_low(missing)


def _account(session: SessionRecord) -> accounts.Account:
    account = accounts.get(session.account_id)
    if account is None:
        raise HallError.unauthenticated()
    return account


def list_for(session: SessionRecord) -> list[store.FamilyBinding]:
    """The account's 亲情号 (one GetItem of the account)."""
    return store.bound_for_account(_account(session))


def _validate(form: BindForm, ctx: RequestContext) -> tuple[identity.DocumentType, str, str, rules.Relation]:
    fields: dict[str, str] = {}
    doc_type, id_number, name = identity.validate_person(
        form.id_type, form.id_number, form.name, ctx.now.date(), fields
    )
    relation = rules.Relation.find(form.relation)
    if relation is None:
        fields["relation"] = "请选择关系"
    if fields:
        raise HallError.validation_failed(fields)
    return doc_type, id_number, name, relation


_REFUSALS = {
    "limit": lambda: HallError.family_number_limit(rules.MAX_FAMILY_NUMBERS),
    "yours": HallError.family_number_already_yours,
    "taken": HallError.family_number_taken,
    "has_account": HallError.family_number_has_account,
    "account": HallError.unauthenticated,
    # Levels only rise, so an account the transaction finds below 实名 is a 注册用户.
    "level": lambda: HallError.level_too_low(levels.LevelShortfall(levels.AuthLevel.REGISTERED, rules.BIND_LEVEL)),
}


def bind(session: SessionRecord, form: BindForm, ctx: RequestContext) -> store.FamilyBinding:
    _require_level(session.level, rules.BIND_LEVEL)  # the snapshot: refused without a read
    doc_type, id_number, name, relation = _validate(form, ctx)
    account = _account(session)
    _require_level(account.level, rules.BIND_LEVEL)
    protected_id = protect_id_number(id_number)
    bound = store.bound_for_account(account)
    # Refusals the account item already tells, before a try is spent (the transaction holds them too).
    if any(b.doc_type == doc_type.value and b.id_mac == protected_id.mac for b in bound):
        raise HallError.family_number_already_yours()
    if len(bound) >= rules.MAX_FAMILY_NUMBERS:
        raise HallError.family_number_limit(rules.MAX_FAMILY_NUMBERS)
    rate_limits.family_checks_per_account(account.account_id, rules.DAILY_CHECKS, ctx)
    verdict = base_library.library().verify(doc_type.value, id_number, name)
    if verdict is base_library.Verdict.UNAVAILABLE:
        raise HallError.base_library_unavailable()
    if verdict is not base_library.Verdict.MATCH:
        count("FamilyNumberRefused", reason="mismatch")
        raise HallError.family_number_mismatch()
    new = store.NewFamilyBinding(
        binding_id=store.new_binding_id(),
        doc_type=doc_type.value,
        id_number=protected_id,
        name=protect_name(name),
        relation=relation.value,
    )
    event = audit.event(
        account_subject(account.account_id),
        "FamilyNumberBound",
        ctx.now,
        method=METHOD,
        binding_id=new.binding_id,
        id_type=doc_type.value,
        id_masked=new.id_number.masked,
        name_masked=new.name.masked,
        relation=relation.value,
    )
    try:
        binding = store.bind(
            account,
            new,
            ctx.now,
            min_level=int(rules.BIND_LEVEL),
            limit=rules.MAX_FAMILY_NUMBERS,
            with_items=(event,),
        )
    except store.BindRefusedError as exc:
        count("FamilyNumberRefused", reason=exc.reason)
        if exc.reason == "busy":
            raise HallError.rate_limited(1) from None
        raise _REFUSALS[exc.reason]() from None
    count("FamilyNumberBound")
    logger.append_keys(account_id=account.account_id, event="family number bound", binding_id=binding.binding_id)
    return binding


def unbind(session: SessionRecord, binding_id: str, ctx: RequestContext) -> store.FamilyBinding:
    """解绑: the binder removes one of their 亲情号 (any level may let go)."""
    account = _account(session)
    binding = next((b for b in store.bound_for_account(account) if b.binding_id == binding_id), None)
    if binding is None:
        raise HallError.family_number_not_found()
    event = audit.event(
        account_subject(account.account_id),
        "FamilyNumberUnbound",
        ctx.now,
        method=METHOD,
        binding_id=binding.binding_id,
        id_type=binding.doc_type,
        id_masked=binding.id_masked,
        name_masked=binding.name_masked,
        relation=binding.relation,
    )
    try:
        store.unbind(account, binding, ctx.now, with_items=(event,))
    except store.BindingGoneError:
        raise HallError.family_number_not_found() from None
    count("FamilyNumberUnbound")
    logger.append_keys(account_id=account.account_id, event="family number unbound", binding_id=binding.binding_id)
    return binding


def relative_for_records(session: SessionRecord, binding_id: str) -> Relative:
    """The relative a binder may view read-only while the binding lasts (for the user center's
    record pages): the binder must be at the level viewing needs, and the binding must be
    theirs now (one GetItem of the account). Raises ``level_too_low`` or
    ``family_number_not_found``."""
    _require_level(session.level, rules.VIEW_RECORDS_LEVEL)
    account = _account(session)
    binding = next((b for b in store.bound_for_account(account) if b.binding_id == binding_id), None)
    if binding is None:
        raise HallError.family_number_not_found()
    return Relative(
        binding_id=binding.binding_id,
        id_type=binding.doc_type,
        id_number=reveal_id_number(binding.id_cipher),
        name=reveal_name(binding.name_cipher),
        name_masked=binding.name_masked,
        id_masked=binding.id_masked,
        relation=binding.relation,
    )
