"""The service catalogue (服务清单): what the hall offers, as data.

``hall.json`` holds what the hall's pages show around the services, in the manual's
words: the navigation, the 我是 personas, the 热门服务 tabs (one per theme), 主题服务 and
the footer links. The services themselves (事项: names, aliases, 办事指南, 在线办理 forms)
are ``services.json``, read by :mod:`chalicelib.catalogue.services`; a 热门服务 tab lists
the hot services of its theme. Pages only render what :func:`load` returns.

The records are named tuples, so a template can unpack them as it did the tuples
they replace (``{% for key, label, href in nav %}``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import NamedTuple

__all__ = ["Catalogue", "Link", "ServiceTab", "Theme", "load"]

SECTION_PREFIX = "/hall/"


class Link(NamedTuple):
    """A link in the navigation or the footer; ``key`` names the section it leads to."""

    key: str
    label: str
    href: str


class ServiceTab(NamedTuple):
    """One tab of 热门服务: its label (a theme) and the hot services (事项) of that theme."""

    key: str
    label: str
    services: tuple  # of chalicelib.catalogue.services.Service


class Theme(NamedTuple):
    """A 主题服务 and the one character its round icon shows."""

    name: str
    icon: str


@dataclass(frozen=True)
class Catalogue:
    """Everything the catalogue holds, read once per container."""

    navigation: tuple[Link, ...]
    personas: tuple[str, ...]
    hot_services: tuple[ServiceTab, ...]
    themes: tuple[Theme, ...]
    footer: tuple[Link, ...]

    def sections(self) -> dict[str, str]:
        """The hall's sections (``/hall/<key>``) by key, with their names.

        Every link to one is a section: the catalogue's pages (handlers/catalogue.py), and
        until it is built a clear 即将开放 page, never a broken link.
        """
        links = (*self.navigation, *self.footer)
        return {link.key: link.label for link in links if link.href == SECTION_PREFIX + link.key}


def _links(entries: list[dict]) -> tuple[Link, ...]:
    return tuple(Link(e["key"], e["label"], e["href"]) for e in entries)


@lru_cache(maxsize=1)
def load() -> Catalogue:
    """The catalogue shipped with the code (read on first use, not at cold start)."""
    from chalicelib.catalogue import services

    data = json.loads(resources.files(__name__).joinpath("hall.json").read_text("utf-8"))
    return Catalogue(
        navigation=_links(data["navigation"]),
        personas=tuple(data["personas"]),
        hot_services=tuple(
            ServiceTab(t["key"], t["label"], tuple(services.hot(t["label"]))) for t in data["hot_services"]
        ),
        themes=tuple(Theme(t["name"], t["icon"]) for t in data["themes"]),
        footer=_links(data["footer"]),
    )
