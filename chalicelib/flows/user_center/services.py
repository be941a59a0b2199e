"""The lower half of 个人中心: 推荐, 办事, 查询 and 收藏, the citizen's services.

推荐 is :func:`chalicelib.catalogue.services.recommend` for this citizen: their level (the
session's snapshot), what they used (the services of their latest cases: one Query each of
办理中 and 已办结), what they marked (their favourites: one Query) and the personas their own
养老保险 records suggest (``domain.personas``: for a 实名 citizen, one GetItem of the account and
one ask of the social-insurance systems; none when they are unavailable, so 推荐 never fails
for want of them). 办事 and 查询 list the personal services open at their level first, a page
here and the rest in 服务清单.
"""

from __future__ import annotations

from dataclasses import dataclass

from chalicelib.catalogue import services
from chalicelib.flows.user_center import favourites as favourite_flow

__all__ = ["TAB_SIZE", "UserServices", "for_session"]

TAB_SIZE = 12


@dataclass(frozen=True)
class UserServices:
    recommended: list[services.Service]
    apply: list[services.Service]
    apply_total: int
    query: list[services.Service]
    query_total: int
    favourites: list[services.Service]
    favourite_codes: frozenset[str]


def _used_codes(session) -> set[str]:
    from chalicelib.flows.user_center import cases

    used: set[str] = set()
    for which in ("handling", "finished"):
        used.update(case["service_code"] for case in cases.list_cases(session, which)["cases"])
    return used


def _personas(session) -> tuple[str, ...]:
    from chalicelib.clock import CHINA, now
    from chalicelib.domain import personas
    from chalicelib.domain.identity import DocumentType, resident_birth_and_sex
    from chalicelib.domain.levels import shortfall
    from chalicelib.errors import HallError
    from chalicelib.flows.user_center import records
    from chalicelib.platforms import si_records

    if shortfall(session.level, records.RECORDS_LEVEL) is not None:
        return ()
    try:
        subject = records.subject_for(session)
        found = si_records.platform().records(subject.id_type, subject.id_number, si_records.RecordKind.PENSION)
    except (HallError, si_records.RecordsUnavailable):
        return ()
    paid = [r.period for r in found if r.status is si_records.RecordStatus.PAID]
    resident = subject.id_type == DocumentType.RESIDENT_ID.value
    born, sex = (resident_birth_and_sex(subject.id_number) if resident else None) or (None, None)
    return personas.personas(paid, born, sex, now().astimezone(CHINA).date())


def _open_first(found: list[services.Service], level: int) -> list[services.Service]:
    return sorted(found, key=lambda s: s.min_level > level)


def for_session(session, region: str | None = None) -> UserServices:
    level = int(session.level)
    marked = favourite_flow.list_for(session)
    codes = frozenset(entry.service.code for entry in marked)
    recommended = services.recommend(
        level,
        used=_used_codes(session),
        favourites=codes,
        personas=_personas(session),
        region=region,
        limit=TAB_SIZE,
    )
    apply = _open_first(services.for_filters(audience="个人", kind="办事", region=region), level)
    query = _open_first(services.for_filters(audience="个人", kind="查询", region=region), level)
    return UserServices(
        recommended=recommended,
        apply=apply[:TAB_SIZE],
        apply_total=len(apply),
        query=query[:TAB_SIZE],
        query_total=len(query),
        favourites=[entry.service for entry in marked],
        favourite_codes=codes,
    )
