"""Identity levels (chalicelib/domain/levels.py)."""

from __future__ import annotations

from chalicelib.domain.levels import AuthLevel


def test_levels_are_named_as_in_the_manual():
    assert [(int(level), level.label) for level in AuthLevel] == [(1, "注册用户"), (2, "实名用户"), (3, "实人用户")]


def test_a_higher_level_allows_everything_a_lower_one_does():
    for held in AuthLevel:
        for required in AuthLevel:
            assert held.allows(required) is (int(held) >= int(required))


def test_a_registered_user_may_not_do_real_name_business():
    assert not AuthLevel.REGISTERED.allows(AuthLevel.REAL_NAME)
    assert AuthLevel.REAL_NAME.allows(AuthLevel.REAL_NAME)
    assert not AuthLevel.REAL_NAME.allows(AuthLevel.REAL_PERSON)
