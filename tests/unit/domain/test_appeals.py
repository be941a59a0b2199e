"""用户申诉 types (chalicelib/domain/appeals.py): one home for their ids, titles and pages."""

from __future__ import annotations

from chalicelib.domain.appeals import AppealType
from chalicelib.errors import HallError


def test_the_types_are_the_manuals_in_its_order_with_stable_ids():
    assert [(kind.value, kind.label) for kind in AppealType] == [
        ("id_number_taken", "证件号码被占用"),
        ("phone_taken", "移动电话已被占用"),
        ("family_number_bound", "亲情号解绑"),
        ("other", "其他"),
    ]
    assert (
        AppealType.FAMILY_NUMBER_BOUND.description
        == "证件号码已被绑定为亲情号，导致无法注册，可通过此种方式解除绑定关系。"
    )


def test_each_type_is_filed_on_the_appeal_page_opened_at_it():
    assert AppealType.PHONE_TAKEN.path == "/appeal?type=phone_taken"


def test_an_unknown_id_finds_no_type():
    assert AppealType.find("phone_taken") is AppealType.PHONE_TAKEN
    assert AppealType.find("nonsense") is None and AppealType.find(None) is None


def test_each_registration_conflict_names_its_appeal_by_the_same_title_and_page():
    # GIVEN the three conflicts registration can meet WHEN each is raised
    for error, kind in [
        (HallError.id_number_taken(), AppealType.ID_NUMBER_TAKEN),
        (HallError.phone_taken(), AppealType.PHONE_TAKEN),
        (HallError.family_number_bound(), AppealType.FAMILY_NUMBER_BOUND),
    ]:
        body = error.body()
        # THEN it points to the matching type, its page, and names it as the appeal screen does
        assert (body["appeal"], body["appeal_url"]) == (kind.value, kind.path)
        assert f"“用户申诉—{kind.label}”" in body["message"]


def test_each_type_has_the_manuals_steps_and_instructions():
    # 亲情号解绑申诉: 填写证件信息 ● 人脸认证 ● 完成申诉, word for word
    assert AppealType.FAMILY_NUMBER_BOUND.title == "亲情号解绑申诉"
    assert AppealType.FAMILY_NUMBER_BOUND.steps == ("填写证件信息", "人脸认证", "完成申诉")
    assert AppealType.ID_NUMBER_TAKEN.steps[1:3] == ("人脸识别", "设置新密码")
    assert AppealType.PHONE_TAKEN.instructions[-1] == "4.输入新的手机号码并完成短信验证。"
    assert [kind.verified_by_face for kind in AppealType] == [True, True, True, False]


def test_an_appeal_number_is_the_china_date_and_ten_random_digits():
    from datetime import date

    from chalicelib.domain.appeals import new_appeal_id, normalize_appeal_id

    numbers = {new_appeal_id(date(2026, 11, 30)) for _ in range(50)}
    assert all(n.startswith("20261130") and len(n) == 18 and n.isdigit() for n in numbers)
    assert len(numbers) == 50
    assert normalize_appeal_id(" ２０２６１１３０１２３４５６７８９０ ") == "202611301234567890"


def test_malformed_appeal_numbers_texts_and_notes_are_refused():
    import pytest

    from chalicelib.domain.appeals import normalize_appeal_id, validate_note, validate_text
    from chalicelib.domain.identity import InvalidValue

    for raw in ("", "2026113012345678", "20261130123456789٣", "2026113012345678901"):
        with pytest.raises(InvalidValue):
            normalize_appeal_id(raw)
    with pytest.raises(InvalidValue):
        validate_text("太短了")
    with pytest.raises(InvalidValue):
        validate_text("字" * 501)
    assert validate_text("  我的账户无法登录\u0007，请帮忙处理。\n谢谢  ") == "我的账户无法登录，请帮忙处理。\n谢谢"
    with pytest.raises(InvalidValue):
        validate_note("   ")
