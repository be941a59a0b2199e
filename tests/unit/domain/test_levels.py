"""Identity levels (chalicelib/domain/levels.py)."""

from __future__ import annotations

import pytest

from chalicelib.domain.levels import AuthLevel, shortfall


def test_levels_are_named_as_in_the_manual():
    assert [(int(level), level.label) for level in AuthLevel] == [(1, "注册用户"), (2, "实名用户"), (3, "实人用户")]


def test_a_service_requiring_real_name_is_refused_to_a_registered_user():
    # GIVEN a service only 实名用户 may use (实名可办理人社业务)
    required = AuthLevel.REAL_NAME
    # WHEN a 注册用户 (name and ID not matched in the base library) asks for it THEN they are refused
    assert AuthLevel.REGISTERED.allows(required) is False


@pytest.mark.parametrize("held", [AuthLevel.REAL_NAME, AuthLevel.REAL_PERSON], ids=["实名用户", "实人用户"])
def test_a_service_requiring_real_name_is_allowed_to_real_name_and_real_person_users(held):
    # GIVEN a service requiring 实名 WHEN a 实名用户 or a 实人用户 asks for it THEN it is allowed
    assert held.allows(AuthLevel.REAL_NAME) is True


@pytest.mark.parametrize(
    ("held", "allowed"),
    [(AuthLevel.REGISTERED, False), (AuthLevel.REAL_NAME, False), (AuthLevel.REAL_PERSON, True)],
    ids=["注册用户", "实名用户", "实人用户"],
)
def test_a_service_requiring_real_person_is_allowed_only_after_face_verification(held, allowed):
    # GIVEN a service only 实人用户 may use (实人可办理更多的业务)
    # WHEN a citizen of each level asks for it THEN only the 实人用户 is allowed
    assert held.allows(AuthLevel.REAL_PERSON) is allowed


@pytest.mark.parametrize("held", list(AuthLevel), ids=["注册用户", "实名用户", "实人用户"])
def test_a_service_open_to_registered_users_is_allowed_to_every_level(held):
    # GIVEN a service any registered citizen may use WHEN a citizen of any level asks THEN it is allowed
    assert held.allows(AuthLevel.REGISTERED) is True


# -- what a refusal says (the rule behind level_too_low) --------------------------------------


def test_the_rule_says_which_level_is_missing_and_how_to_reach_it():
    assert shortfall(2, AuthLevel.REAL_NAME) is None
    assert shortfall(3, AuthLevel.REAL_NAME) is None
    one_up = shortfall(1, AuthLevel.REAL_NAME)
    assert one_up.upgrade_url == "/user/profile#real-name"
    assert "实名用户" in one_up.message and "基本信息修改" in one_up.message
    face = shortfall(2, AuthLevel.REAL_PERSON)
    assert face.upgrade_url == "/user/profile#real-person" and "人脸认证" in face.message
    # Two levels short: first 实名 (the next step), and the message names both steps.
    two_up = shortfall(1, AuthLevel.REAL_PERSON)
    assert two_up.upgrade_url == "/user/profile#real-name"
    assert "基本信息修改" in two_up.message and "人脸认证" in two_up.message
