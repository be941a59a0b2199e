"""The data-rights rules: the cooling-off, the due day, the days the job reads, what events keep."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from chalicelib.domain import data_rights as rules


def test_a_deletion_falls_due_fifteen_days_after_the_request_on_its_china_day():
    requested = datetime(2026, 11, 30, 17, 30, tzinfo=UTC)  # 01:30 on 1 December in China
    due = rules.due_at(requested)
    assert due == requested + timedelta(days=15)
    assert rules.due_day(due) == "2026-12-16"


def test_the_job_reads_from_its_last_day_inclusive_to_today():
    now = datetime(2026, 12, 16, 18, 0, tzinfo=UTC)  # 02:00 on 17 December in China
    assert rules.days_to_read("2026-12-15", now) == ["2026-12-15", "2026-12-16", "2026-12-17"]
    assert rules.days_to_read("2026-12-17", now) == ["2026-12-17"]


def test_a_first_run_or_an_unreadable_checkpoint_reads_a_month_back_and_never_more():
    now = datetime(2026, 12, 16, 18, 0, tzinfo=UTC)
    for last in (None, "garbage", "2020-01-01"):
        days = rules.days_to_read(last, now)
        assert len(days) == rules.FIRST_RUN_DAYS + 1 and days[-1] == "2026-12-17"


def test_a_deleted_accounts_event_keeps_where_and_how_never_who():
    detail = {"ip": "10.0.0.1", "device": "Chrome · Windows", "phone": "138****5678", "old_phone": "139****0000"}
    assert rules.kept_detail(detail) == {"ip": "10.0.0.1", "device": "Chrome · Windows"}
    assert rules.kept_detail(None) == {}


def test_proofs_are_for_one_of_two_purposes_and_live_five_minutes():
    assert {p.value for p in rules.ReauthPurpose} == {"export", "cancel"}
    assert rules.PROOF_LIFETIME == timedelta(minutes=5)
    assert rules.COOLING_OFF == timedelta(days=15)
