"""The 个人用户中心 entries (在线办理, 好差评, the 办件 cards, 收藏, a record list) are counted,
each at what docs/architecture.md says ("DynamoDB round trips per flow").

A count that moves, down or up, is a change to the table: a flow got cheaper (lower the
figure here and there) or dearer (say why there, or undo it).
"""

from __future__ import annotations

from bench.counting import RoundTripCounter
from bench.figures import round_trips
from bench.flows import FLOWS, Harness

# Round trips each entry makes today, and the design's minimum (bench/flows.py says why).
MEASURED = {
    "在线办理 (POST /api/services/{code}/applications)": (2, 2),
    "好差评 (POST /api/cases/{case_id}/evaluation)": (3, 2),
    "办件 cards 办理中/已办结/待评价 (GET /api/cases)": (3, 3),
    "收藏 (PUT /api/favourites/{code})": (2, 2),
    "records list 我的缴费记录 (GET /api/records/payments)": (2, 2),
}


def test_the_user_center_entries_count_what_the_architecture_says(app, monkeypatch):
    import os

    # The harness points the base library at its own copy (实名 citizens): undone after the test.
    monkeypatch.setenv("HALL_LOCAL_BASE_LIBRARY_PATH", os.environ["HALL_LOCAL_BASE_LIBRARY_PATH"])
    # GIVEN the entries
    flows = tuple(f for f in FLOWS if f.name in MEASURED)
    assert {f.name: f.design_min for f in flows} == {name: minimum for name, (_, minimum) in MEASURED.items()}
    # WHEN the benchmark runs just those
    rows = round_trips(Harness(app), RoundTripCounter(), flows=flows)
    # THEN each makes the round trips documented, never fewer than its minimum, and meets its goal
    measured = "\n".join(f"{row.name}: {row.detail['round_trips']} {row.detail['calls']}" for row in rows)
    for row in rows:
        assert row.detail["round_trips"] == MEASURED[row.name][0], measured
        assert row.ok is not False, (row.name, row.detail["calls"])
