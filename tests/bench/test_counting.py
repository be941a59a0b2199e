"""The benchmark's counting hook counts what DynamoDB was asked, and a flow is one entry.

Counts only: no timing here (speed goals live in `make bench`).
"""

from __future__ import annotations

from bench.counting import RoundTripCounter
from bench.figures import round_trips
from bench.flows import FLOWS, AtMost, Exactly, Flow, Harness, WritesInOneTransaction, expect


def test_a_getitem_counts_as_one_round_trip_with_its_capacity():
    # GIVEN a counter and the client PynamoDB uses for the sessions table
    from chalicelib.store.models import SessionModel

    counter = RoundTripCounter()
    counter.arm_all()
    client = SessionModel._get_connection().connection.client

    # WHEN one GetItem is made without asking for consumed capacity
    with counter.counting() as calls:
        client.get_item(TableName=SessionModel.Meta.table_name, Key={"token_hash": {"S": "absent"}})

    # THEN it is one round trip, on that table, and the hook asked for its capacity
    assert calls.round_trips == 1
    assert calls.operations() == ["GetItem"]
    assert calls.items[0].tables == (SessionModel.Meta.table_name,)
    assert calls.items[0].capacity > 0


def test_a_transaction_over_three_tables_is_one_round_trip():
    from chalicelib.store import accounts

    counter = RoundTripCounter()
    with counter.counting() as calls:
        accounts.get_with_lock("no-such-account", "account#no-such-account", "rate#none#x#1")

    assert calls.round_trips == 1
    assert calls.operations() == ["TransactGetItems"]
    assert sorted(t.rsplit("-", 1)[-1] for t in calls.items[0].tables) == ["accounts", "flows", "lockouts"]


def test_a_failed_conditional_write_still_counts():
    from chalicelib import clock
    from chalicelib.store import records

    counter = RoundTripCounter()
    with counter.counting() as calls:
        assert records.consume_captcha("never-issued", clock.now()) is None

    assert calls.round_trips == 1
    assert calls.items[0].error == "ConditionalCheckFailedException"


def test_calls_outside_counting_are_not_recorded():
    from chalicelib.store import sessions

    counter = RoundTripCounter()
    with counter.counting() as calls:
        pass
    sessions.get("absent")

    assert calls.round_trips == 0


def test_adding_a_flow_is_one_entry(app):
    # GIVEN one new entry: a citizen reading who they are
    entry = Flow(
        name="who am I (test entry)",
        setup=lambda h: h.registered()[0],
        action=lambda h, browser: expect(browser.get("/api/me"), 200),
        design_min=1,
        why="one GetItem of the session",
        goal=Exactly(1),
    )

    # WHEN the benchmark runs just that entry
    rows = round_trips(Harness(app), RoundTripCounter(), flows=(entry,))

    # THEN it reports one row, counted, next to its minimum and goal
    (row,) = rows
    assert row.name == "who am I (test entry)"
    assert row.detail["round_trips"] == 1
    assert row.detail["calls"].startswith("GetItem(")
    assert row.ratio == 1.0
    assert row.ok is True


def test_goals_judge_the_recorded_calls():
    from bench.counting import Call, Calls

    calls = Calls(
        [
            Call("UpdateItem", ("p-flows",), 1.0),
            Call("TransactWriteItems", ("p-claims", "p-claims", "p-accounts"), 6.0),
            Call("TransactWriteItems", ("p-sessions", "p-audit_events"), 4.0),
        ]
    )
    assert AtMost(3).met(calls) and not AtMost(2).met(calls)
    assert Exactly(3).met(calls)
    assert WritesInOneTransaction(("accounts", "claims")).met(calls)
    split = Calls([Call("PutItem", ("p-accounts",), 1.0), Call("TransactWriteItems", ("p-claims",), 2.0)])
    assert not WritesInOneTransaction(("accounts", "claims")).met(split)


def test_every_registered_flow_has_a_unique_name_and_a_reason():
    names = [f.name for f in FLOWS]
    assert len(names) == len(set(names))
    assert all(f.design_min >= 1 and f.why for f in FLOWS)


def test_the_qr_login_entries_count_at_their_design_minimum(app):
    # GIVEN the 扫码登录 entries (create, scan, confirm, collect, poll): no external stub needed
    qr = tuple(f for f in FLOWS if f.name.startswith("QR "))
    assert len(qr) == 5

    # WHEN the benchmark runs just those
    rows = round_trips(Harness(app), RoundTripCounter(), flows=qr)

    # THEN each is counted, at its design minimum, and meets its goal
    for row in rows:
        assert row.detail["round_trips"] == row.detail["design_min"], (row.name, row.detail["calls"])
        assert row.ok is True, row.name


def test_the_federated_callbacks_have_entries_with_reasons():
    names = " ".join(f.name for f in FLOWS)
    for wanted in ("e-SSC callback", "OIDC callback", "Alipay callback"):
        assert wanted in names
