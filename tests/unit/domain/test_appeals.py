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
