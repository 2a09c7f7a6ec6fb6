"""Carriers send whole loads: each crossing gets its share's whole loads and the loads left
over go to the largest remainders, so no load is lost or made up in the split."""

import numpy as np

from calexico.running import runs, scenarios
from model import BorderModel
from model.freight import largest_remainders


def _by_sorting(loads, shares):
    """The rule written with numpy's sorts (a stable order for ties), to hold the compiled one to."""
    raw = loads[:, None] * shares
    counts = np.floor(raw)
    short = np.round(loads - counts.sum(axis=1))
    rank = np.argsort(np.argsort(counts - raw, axis=1, kind="stable"), axis=1, kind="stable")
    return counts + (rank < short[:, None])


def test_whole_loads_add_up_and_go_to_the_largest_remainders():
    rng = np.random.default_rng(0)
    for case in range(3000):
        groups = int(rng.integers(1, 12))
        loads = np.floor(rng.exponential(50.0, groups))
        if case % 3 == 0:  # ties everywhere
            shares = np.full((groups, 3), 1.0 / 3.0)
        elif case % 3 == 1:
            shares = rng.dirichlet(np.ones(3), groups)
        else:
            shares = np.tile([0.5, 0.5, 0.0], (groups, 1))
        counts = largest_remainders(loads, shares)
        assert np.array_equal(counts.sum(axis=1), loads)
        assert (counts >= np.floor(loads[:, None] * shares)).all()
        assert np.array_equal(counts, _by_sorting(loads, shares))


def test_ties_go_to_the_first_crossing():
    counts = largest_remainders(np.array([2.0]), np.array([[1 / 3, 1 / 3, 1 / 3]]))
    assert counts.tolist() == [[1.0, 1.0, 0.0]]


def test_rounding_alone_diverts_no_load():
    """With no wait at the port no load is diverted: a load that whole-load rounding sends to
    another port is compared with free flow's whole loads, not its fractions (which counted
    about 1,100 loads a year and $250k of detours as diverted)."""
    daily = runs.run(scenarios.load("no_delay"), seed=0, days=120).daily
    diverted = ["diverted_otay_mesa", "diverted_san_luis", "diverted_south_otay_mesa", "diverted_south_san_luis"]
    assert daily[diverted].to_numpy().sum() == 0
    assert daily["cost_detour_usd"].sum() == 0


def test_loads_held_back_are_not_counted_as_diverted():
    """Ten loads whose free flow sends one to each other port: with no room at East, three go
    around and five wait with the shipper. Three are diverted, not four (the five held are not
    a smaller day whose free flow would send fewer elsewhere)."""
    model = BorderModel(collect=False)
    model.step()
    freight = model.freight
    east, (first, second) = freight.east, freight.other_ports
    shares = np.zeros((1, 3))
    shares[0, [east, first, second]] = 0.8, 0.1, 0.1
    freight._free_flow["goods"] = (shares, np.zeros((1, 1)))
    counts = np.zeros((1, 3))
    counts[0, [first, second]] = 3.0, 2.0  # 1 + 2 and 1 + 1 around; 5 held, none at East
    before = freight.ledger["diverted"]
    freight._go_around(counts, np.array([10.0]), "goods", np.zeros((1, 3)), freight.diverted_columns)
    assert freight.ledger["diverted"] - before == 3.0
