"""忘记密码找回's benchmark entries are counted, each at what docs/architecture.md says."""

from __future__ import annotations

from bench.counting import RoundTripCounter
from bench.figures import round_trips
from bench.flows import FLOWS, Harness

# Round trips each recovery step makes today (the 短信验证 one is one above its design minimum:
# the SMS code's acceptance stays the code repository's own conditional write).
EXPECTED = {
    "recovery 填写账号 (忘记密码找回 step 1)": 5,
    "recovery 短信验证 (step 2 by SMS)": 4,
    "recovery 人脸识别 (step 2 by face)": 3,
    "recovery 设置新密码 (step 3, one session to revoke)": 5,
}


def test_the_recovery_entries_count_what_the_architecture_says(app):
    # GIVEN the recovery's entries
    flows = tuple(f for f in FLOWS if f.name in EXPECTED)
    assert len(flows) == len(EXPECTED)
    # WHEN the benchmark runs just those
    rows = round_trips(Harness(app), RoundTripCounter(), flows=flows)
    # THEN each makes the round trips documented, and meets its goal
    for row in rows:
        assert row.detail["round_trips"] == EXPECTED[row.name], (row.name, row.detail["calls"])
        assert row.ok is not False, row.name
