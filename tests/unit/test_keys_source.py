"""Where keys come from in prod: the secret, re-read when Powertools' cache expires."""

from __future__ import annotations

import json

import pytest

from chalicelib import crypto


def test_a_rotated_secret_reaches_a_running_container(monkeypatch):
    from aws_lambda_powertools.utilities import parameters

    # GIVEN the prod stage reading its keys from a secret
    first, second = crypto.generate_keys_document(), crypto.generate_keys_document()
    current = {"value": json.dumps(first)}
    monkeypatch.setenv("HALL_KEYS_SECRET_ARN", "jiangsu-hall-prod/keys")
    monkeypatch.setattr(parameters, "get_secret", lambda name, max_age: current["value"])
    before = crypto.mac("phone", "13800138000")
    # WHEN the operator puts a new document (and the 5-minute cache has expired)
    current["value"] = json.dumps(second)
    # THEN the next call uses it
    assert crypto.mac("phone", "13800138000") != before


def test_the_placeholder_secret_fails_with_a_clear_message(monkeypatch):
    from aws_lambda_powertools.utilities import parameters

    monkeypatch.setenv("HALL_KEYS_SECRET_ARN", "jiangsu-hall-prod/keys")
    monkeypatch.setattr(parameters, "get_secret", lambda name, max_age: json.dumps({"placeholder": "set me"}))
    with pytest.raises(crypto.KeysNotConfiguredError, match="keys generate"):
        crypto.keys()
