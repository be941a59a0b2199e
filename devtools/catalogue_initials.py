"""Precompute the pinyin initials of every service's name and aliases (dev time only).

Header search matches 拼音首字母 (``sbkgs`` finds 社保卡挂失). pypinyin (in
requirements-dev.txt, never shipped) turns each name and alias into its initials here, and
the result is stored in ``chalicelib/catalogue/services.json`` (``initials``: the name's
first, then each alias's), so the Lambda reads them as data. After editing a service, run::

    .venv/bin/python -m devtools.catalogue_initials

``tests/unit/test_catalogue_services.py`` fails while the data is not current.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

SERVICES = Path(__file__).resolve().parents[1] / "chalicelib" / "catalogue" / "services.json"


def initials(text: str) -> str:
    """The lowercase pinyin initials of ``text``; Latin letters and digits are kept as they are."""
    from pypinyin import Style, lazy_pinyin

    letters = []
    for chunk in lazy_pinyin(text, style=Style.FIRST_LETTER, errors="default"):
        letters.extend(char.lower() for char in chunk if char.isascii() and char.isalnum())
    return "".join(letters)


def with_initials(services: list[dict]) -> list[dict]:
    """Each service with ``initials`` recomputed from its name and aliases."""
    return [{**s, "initials": [initials(text) for text in (s["name"], *s["aliases"])]} for s in services]


def dump(services: list[dict]) -> str:
    """The file's text: one service a line, so a change to one service is a one-line diff."""
    lines = ",\n".join("    " + json.dumps(s, ensure_ascii=False) for s in services)
    return '{\n  "services": [\n' + lines + "\n  ]\n}\n"


def main() -> int:
    services = json.loads(SERVICES.read_text("utf-8"))["services"]
    text = dump(with_initials(services))
    changed = text != SERVICES.read_text("utf-8")
    SERVICES.write_text(text, "utf-8")
    print(f"{len(services)} services; initials {'updated' if changed else 'already current'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
