"""Fixtures of the functional tests that more than one module uses."""

from __future__ import annotations

import json

import pytest


@pytest.fixture
def base_library(tmp_path, monkeypatch):
    """A base library (基础库) of this test's own people: ``add(citizen)`` puts one in."""
    path = tmp_path / "citizens.json"
    people: list[dict] = []

    def write() -> None:
        path.write_text(json.dumps({"base_library": people}, ensure_ascii=False), encoding="utf-8")

    def add(citizen):
        people.append({"name": citizen.name, "id_type": citizen.id_type, "id_number": citizen.id_number})
        write()
        return citizen

    write()
    monkeypatch.setenv("HALL_LOCAL_BASE_LIBRARY_PATH", str(path))
    return add
