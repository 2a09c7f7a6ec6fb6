"""Everyone who crosses north goes home through Mexico's customs: each person loses the sourced
typical wait there, valued by the rule of the hours in line north, as a cost component of its
own; it scales with the people who cross, moves nothing else, and is absent without waiting."""

import numpy as np
import pandas as pd
import pytest

from agents.cross_border_worker import FARM, NONFARM, PEDESTRIAN, VEHICLE, Workforce
from calexico.running import runs, scenarios
from model.outcomes import COST_COLUMNS

SHORT = {"simulation.days": 21}
SOUTH = ("southbound_person_hours", "cost_southbound_time_usd", "cost_total_usd")


def run(params=None, scenario="baseline", seed=3) -> pd.DataFrame:
    return runs.run(scenarios.load(scenario), seed=seed, overrides={**SHORT, **(params or {})}).daily


@pytest.fixture(scope="module")
def baseline():
    return run()


def test_commuters_going_home_lose_the_wait_at_their_own_wage():
    """Two farm crews and two non-farm commuters; one crew does not cross today."""
    wf = Workforce(headcount=[10, 20, 5, 8], sector=[FARM, FARM, NONFARM, NONFARM],
                   mode=[PEDESTRIAN, VEHICLE, PEDESTRIAN, VEHICLE], line=[0, 1, 0, 1],
                   wage_usd_per_hour=[19.75, 19.75, 16.0, 16.0], rank=[0.1, 0.6, 0.5, 0.5])
    wf.decide_crossing(farm_hired_share=0.5, nonfarm_workday=True)
    hours, usd = wf.go_home(4.0, 1.2)
    assert hours == pytest.approx((10 + 5 + 8) * 4.0 / 60.0)
    assert usd == pytest.approx((10 * 19.75 + 13 * 16.0) * 4.0 / 60.0 * 1.2)


def test_everyone_who_crossed_goes_home_at_the_sourced_wait(baseline):
    """4 min a person by default: the visitors' hours alone are their trips x 4 / 60, and the
    commuters' add the rest, a few thousand crossings a day; each hour is worth between the
    lowest commuter wage and the visitors' value of time."""
    d = baseline[baseline["measured"]]
    visitor_hours = d["visitor_trips"] * 4.0 / 60.0
    commuter_crossings = (d["southbound_person_hours"] - visitor_hours) * 60.0 / 4.0
    assert (commuter_crossings > 1_000).all() and (commuter_crossings < 30_000).all()
    per_hour = d["cost_southbound_time_usd"] / d["southbound_person_hours"]
    assert ((per_hour > 16.0) & (per_hour < 39.27)).all()
    # At the realistic default it is millions a year, not a rounding error.
    assert d["cost_southbound_time_usd"].mean() * 365 > 20e6


def test_the_wait_home_is_a_component_of_its_own_counted_once(baseline):
    assert "cost_southbound_time_usd" in COST_COLUMNS
    others = [c for c in COST_COLUMNS if c != "cost_southbound_time_usd"]
    np.testing.assert_allclose(baseline["cost_total_usd"] - baseline[others].sum(axis=1),
                               baseline["cost_southbound_time_usd"], rtol=1e-9)


def test_it_scales_with_the_wait_and_moves_nothing_else(baseline):
    """Nobody decides on it: doubling the minutes doubles the component and leaves every other
    column as it was."""
    doubled = run({"crossers.southbound_wait_min": 8.0})
    for column in SOUTH[:2]:
        np.testing.assert_allclose(doubled[column], 2.0 * baseline[column], rtol=1e-9)
    rest = [c for c in baseline.columns if c not in SOUTH]
    pd.testing.assert_frame_equal(doubled[rest], baseline[rest])


def test_the_no_delay_world_has_no_wait_home():
    d = run(scenario="no_delay")
    assert (d["southbound_person_hours"] == 0).all() and (d["cost_southbound_time_usd"] == 0).all()


def test_fewer_crossers_with_fewer_officers_mean_fewer_hours_home(baseline):
    """A scenario moves it only through the people who cross: a fifth of the officers gone
    lengthens the lines north and deters trips, so fewer people go home, each still losing
    4 minutes."""
    cut = run({"port.staffing_share": 0.8})
    b, c = baseline[baseline["measured"]], cut[cut["measured"]]
    assert c["visitor_trips"].sum() < 0.99 * b["visitor_trips"].sum()
    np.testing.assert_allclose(c["southbound_person_hours"].sum() - b["southbound_person_hours"].sum(),
                               (c["visitor_trips"].sum() - b["visitor_trips"].sum()) * 4.0 / 60.0, rtol=0.05)
