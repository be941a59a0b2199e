"""Every public error id is exercised by an API test that asserts it."""

from __future__ import annotations

import inspect
import re
from pathlib import Path

from chalicelib.errors import HallError

HERE = Path(__file__).resolve().parent


def _error_ids() -> set[str]:
    ids = set()
    for name, member in inspect.getmembers(HallError, inspect.ismethod):
        if name.startswith("_") or name == "body":
            continue
        ids.update(re.findall(r'cls\(\s*"([a-z_]+)"', inspect.getsource(member)))
    return ids


def test_every_error_id_is_asserted_by_some_api_test():
    ids = _error_ids()
    assert len(ids) >= 20
    tests = "\n".join(p.read_text("utf-8") for p in HERE.glob("test_*.py") if p.name != Path(__file__).name)
    untested = sorted(i for i in ids if f'"{i}"' not in tests)
    assert not untested, f"error ids with no API test: {untested}"
