"""Visitors' trips fall with the time they expect to lose at the port, and what the trips not
made would have spent is exactly trips lost x persons x spending per trip.

Realistic waits: the press's typical ranges at the Mexicali ports run from 15-30 min (SENTRI)
to 70-120 min (general lanes), so the responses are tested at 20-120 min, not only at extremes.
"""

import math

import numpy as np
import pytest

from model.crossing_demand import LINE_DEMAND, CrossingDemand
from model.parameters import line_names, resolve

LINE_INDEX = {name: i for i, name in enumerate(line_names())}


@pytest.fixture(scope="module")
def params():
    return resolve()


@pytest.fixture(scope="module")
def demand(params):
    return CrossingDemand(params, LINE_INDEX)


def people_lines():
    return np.array([i for name, i in LINE_INDEX.items() if "pov" in name or "pedestrian" in name])


def test_potential_trips_are_the_daily_levels_split_by_lane(demand, params):
    """Vehicles split into general, Ready and SENTRI by the lane shares; pedestrians are persons."""
    for prefix, (key, unit) in LINE_DEMAND.items():
        if unit == "person":
            assert demand.potential[LINE_INDEX[prefix]] == params[key]
            assert demand.persons[LINE_INDEX[prefix]] == 1.0
        else:
            lanes = [LINE_INDEX[f"{prefix}_{lane}"] for lane in ("general", "ready", "sentri")]
            assert demand.potential[lanes].sum() == pytest.approx(params[key])
            assert (demand.persons[lanes] == params["labour.persons_per_vehicle"]).all()
    trucks = [i for name, i in LINE_INDEX.items() if "commercial" in name or "export" in name]
    assert (demand.potential[trucks] == 0).all(), "visitors are not trucks"


@pytest.mark.parametrize("minutes", [20.0, 45.0, 75.0, 120.0])
def test_trips_fall_by_the_elasticity_at_realistic_waits(demand, params, minutes):
    expected = np.zeros(len(LINE_INDEX))
    expected[people_lines()] = minutes
    trips = demand.trips(expected)
    share = math.exp(params["crossers.wait_elasticity_per_hour"] * minutes / 60.0)
    lines = people_lines()
    np.testing.assert_allclose(trips[lines], demand.potential[lines] * share, rtol=1e-12)
    # At the default elasticity (-0.15 per hour) an hour in line loses about 14% of the trips.
    assert 0.5 < share < 1.0


def test_a_longer_wait_loses_trips_in_proportion_to_the_extra_wait(demand, params):
    """From 45 to 90 minutes the trips fall by exp(elasticity x 0.75 h), whatever the line."""
    lines = people_lines()
    short, long_ = np.zeros(len(LINE_INDEX)), np.zeros(len(LINE_INDEX))
    short[lines], long_[lines] = 45.0, 90.0
    ratio = demand.trips(long_)[lines] / demand.trips(short)[lines]
    np.testing.assert_allclose(ratio, math.exp(params["crossers.wait_elasticity_per_hour"] * 0.75), rtol=1e-12)
    assert (ratio < 1).all()


def test_only_the_line_that_waits_loses_trips(demand):
    lines = people_lines()
    expected = np.zeros(len(LINE_INDEX))
    west_general = LINE_INDEX["west_pov_general"]
    expected[west_general] = 95.0
    trips = demand.trips(expected)
    others = [i for i in lines if i != west_general]
    np.testing.assert_allclose(trips[others], demand.potential[others])
    assert trips[west_general] < demand.potential[west_general]


@pytest.mark.parametrize("minutes", [30.0, 95.0])
def test_lost_spending_is_trips_lost_times_persons_times_spending(demand, params, minutes):
    lines = people_lines()
    expected = np.zeros(len(LINE_INDEX))
    expected[lines] = minutes
    trips = demand.trips(expected)
    lost_persons = ((demand.potential - trips) * demand.persons).sum()
    spend = params["crossers.spending_per_person_trip_usd"]
    assert demand.forgone_spending_usd(trips) == pytest.approx(lost_persons * spend, rel=1e-12)
    # What is spent plus what is forgone is the potential trips' spending, at any wait.
    total = (demand.potential * demand.persons).sum() * spend
    assert demand.spending_usd(trips) + demand.forgone_spending_usd(trips) == pytest.approx(total, rel=1e-12)
    # By hand for one line: West pedestrians at this wait.
    i = LINE_INDEX["west_pedestrian"]
    by_hand = params["crossers.west_pedestrians_per_day"] * (
        1 - math.exp(params["crossers.wait_elasticity_per_hour"] * minutes / 60.0)) * spend
    one = np.array(demand.potential)
    one[i] = trips[i]
    assert demand.forgone_spending_usd(one) == pytest.approx(by_hand, rel=1e-12)


def test_a_steeper_elasticity_loses_more_trips_and_spending(params):
    lines = people_lines()
    expected = np.zeros(len(LINE_INDEX))
    expected[lines] = 60.0
    mild = CrossingDemand({**params, "crossers.wait_elasticity_per_hour": -0.075}, LINE_INDEX)
    steep = CrossingDemand({**params, "crossers.wait_elasticity_per_hour": -0.225}, LINE_INDEX)
    assert steep.forgone_spending_usd(steep.trips(expected)) > mild.forgone_spending_usd(mild.trips(expected)) > 0
