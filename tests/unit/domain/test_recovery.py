"""忘记密码找回's steps: each after the one before it, never skipped."""

from __future__ import annotations

from chalicelib.domain.recovery import LIFETIME, RecoveryState, VerifiedBy, required_state


def test_a_verification_needs_the_account_filled_in_and_the_password_a_verification():
    assert required_state("verify") is RecoveryState.IDENTIFIED
    assert required_state("password") is RecoveryState.VERIFIED


def test_the_stored_names_never_change():
    assert [s.value for s in RecoveryState] == ["identified", "verified", "done"]
    assert [v.value for v in VerifiedBy] == ["face", "sms_code"]


def test_a_recovery_lives_long_enough_for_a_face_check_and_no_longer_than_half_an_hour():
    assert 10 * 60 < LIFETIME.total_seconds() <= 30 * 60
