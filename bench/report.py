"""Rows of the benchmark, printed as a table and written as JSON."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

__all__ = ["Row", "render", "write_json"]


@dataclass
class Row:
    """One figure: what was measured, the floor it is divided by, the ratio, the goal.

    ``ok`` is None when there is no goal (or the figure is pending), else whether it was met.
    """

    section: str
    name: str
    measured: str
    floor: str
    ratio: float | None
    goal: str = "—"
    ok: bool | None = None
    detail: dict = field(default_factory=dict)
    note: str = ""

    @property
    def verdict(self) -> str:
        return {True: "ok", False: "MISS", None: ""}[self.ok]


def _width(text: str) -> int:
    # East Asian characters take two columns in a terminal.
    return sum(2 if ord(ch) > 0x2E7F else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * max(0, width - _width(text))


def render(rows: list[Row]) -> str:
    headers = ("figure", "measured", "floor", "ratio", "goal", "")
    cells = [
        (r.name, r.measured, r.floor, "—" if r.ratio is None else f"{r.ratio:.2f}", r.goal, r.verdict) for r in rows
    ]
    widths = [max(_width(h), *(_width(c[i]) for c in cells)) for i, h in enumerate(headers)]
    lines = []
    section = None
    rule = "  ".join("-" * w for w in widths)
    lines.append("  ".join(_pad(h, w) for h, w in zip(headers, widths, strict=True)).rstrip())
    lines.append(rule)
    for row, cell in zip(rows, cells, strict=True):
        if row.section != section:
            section = row.section
            lines.append(f"[{section}]")
        lines.append("  ".join(_pad(c, w) for c, w in zip(cell, widths, strict=True)).rstrip())
    notes = [f"- {r.name}: {r.note}" for r in rows if r.note]
    if notes:
        lines.append("")
        lines.extend(notes)
    return "\n".join(lines)


def write_json(rows: list[Row], path: Path, meta: dict) -> None:
    document = {"meta": meta, "figures": [{**asdict(r), "verdict": r.verdict} for r in rows]}
    path.write_text(json.dumps(document, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
