"""Conservation, determinism, bounds and a closure day, on short runs of the whole model."""

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from calexico.running.runs import daily_table
from model import BorderModel, Event

SHORT = {"simulation.days": 40, "simulation.warmup_days": 0}


def run(seed=1, events=(), **params):
    return BorderModel({**SHORT, **params}, seed=seed, events=events).run()


CLOSED = {
    "commercial": ("east_commercial_standard", "east_commercial_fast", "east_commercial_empty",
                   "east_commercial_south"),
    "standard lane": ("east_mx_export_standard", "east_commercial_standard"),
    "FAST lane": ("east_mx_export_express", "east_commercial_fast"),
}


@pytest.mark.parametrize("waiting", [True, False], ids=["port", "no-delay twin"])
@pytest.mark.parametrize("closed", list(CLOSED))
def test_every_load_is_delivered_in_transit_diverted_or_spoiled(closed, waiting):
    """Also while one loaded lane is closed, and in the no-delay world, where a lane shut all day
    still takes no truck (loads sent to it were lost)."""
    closure = Event("closure", dt.date(2024, 1, 10), dt.date(2024, 1, 12), CLOSED[closed])
    m = run(events=(closure,), **{"port.waiting": waiting})
    ledger = m.freight.ledger
    # Loads in line overnight: at the US lines and at Mexico's export customs in front of them.
    queued = sum(m.lines[m.line_index[n]].carried_wait_min.shape[0]
                 for n in ("east_commercial_standard", "east_commercial_fast",
                           "east_mx_export_standard", "east_mx_export_express"))
    in_transit = (m.freight.produce_backlog.sum() + m.freight.goods_backlog.sum() + m.freight.inputs_backlog.sum()
                  + m.freight.inputs_in_line.sum() + queued)
    accounted = ledger["delivered"] + ledger["diverted"] + ledger["spoiled"] + in_transit
    assert ledger["created"] > 1000
    assert accounted == pytest.approx(ledger["created"], rel=1e-9, abs=1e-6)


def test_no_negative_stock_and_employment_within_labour_available():
    m = run(**{"lines.east_commercial_south.booths": 1})
    assert all(p.stock_days >= -1e-9 for p in m.manufacturers)
    assert (m.freight.produce_backlog >= -1e-9).all() and (m.freight.goods_backlog >= -1e-9).all()
    daily = daily_table(m)
    pool = m.params["labour.farm_commuters_peak"]
    assert (daily["farm_commuters"] <= pool + 1e-6).all()
    assert (daily["field_workers_us"] <= m.local_farm_workers + pool + 1e-6).all()
    start_jobs = m.params["manufacturing.jobs"]
    assert (daily["jobs_manufacturing_mx"] <= start_jobs * 1.02 + 1e-6).all()


def test_same_seed_same_daily_table_and_another_seed_another():
    a, b, c = (daily_table(run(seed=s)) for s in (4, 4, 5))
    pd.testing.assert_frame_equal(a, b)
    assert not a["commercial_wait_mean_min"].equals(c["commercial_wait_mean_min"])


def test_a_closure_day_stops_trucks_raises_diversions_and_carries_the_queue():
    commercial = ("east_commercial_standard", "east_commercial_fast", "east_commercial_empty",
                  "east_commercial_south")
    day = dt.date(2024, 1, 17)  # a Wednesday
    closure = Event("closure", day, day, commercial)
    base = daily_table(run(seed=2)).set_index("date")
    shut = daily_table(run(seed=2, events=(closure,))).set_index("date")
    d, before = pd.Timestamp(day), pd.Timestamp(day - dt.timedelta(days=1))
    assert shut.loc[d, "northbound_trucks"] == 0
    assert shut.loc[d, "southbound_trucks"] == 0
    diverted = shut.loc[d, ["diverted_otay_mesa", "diverted_san_luis"]].sum()
    assert diverted > base.loc[d, ["diverted_otay_mesa", "diverted_san_luis"]].sum()
    # Loads held for the reopening, plus those in line, reach the port the next day.
    after = pd.Timestamp(day + dt.timedelta(days=1))
    assert shut.loc[after, "northbound_trucks"] > base.loc[after, "northbound_trucks"]
    assert shut.loc[before, "commercial_queue_at_close"] == base.loc[before, "commercial_queue_at_close"]


def test_the_no_delay_world_has_no_waiting_but_the_same_work():
    m = run(**{"port.waiting": False})
    daily = daily_table(m)
    assert (daily["commercial_wait_mean_min"] == 0).all()
    assert daily["northbound_trucks"].sum() > 0
    assert daily["cost_truck_delay_usd"].sum() == 0


def test_a_one_to_one_run_has_one_agent_per_commuter():
    m = BorderModel({"simulation.days": 3, "simulation.warmup_days": 0,
                     "simulation.workers_per_agent": 1}, seed=1).run()
    heads = m.workforce.headcount
    assert np.allclose(heads, 1.0)
    expected = m.params["labour.farm_commuters_peak"] + m.params["labour.nonfarm_commuters"]
    assert heads.shape[0] == pytest.approx(expected, abs=2)


def test_a_port_closure_is_followed_by_recovery_not_a_runaway_queue():
    commercial = ("east_commercial_standard", "east_commercial_fast", "east_commercial_empty",
                  "east_commercial_south")
    closure = Event("closure", dt.date(2024, 1, 9), dt.date(2024, 1, 11), commercial)
    daily = daily_table(BorderModel({"simulation.days": 45, "simulation.warmup_days": 0}, seed=3,
                                    events=(closure,)).run()).set_index("date")
    late = daily.loc["2024-02-05":"2024-02-14"]
    assert late["commercial_wait_mean_min"].max() < 8 * 60
    assert late["east_commercial_south_queue_at_close"].max() < 2000


def test_a_staffing_cut_of_30_percent_removes_30_percent_of_booth_hours():
    from model import resolve
    from model.port import Line

    for name in ("east_commercial_standard", "east_commercial_fast", "east_commercial_empty"):
        line = Line(name, 0, resolve())
        full, cut = line.booths_by_hour(2, 1.0, False).sum(), line.booths_by_hour(2, 0.7, False).sum()
        assert cut / full == pytest.approx(0.7, abs=0.05)


def test_a_run_may_start_on_a_sunday_when_the_cargo_lanes_are_shut():
    m = BorderModel({"simulation.start_date": "2023-01-01", "simulation.days": 3, "simulation.warmup_days": 0},
                    seed=1).run()
    assert m.first_day.weekday() == 6 and m.freight.ledger["created"] > 0


def test_no_delay_frees_only_calexico_and_diverts_no_more_trucks_than_the_baseline():
    """The counterfactual is free flow at the two Calexico ports; Otay Mesa and San Luis keep their
    waits, so no more trucks leave Calexico East for them than in the baseline."""
    base = daily_table(run(seed=2))
    free = daily_table(run(seed=2, **{"port.waiting": False}))
    diverted = ["diverted_otay_mesa", "diverted_san_luis"]
    assert free[diverted].to_numpy().sum() <= base[diverted].to_numpy().sum()
    assert free["northbound_trucks"].sum() >= base["northbound_trucks"].sum()
    assert (free["commercial_time_in_port_mean_min"][free["northbound_trucks"] > 0] > 0).all(), \
        "inspection still takes its time"
