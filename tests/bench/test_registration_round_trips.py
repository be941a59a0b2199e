"""Registration is counted at what docs/architecture.md says: the code's try, then one
transaction for everything it writes (the code's use, the account, its claims, the first
session, the event and the device seen on the account)."""

from __future__ import annotations

from bench.counting import RoundTripCounter
from bench.figures import round_trips
from bench.flows import FLOWS, Harness


def test_registration_is_two_round_trips_with_every_write_in_one_transaction(app):
    flows = tuple(f for f in FLOWS if f.name == "registration")
    (row,) = round_trips(Harness(app), RoundTripCounter(), flows=flows)
    assert row.detail["round_trips"] == row.detail["design_min"] == 2, row.detail["calls"]
    assert row.ok is True, row.detail["calls"]
