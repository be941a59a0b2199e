"""The entries of the link step, 账号绑定, 用户申诉, 亲情号, 基本信息修改 and 账号安全 are counted,
each at what docs/architecture.md says ("DynamoDB round trips per flow").

A count that moves, down or up, is a change to the table: a flow got cheaper (lower the
figure here and there) or dearer (say why there, or undo it).
"""

from __future__ import annotations

import pytest

from bench.counting import RoundTripCounter
from bench.figures import round_trips
from bench.flows import FLOWS, Harness

# Round trips each entry makes today, and the design's minimum (bench/flows.py says why).
MEASURED = {
    "link step 账号关联, prove by password": (5, 4),
    "link step 账号关联, prove by SMS": (5, 4),
    "link step 账号关联, identify (支付宝: the ID number said has an account)": (4, 3),
    "link step 账号关联, create (电子社保卡 holder without an account)": (5, 3),
    "unlink 解除绑定 (DELETE /api/account/links/{provider})": (3, 3),
    "appeal 填写证件信息 (用户申诉 step 1, face check started)": (2, 2),
    "appeal 人脸识别 (移动电话已被占用 → verified)": (3, 3),
    "appeal 人脸识别 (证件号码被占用 → verified)": (4, 4),
    "appeal 设置新密码 (证件号码被占用 take-over, one session to revoke)": (6, 5),
    "appeal 短信验证 (移动电话已被占用: phone released, appellant without an account)": (6, 5),
    "appeal 亲情号解绑 (人脸认证 → released at once)": (5, 5),
    "appeal ticket 其他 (POST /api/appeal-tickets)": (2, 2),
    "亲情号 bind (POST /api/family-numbers)": (4, 4),
    "亲情号 unbind (DELETE /api/family-numbers/{id})": (3, 3),
    "name correction 基本信息修改 (注册用户 → 实名用户, one session)": (6, 6),
    "change password 修改密码 (one other session to end)": (6, 6),
    "change phone 修改移动电话 (one session)": (10, 7),
    "security events 安全记录 (GET /api/account/security-events, one page)": (2, 2),
    "退出其他设备 (DELETE /api/sessions/others, one other session)": (4, 3),
}

GROUPS = {
    "link": ("link step", "unlink"),
    "appeals": ("appeal ",),
    "user_center": ("亲情号", "name correction", "change ", "security events", "退出其他设备"),
}


def _entries(prefixes: tuple[str, ...]):
    return tuple(f for f in FLOWS if f.name in MEASURED and f.name.startswith(prefixes))


def test_every_entry_named_here_is_registered_with_its_minimum():
    registered = {f.name: f.design_min for f in FLOWS if f.name in MEASURED}
    assert registered == {name: minimum for name, (_, minimum) in MEASURED.items()}
    assert sum(len(_entries(p)) for p in GROUPS.values()) == len(MEASURED)


@pytest.mark.parametrize("group", sorted(GROUPS))
def test_the_entries_count_what_the_architecture_says(app, monkeypatch, group):
    import os

    # The harness points the base library at its own copy (亲情号, 基本信息修改): undone after the test.
    monkeypatch.setenv("HALL_LOCAL_BASE_LIBRARY_PATH", os.environ["HALL_LOCAL_BASE_LIBRARY_PATH"])
    # GIVEN the group's entries
    flows = _entries(GROUPS[group])
    # WHEN the benchmark runs just those
    rows = round_trips(Harness(app), RoundTripCounter(), flows=flows)
    # THEN each makes the round trips documented, never fewer than its minimum, and meets its goal
    assert [r.name for r in rows] == [f.name for f in flows]
    for row in rows:
        measured, minimum = MEASURED[row.name]
        assert row.detail["round_trips"] == measured, (row.name, row.detail["calls"])
        assert row.detail["design_min"] == minimum <= measured, row.name
        assert row.ok is not False, (row.name, row.detail["calls"])
