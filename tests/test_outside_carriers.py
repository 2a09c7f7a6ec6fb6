"""Loads the region's drayage fleet cannot take go with outside carriers, at a price."""

from calexico.running.runs import daily_table
from model import BorderModel

SHORT = {"simulation.start_date": "2024-02-05", "simulation.days": 28, "simulation.warmup_days": 7}


def run(**params):
    m = BorderModel({**SHORT, **params}, seed=5).run()
    d = daily_table(m)
    return m, d[d["measured"]]


def test_a_short_fleet_prices_the_loads_it_cannot_take_instead_of_holding_them():
    base_m, base = run()
    short_m, short = run(**{"trucking.fleet_trucks": 150})
    # The loads still cross: northbound trucks within a few percent, and no pile of goods held.
    assert abs(short["northbound_trucks"].sum() / base["northbound_trucks"].sum() - 1) < 0.05
    assert short_m.freight.goods_backlog.sum() < 2 * base_m.freight.goods_backlog.sum() + 50
    # They cost more: outside carriers at trucking.outside_rate_factor times the local rate.
    assert short["cost_outside_carriers_usd"].sum() > 10 * max(base["cost_outside_carriers_usd"].sum(), 1e4)


def test_outside_carriers_cost_nothing_extra_at_the_local_rate():
    _, same = run(**{"trucking.fleet_trucks": 150, "trucking.outside_rate_factor": 1.0})
    assert same["cost_outside_carriers_usd"].sum() == 0.0
    _, dear = run(**{"trucking.fleet_trucks": 150, "trucking.outside_rate_factor": 2.0})
    _, mid = run(**{"trucking.fleet_trucks": 150, "trucking.outside_rate_factor": 1.5})
    assert dear["cost_outside_carriers_usd"].sum() > 1.5 * mid["cost_outside_carriers_usd"].sum()
