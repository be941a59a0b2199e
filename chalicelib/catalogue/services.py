"""The services (事项) the hall offers: each with its 办事指南 and its 在线办理 form, as data.

``services.json`` holds them, one a line (the names are Jiangsu HRSS's own; every service the
manual names is among them). This module reads it once per container and answers what the
pages, the search and 在线办理 ask: :func:`get`, :func:`all`, :func:`for_filters`,
:func:`search`, :func:`hot`. Nothing here touches HTTP or DynamoDB.

A service's ``form_fields`` describe the 在线办理 form, each ``{name, label, kind, required}``
with ``kind`` one of :data:`FIELD_KINDS` (``text``, ``textarea``, ``date``, ``phone``,
``number``). ``guide`` is the 办事指南 by the manual's headings (:data:`GUIDE_HEADINGS`):
each a text, 申请材料 and 办理流程 a tuple of texts. ``region`` is 省本级 or the city whose
service it is (地市频道).

Search matches names, aliases and their pinyin initials. The initials are computed at dev
time (``devtools/catalogue_initials.py``, pypinyin) and stored in the data, so the Lambda
never imports pypinyin.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from types import MappingProxyType

from chalicelib.domain.folding import fold_full_width, upper_ascii
from chalicelib.domain.levels import AuthLevel

__all__ = [
    "AUDIENCES",
    "CITIES",
    "FIELD_KINDS",
    "GUIDE_HEADINGS",
    "KINDS",
    "PERSONAS",
    "PROVINCE",
    "REGIONS",
    "REGION_IDS",
    "THEMES",
    "TOPICS",
    "Catalogue",
    "FormField",
    "Service",
    "all",
    "for_filters",
    "get",
    "hot",
    "normalize_code",
    "normalize_query",
    "override",
    "recommend",
    "search",
]

THEMES = ("就业创业", "社会保险", "人才人事", "劳动关系", "社会保障卡")
# 主题服务: bundles of services across themes, as the home page shows them.
TOPICS = ("就业补贴", "就业培训", "高校毕业生就业", "就失业", "企业养老保险")
PERSONAS = ("高校毕业生", "就业人员", "失业人员", "创业人员", "工伤人员", "退休人员", "其他人员")
KINDS = ("办事", "查询")
AUDIENCES = ("个人", "单位")
PROVINCE = "省本级"
CITIES = (
    "南京市",
    "无锡市",
    "徐州市",
    "常州市",
    "苏州市",
    "南通市",
    "连云港市",
    "淮安市",
    "盐城市",
    "扬州市",
    "镇江市",
    "泰州市",
    "宿迁市",
)
REGIONS = (PROVINCE, *CITIES)
# 地市频道: each region's stable id (the region cookie holds it, never the Chinese name).
REGION_IDS = dict(
    zip(
        (
            "province",
            "nanjing",
            "wuxi",
            "xuzhou",
            "changzhou",
            "suzhou",
            "nantong",
            "lianyungang",
            "huaian",
            "yancheng",
            "yangzhou",
            "zhenjiang",
            "taizhou",
            "suqian",
        ),
        REGIONS,
        strict=True,
    )
)
GUIDE_HEADINGS = ("受理条件", "申请材料", "办理流程", "办理时限", "收费标准", "设定依据", "受理部门")
FIELD_KINDS = ("text", "textarea", "date", "phone", "number")
QUERY_MAX = 100
_CODE = re.compile(r"[A-Z]{2}[0-9]{4}")
_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


@dataclass(frozen=True)
class FormField:
    """One field of a service's 在线办理 form. Reads as attributes or as a mapping
    (``field.label`` or ``field["label"]``)."""

    name: str
    label: str
    kind: str
    required: bool

    def __getitem__(self, key: str):
        if key not in ("name", "label", "kind", "required"):
            raise KeyError(key)
        return getattr(self, key)


@dataclass(frozen=True)
class Service:
    """One service (事项). ``initials`` are the pinyin initials of the name, then of each alias."""

    code: str
    name: str
    aliases: tuple[str, ...]
    kind: str  # 办事 | 查询
    audience: str  # 个人 | 单位
    themes: tuple[str, ...]
    personas: tuple[str, ...]
    min_level: AuthLevel
    hot: bool
    guide: Mapping[str, str | tuple[str, ...]] = field(compare=False)
    region: str = PROVINCE
    form_fields: tuple[FormField, ...] = ()
    topics: tuple[str, ...] = ()
    initials: tuple[str, ...] = ()

    @property
    def href(self) -> str:
        """The service's page (its 办事指南 and 在线办理)."""
        return f"/services/{self.code}"

    @property
    def apply_href(self) -> str:
        """Where 在线办理 begins."""
        return f"/services/{self.code}/apply"

    @property
    def is_local(self) -> bool:
        return self.region != PROVINCE


