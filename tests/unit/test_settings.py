"""Settings (chalicelib/settings.py): one field per setting, read lazily, cached on the environment."""

from __future__ import annotations

import dataclasses
import os
from datetime import timedelta

import pytest

from chalicelib import settings


class RecordingEnvironment(dict):
    """A plain-dict environment (as Chalice's test client swaps in) that records every name read."""

    def __init__(self, *args) -> None:
        super().__init__(*args)
        self.read: set[str] = set()

    def get(self, key, default=None):
        self.read.add(key)
        return super().get(key, default)

    def __getitem__(self, key):
        self.read.add(key)
        return super().__getitem__(key)

    def __contains__(self, key):
        self.read.add(key)
        return super().__contains__(key)


@pytest.fixture
def fresh_settings():
    settings.reset()
    yield
    settings.reset()


def test_settings_watch_every_variable_they_read(monkeypatch, fresh_settings):
    # GIVEN an environment that records what is read from it
    environment = RecordingEnvironment(os.environ)
    monkeypatch.setattr(os, "environ", environment)
    # WHEN the settings are read
    settings.get()
    # THEN they read exactly the variables their cache is keyed on, and every field names its own
    assert environment.read == set(settings._NAMES)
    assert all(f.metadata["env"] for f in dataclasses.fields(settings.Settings))


def test_an_empty_environment_gives_the_defaults(monkeypatch, fresh_settings):
    monkeypatch.setattr(os, "environ", {"HALL_STAGE": "", "HALL_SECURE_COOKIES": ""})  # empty counts as unset
    current = settings.get()
    assert current == settings.Settings()
    assert (current.stage, current.table_prefix, current.region) == ("dev", "hall-dev", "cn-north-1")
    assert current.secure_cookies is True and current.local_keys == {}
    assert (current.max_password_failures, current.lockout_duration, current.session_absolute) == (
        5,
        timedelta(hours=4),
        timedelta(hours=12),
    )


def test_each_variable_is_parsed_by_its_field(monkeypatch, fresh_settings):
    monkeypatch.setattr(
        os,
        "environ",
        {
            "HALL_SECURE_COOKIES": "false",
            "HALL_LOCKOUT_MINUTES": "90",
            "HALL_SMS_DAILY_LIMIT": "3",
            "AWS_DEFAULT_REGION": "cn-northwest-1",  # AWS_REGION unset: the fallback is read
        },
    )
    current = settings.get()
    assert current.secure_cookies is False
    assert current.lockout_duration == timedelta(minutes=90)
    assert current.sms_daily_limit_per_phone == 3
    assert current.region == "cn-northwest-1"


def test_a_changed_process_environment_is_seen_on_the_next_call(monkeypatch, fresh_settings):
    # GIVEN settings read once from the process environment
    monkeypatch.setenv("HALL_AGREEMENT_VERSION", "2024-01")
    assert settings.get() is settings.get()  # unchanged: the same object, nothing read again
    # WHEN a variable is set, changed or removed in place THEN the next call sees it, without a reset
    monkeypatch.setenv("HALL_AGREEMENT_VERSION", "2025-06")
    assert settings.get().agreement_version == "2025-06"
    monkeypatch.setenv("HALL_SMS_PROVIDER", "aws")
    assert settings.get().sms_provider == "aws"
    monkeypatch.delenv("HALL_SMS_PROVIDER")
    assert settings.get().sms_provider == "outbox"


def test_a_swapped_in_environment_is_seen_and_the_process_one_again_after(monkeypatch, fresh_settings):
    # GIVEN the process environment's stage
    monkeypatch.setenv("HALL_STAGE", "dev")
    assert settings.get().is_dev
    # WHEN Chalice's test client swaps in a plain dict for a call THEN that dict is read
    saved = os.environ
    monkeypatch.setattr(os, "environ", {**saved, "HALL_STAGE": "prod"})
    assert settings.get().stage == "prod"
    # AND once it is swapped back, the process environment is read again
    monkeypatch.setattr(os, "environ", saved)
    assert settings.get().is_dev
