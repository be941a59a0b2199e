"""Unit tests check rules in plain Python: they need no tables."""

from __future__ import annotations

import base64
import json

import pytest

from tests.no_tables import tables  # noqa: F401 - replaces the root fixture here


@pytest.fixture
def use_keys(monkeypatch):
    """Install a keys document (as ``HALL_LOCAL_KEYS``) and return it."""

    def install(document: dict | None = None) -> dict:
        from chalicelib import crypto

        document = document or crypto.generate_keys_document()
        monkeypatch.setenv("HALL_LOCAL_KEYS", base64.b64encode(json.dumps(document).encode()).decode())
        return document

    return install