def _service(entry: dict) -> Service:
    guide = {heading: tuple(value) if isinstance(value, list) else value for heading, value in entry["guide"].items()}
    return Service(
        code=entry["code"],
        name=entry["name"],
        aliases=tuple(entry["aliases"]),
        kind=entry["kind"],
        audience=entry["audience"],
        themes=tuple(entry["themes"]),
        personas=tuple(entry["personas"]),
        min_level=AuthLevel(entry["min_level"]),
        hot=bool(entry["hot"]),
        guide=MappingProxyType(guide),
        region=entry["region"],
        form_fields=tuple(
            FormField(f["name"], f["label"], f["kind"], bool(f["required"])) for f in entry["form_fields"]
        ),
        topics=tuple(entry.get("topics", ())),
        initials=tuple(entry.get("initials", ())),
    )


def normalize_query(text: str | None) -> str:
    """A search query (or a name) as matched: full-width ASCII folded (domain/folding.py),
    A-Z lowercased, spaces removed, at most :data:`QUERY_MAX` characters."""
    folded = fold_full_width(text).translate(_ASCII_LOWER)
    return "".join(folded.split())[:QUERY_MAX]


def normalize_code(raw: str | None) -> str | None:
    """A service code as typed or linked (full-width folded, upper-cased), or None when it
    is not one (two ASCII letters and four digits)."""
    code = upper_ascii(fold_full_width(raw).strip())
    return code if _CODE.fullmatch(code) else None


@dataclass(frozen=True)
class _Entry:
    """What search compares, precomputed per service: normalised names and initials."""

    service: Service
    order: int
    names: tuple[str, ...]  # the name first, then the aliases
    initials: tuple[str, ...]


# Match strength, strongest first (the sort's second key, after "exact").
_EXACT, _NAME_PREFIX, _NAME_CONTAINS, _ALIAS_CONTAINS, _INITIALS_PREFIX, _INITIALS_CONTAINS = range(6)


class Catalogue:
    """The services, indexed for the pages and the search."""

    def __init__(self, services: Iterable[Service]) -> None:
        self.services: tuple[Service, ...] = tuple(services)
        self._by_code = {s.code: s for s in self.services}
        if len(self._by_code) != len(self.services):
            raise ValueError("two services share a code")
        self._entries = tuple(
            _Entry(s, i, tuple(normalize_query(n) for n in (s.name, *s.aliases)), s.initials)
            for i, s in enumerate(self.services)
        )

    def get(self, code: str) -> Service | None:
        return self._by_code.get(code)

    def for_filters(
        self,
        *,
        audience: str | None = None,
        kind: str | None = None,
        theme: str | None = None,
        persona: str | None = None,
        topic: str | None = None,
        region: str | None = None,
        hot: bool | None = None,
    ) -> list[Service]:
        """The services matching every filter given (None: any), in the catalogue's order.
        ``region``: a city shows 省本级 services and that city's own; 省本级 shows only 省本级's."""
        out = []
        for s in self.services:
            if audience is not None and s.audience != audience:
                continue
            if kind is not None and s.kind != kind:
                continue
            if theme is not None and theme not in s.themes:
                continue
            if persona is not None and persona not in s.personas:
                continue
            if topic is not None and topic not in s.topics:
                continue
            if region is not None and s.region not in (PROVINCE, region):
                continue
            if hot is not None and s.hot != hot:
                continue
            out.append(s)
        return out

    def search(self, query: str, limit: int = 20, region: str | None = None) -> list[Service]:
        """Services whose name, an alias or their pinyin initials match ``query``.

        Ranked: an exact name or alias first, then 热门 services, then by how strongly it
        matched (name prefix, in the name, in an alias, initials prefix, in the initials), then
        the shorter name, then the catalogue's order.
        """
        q = normalize_query(query)
        if not q or limit <= 0:
            return []
        latin = q.isascii()
        ranked = []
        for entry in self._entries:
            s = entry.service
            if region is not None and s.region not in (PROVINCE, region):
                continue
            strength = _match(entry, q, latin)
            if strength is None:
                continue
            ranked.append((strength != _EXACT, not s.hot, strength, len(s.name), entry.order, s))
        ranked.sort(key=lambda row: row[:5])
        return [row[-1] for row in ranked[:limit]]


