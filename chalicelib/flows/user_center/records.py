"""The user center's record menus and the 社会保险个人权益记录单.

Whose records: the citizen's own (实名用户 or above: the session's level snapshot, no read;
then one GetItem of the account for the ID), or, with ``relative=<binding id>``, a relative
bound as 亲情号 (``flows.family_numbers.relative_for_records``: the binder's level and the
binding, one GetItem), shown read-only with the relative's name masked.

Each menu is one kind of record (:data:`MENUS`); a list asks the social-insurance systems
once for that kind (``platforms.si_records``: every year at once) and filters by year here.
The statement asks three times (养老, 失业, 工伤) and ``domain.statements`` computes the year.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from chalicelib.domain import statements
from chalicelib.domain.levels import AuthLevel, shortfall
from chalicelib.errors import HallError
from chalicelib.observability import logger
from chalicelib.platforms import si_records
from chalicelib.platforms.si_records import Record, RecordKind
from chalicelib.sessions import SessionRecord

__all__ = ["MENUS", "Menu", "RecordList", "Subject", "record_list", "statement", "subject_for"]

RECORDS_LEVEL = AuthLevel.REAL_NAME


@dataclass(frozen=True)
class Menu:
    key: str  # user_center.MENU's key
    slug: str  # the page's path segment and the API's {kind}
    label: str
    kind: RecordKind | None  # None: the statement
    unit_label: str = "单位缴费"
    personal_label: str = "个人缴费"


MENUS: tuple[Menu, ...] = (
    Menu("rights", "rights", "我的权益单", None),
    Menu("payments", "payments", "我的缴费记录", RecordKind.PAYMENTS),
    Menu("social_insurance", "social-insurance", "我的社保记录", RecordKind.PENSION),
    Menu("housing_fund", "housing-fund", "我的公积金记录", RecordKind.HOUSING_FUND, "单位缴存", "个人缴存"),
    Menu("medical", "medical", "我的医保记录", RecordKind.MEDICAL),
    Menu("unemployment", "unemployment", "我的失业保险记录", RecordKind.UNEMPLOYMENT),
    Menu("injury", "injury", "我的工伤保险记录", RecordKind.INJURY),
    Menu("maternity", "maternity", "我的生育保险记录", RecordKind.MATERNITY),
)


def menu(slug: str) -> Menu:
    found = next((m for m in MENUS if m.slug == slug), None)
    if found is None:
        raise HallError.not_found()
    return found


@dataclass(frozen=True)
class Subject:
    """Whose records are shown: ``name`` as shown (the relative's masked), ``ssn`` masked."""

    id_type: str
    id_number: str
    name: str
    ssn: str
    binding_id: str | None = None
    relation: str | None = None

    @property
    def read_only(self) -> bool:
        return self.binding_id is not None


def subject_for(session: SessionRecord, binding_id: str | None = None) -> Subject:
    """The citizen (实名 or above) or their bound relative; refusals: ``level_too_low``,
    ``family_number_not_found``."""
    from chalicelib.domain.masking import mask_id_number

    if binding_id:
        from chalicelib.domain.family_numbers import Relation
        from chalicelib.flows import family_numbers

        relative = family_numbers.relative_for_records(session, binding_id)
        relation = Relation.find(relative.relation)
        return Subject(
            id_type=relative.id_type,
            id_number=relative.id_number,
            name=relative.name_masked,
            ssn=relative.id_masked or mask_id_number(relative.id_number),
            binding_id=relative.binding_id,
            relation=relation.label if relation else relative.relation,
        )
    missing = shortfall(session.level, RECORDS_LEVEL)
    if missing is not None:
        raise HallError.level_too_low(missing)
    from chalicelib.citizen_data import reveal_id_number, reveal_name
    from chalicelib.store import accounts

    account = accounts.get(session.account_id)
    if account is None:
        raise HallError.unauthenticated()
    return Subject(
        id_type=account.id_type,
        id_number=reveal_id_number(account.id_cipher),
        name=reveal_name(account.name_cipher) if account.name_cipher else account.name_masked,
        ssn=account.id_masked,
    )


def _fetch(subject: Subject, kind: RecordKind) -> list[Record]:
    try:
        return si_records.platform().records(subject.id_type, subject.id_number, kind)
    except si_records.RecordsUnavailable as exc:
        logger.warning("social-insurance records unavailable", extra={"kind": kind.value, "reason": str(exc)})
        raise HallError.records_unavailable() from exc


@dataclass(frozen=True)
class RecordList:
    menu: Menu
    subject: Subject
    years: list[int]
    year: int | None
    rows: list[Record]
    totals: dict[str, Decimal] = field(default_factory=dict)

    def view(self) -> dict:
        return {
            "kind": self.menu.slug,
            "label": self.menu.label,
            "name": self.subject.name,
            "read_only": self.subject.read_only,
            "years": self.years,
            "year": self.year,
            "records": [row_view(r) for r in self.rows],
            "totals": {k: f"{v:.2f}" for k, v in self.totals.items()},
        }


def row_view(r: Record) -> dict:
    return {
        "period": r.period,
        "insurance": r.insurance.value,
        "insurance_label": r.insurance.label,
        "unit": r.unit,
        "base": f"{r.base:.2f}",
        "unit_amount": f"{r.unit_amount:.2f}",
        "personal_amount": f"{r.personal_amount:.2f}",
        "status": r.status.value,
        "status_label": r.status.label,
    }


def _year(value: str | int | None, years: list[int]) -> int | None:
    try:
        chosen = int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        chosen = None
    if chosen is None or not 1950 <= chosen <= 2100:
        return years[0] if years else None
    return chosen


def record_list(session: SessionRecord, slug: str, year=None, binding_id: str | None = None) -> RecordList:
    """One menu's records of one (calendar) year, newest month first: one call to the systems."""
    chosen_menu = menu(slug)
    if chosen_menu.kind is None:
        raise HallError.not_found()
    subject = subject_for(session, binding_id)
    records = _fetch(subject, chosen_menu.kind)
    years = sorted({r.year for r in records}, reverse=True)
    chosen = _year(year, years)
    rows = sorted((r for r in records if r.year == chosen), key=lambda r: r.period, reverse=True)
    paid = [r for r in rows if r.status is si_records.RecordStatus.PAID]
    totals = {
        "unit_amount": sum((r.unit_amount for r in paid), Decimal("0.00")),
        "personal_amount": sum((r.personal_amount for r in paid), Decimal("0.00")),
    }
    return RecordList(chosen_menu, subject, years, chosen, rows, totals)


@dataclass(frozen=True)
class StatementView:
    subject: Subject
    years: list[int]
    statement: statements.Statement | None


def statement(session: SessionRecord, year=None, binding_id: str | None = None) -> StatementView:
    """The 权益单 of a statement year (July–June; by default the latest): three calls."""
    subject = subject_for(session, binding_id)
    pension = _fetch(subject, RecordKind.PENSION)
    unemployment = _fetch(subject, RecordKind.UNEMPLOYMENT)
    injury = _fetch(subject, RecordKind.INJURY)
    years = statements.years_of(pension + unemployment + injury)
    chosen = _year(year, years)
    if chosen is None:
        return StatementView(subject, years, None)
    built = statements.build(chosen, subject.name, subject.ssn, pension, unemployment, injury)
    return StatementView(subject, years, built)