def _match(entry: _Entry, q: str, latin: bool) -> int | None:
    name = entry.names[0]
    if q in entry.names:
        return _EXACT
    if name.startswith(q):
        return _NAME_PREFIX
    if q in name:
        return _NAME_CONTAINS
    if any(q in alias for alias in entry.names[1:]):
        return _ALIAS_CONTAINS
    if latin:  # initials are ASCII: a query with Chinese characters cannot match them
        if any(i.startswith(q) for i in entry.initials):
            return _INITIALS_PREFIX
        if len(q) >= 2 and any(q in i for i in entry.initials):
            return _INITIALS_CONTAINS
    return None


@lru_cache(maxsize=1)
def _shipped() -> Catalogue:
    data = json.loads(resources.files(__package__).joinpath("services.json").read_text("utf-8"))
    return Catalogue(_service(entry) for entry in data["services"])


_override: Catalogue | None = None


def _current() -> Catalogue:
    return _override if _override is not None else _shipped()


@contextmanager
def override(services: Iterable[Service]) -> Iterator[Catalogue]:
    """Serve another catalogue for a while (the benchmark's generated 2,000 services)."""
    global _override
    saved, _override = _override, Catalogue(services)
    try:
        yield _override
    finally:
        _override = saved


def get(code: str) -> Service | None:
    """The service with this code, or None."""
    return _current().get(code)


def all() -> tuple[Service, ...]:  # the catalogue's vocabulary (services.all()); shadows the builtin here only
    """Every service, in the catalogue's order."""
    return _current().services


def for_filters(**filters) -> list[Service]:
    """See :meth:`Catalogue.for_filters`."""
    return _current().for_filters(**filters)


def search(query: str, limit: int = 20, region: str | None = None) -> list[Service]:
    """See :meth:`Catalogue.search`."""
    return _current().search(query, limit, region)


def hot(theme: str, audience: str = "个人") -> list[Service]:
    """热门服务 of one theme (a tab of the home page): the hot services whose first theme it is."""
    return [s for s in _current().for_filters(theme=theme, audience=audience, hot=True) if s.themes[0] == theme]


def recommend(
    level: int,
    *,
    used: Iterable[str] = (),
    favourites: Iterable[str] = (),
    personas: Iterable[str] = (),
    region: str | None = None,
    limit: int = 12,
) -> list[Service]:
    """推荐 for one citizen: personal services ranked by what fits them.

    A service they can do at their level comes before one that needs more; then one sharing a
    theme with what they used (``used``: codes of their cases) or marked (``favourites``), one
    for their personas, a 热门 one; then the catalogue's order. What they already used or
    marked is left out (it is in their lists already).
    """
    used, favourites, personas = set(used), set(favourites), set(personas)
    known = [s for s in (get(code) for code in used | favourites) if s is not None]
    their_themes = {theme for s in known for theme in s.themes}
    ranked = []
    for order, s in enumerate(_current().for_filters(audience="个人", region=region)):
        if s.code in used or s.code in favourites:
            continue
        score = (
            (4 if s.min_level <= level else 0)
            + (2 if their_themes.intersection(s.themes) else 0)
            + (2 if personas.intersection(s.personas) else 0)
            + (1 if s.hot else 0)
        )
        ranked.append((-score, order, s))
    ranked.sort(key=lambda row: row[:2])
    return [row[-1] for row in ranked[:limit]]
