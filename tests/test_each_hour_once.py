"""Each hour of delay is costed once: commuters' hours as time or as paid work lost, never both;
truck-hours in line as truck delay, never also as trucking output lost; trips not made by the
rule of half, with no hours of their own. Each test fails if a component is added to another's
hours."""

import numpy as np
import pytest

from agents.cross_border_worker import FARM, NONFARM, PEDESTRIAN, VEHICLE, Workforce
from calexico.running.runs import daily_table
from model import BorderModel
from model.outcomes import empty_day

SLACK_MIN, SHIFT_H = 90.0, 8.0


def crossing_workforce():
    """Two farm crews and two non-farm commuters, all crossing today."""
    wf = Workforce(headcount=[10, 20, 5, 8], sector=[FARM, FARM, NONFARM, NONFARM],
                   mode=[PEDESTRIAN, VEHICLE, PEDESTRIAN, VEHICLE], line=[0, 1, 0, 1],
                   wage_usd_per_hour=[19.75, 19.75, 16.0, 16.0], rank=[0.1, 0.2, 0.5, 0.5])
    wf.decide_crossing(farm_hired_share=1.0, nonfarm_workday=True)
    return wf


@pytest.mark.parametrize("waits", [(45.0, 150.0), (120.0, 200.0), (30.0, 700.0)])
def test_a_commuters_day_costs_each_hour_in_line_once(waits):
    """Realistic waits (45 min to 3 h 20 at the two lines; one beyond a whole shift): the
    hours split into time and paid hours lost, and the dollars add up to hours x wage once."""
    wf = crossing_workforce()
    wait_by_line = np.array([[waits[0], waits[0]], [waits[1], waits[1]]])
    day = wf.experience(wait_by_line, SLACK_MIN, SHIFT_H, 1.0, 1.0)
    heads = wf.headcount
    wait_h = wait_by_line[wf.line, wf.sector] / 60.0
    assert day.person_hours == pytest.approx((heads * wait_h).sum())
    assert day.time_hours + day.paid_hours_lost == pytest.approx(day.person_hours)
    past_slack = np.minimum(np.maximum(wait_h - SLACK_MIN / 60.0, 0.0), SHIFT_H)
    assert day.paid_hours_lost == pytest.approx((heads * past_slack).sum())
    # Every hour once, at the commuter's own wage: time, lost wages and the farm crews' lost
    # harvest hours (costed by the growers as crops not picked, at the farm wage here).
    harvest_hours_usd = day.farm_paid_hours_lost * 19.75
    assert day.time_usd + day.wages_usd + harvest_hours_usd == pytest.approx(
        (heads * wait_h * wf.wage_usd_per_hour).sum())
    nonfarm = wf.sector == NONFARM
    assert day.wages_usd == pytest.approx((heads * past_slack * 16.0 * nonfarm).sum())


def test_the_waiting_share_scales_time_but_not_the_wages_lost():
    wf = crossing_workforce()
    waits = np.array([[60.0, 60.0], [180.0, 180.0]])
    one = wf.experience(waits, SLACK_MIN, SHIFT_H, 1.0, 1.0)
    more = wf.experience(waits, SLACK_MIN, SHIFT_H, 1.2, 1.0)
    assert more.time_usd == pytest.approx(1.2 * one.time_usd)
    assert more.wages_usd == one.wages_usd > 0


def test_the_value_a_commuter_sets_on_the_job_counts_each_expected_hour_once():
    """A commuter expecting 3 h in line gives up 1.5 h of pay and 1.5 h of time, not 3 h of
    time plus 1.5 h of pay: at 8 h x $16 the job is worth 16 x (8 - 1.5 - 1.5) = $80 a day,
    above a $75 local day, so nobody quits."""
    wf = Workforce(headcount=[1], sector=[NONFARM], mode=[PEDESTRIAN], line=[0], wage_usd_per_hour=[16.0],
                   rank=[0.5])
    wf.decide_crossing(1.0, True)
    for _ in range(30):
        wf.experience(np.array([[180.0, 180.0]]), SLACK_MIN, SHIFT_H, 1.0, 1.0)
        wf.reconsider(SLACK_MIN, SHIFT_H, 1.0, 75.0, 20)
    assert wf.employed[0]
    for _ in range(30):  # a local day worth more than the job's $80
        wf.reconsider(SLACK_MIN, SHIFT_H, 1.0, 85.0, 20)
    assert not wf.employed[0]


@pytest.fixture(scope="module")
def winter_days():
    """A January month with crews late: no slack, so hours past it are many."""
    params = {"simulation.days": 21, "labour.slack_min": 0.0, "labour.farm_wage_usd_per_hour": 16.0,
              "labour.service_wage_usd_per_hour": 16.0, "labour.waiting_share_of_wage": 1.0}
    return daily_table(BorderModel(params, seed=3).run())


def test_the_model_costs_commuters_time_and_lost_pay_on_separate_hours(winter_days):
    d = winter_days
    assert d["commuter_paid_hours_lost"].sum() > 0 and d["commuter_time_hours"].sum() >= 0
    np.testing.assert_allclose(d["commuter_time_hours"] + d["commuter_paid_hours_lost"], d["commuter_wait_hours"],
                               rtol=1e-9)
    # Time is costed on the time hours only (the hours past the slack would add 16 $/h each).
    np.testing.assert_allclose(d["cost_commuter_time_usd"], d["commuter_time_hours"] * 16.0, rtol=1e-9, atol=1e-6)
    # Lost wages on (non-farm) paid hours lost only; together never more than every hour once.
    assert (d["cost_lost_wages_usd"] <= d["commuter_paid_hours_lost"] * 16.0 + 1e-6).all()
    assert (d["cost_commuter_time_usd"] + d["cost_lost_wages_usd"] <= d["commuter_wait_hours"] * 16.0 + 1e-6).all()


def test_truck_hours_in_line_are_not_also_lost_trucking_output():
    """The carriers' day booked with no wait and with 500 truck-hours in line: the same output
    (the loads carried); the hours in line are in cost_truck_delay_usd only."""
    m = BorderModel({"simulation.days": 3, "simulation.warmup_days": 0}, seed=1)
    for _ in range(3):
        m.step()
    assert m.freight.loads_moved_by_firm.sum() > 0
    outputs = []
    for wait_h in (0.0, 500.0):
        m.today = empty_day(m.date, measured=True)
        m.freight._book_carriers(wait_h)
        outputs.append((m.today["output_trucking_us_usd"], m.today["output_trucking_mx_usd"]))
        assert m.today["cost_truck_delay_usd"] == 0.0, "booking carriers adds no delay cost of its own"
    assert outputs[0] == outputs[1]
    assert outputs[0][0] + outputs[0][1] > 0


def test_trips_forgone_are_half_the_lost_trips_times_the_rise_in_cost():
    from model.crossing_demand import CrossingDemand
    from model.parameters import line_names, resolve

    p = resolve()
    index = {name: i for i, name in enumerate(line_names())}
    demand = CrossingDemand(p, index)
    i = index["west_pedestrian"]
    expected, free = np.zeros(len(index)), np.zeros(len(index))
    expected[i], free[i] = 95.0, 2.0
    trips = demand.trips(expected)
    value = p["crossers.value_of_time_usd_per_hour"]
    k = p["crossers.wait_elasticity_per_hour"]
    lost = p["crossers.west_pedestrians_per_day"] * (np.exp(k * 2.0 / 60) - np.exp(k * 95.0 / 60))
    assert demand.forgone_trips_cost_usd(trips, expected, free, value) == pytest.approx(
        0.5 * lost * (93.0 / 60) * value, rel=1e-12)
    # No delay beyond inspection, no trips forgone for delay.
    assert demand.forgone_trips_cost_usd(demand.trips(free), free, free, value) == 0.0


def test_a_trip_to_the_other_port_is_costed_once_at_each_commuters_own_wage():
    wf = crossing_workforce()
    away = np.array([[12.0, 30.0], [20.0, 45.0]])  # minutes by home line (rows), farm and non-farm
    # The four cohorts (farm on foot at line 0, farm by car at 1, non-farm on foot at 0, by car
    # at 1) each take their own line's and sector's minutes.
    assert wf.go_around(away, 1.0)[0] == pytest.approx((10 * 12.0 + 20 * 20.0 + 5 * 30.0 + 8 * 45.0) / 60.0)
    hours, usd = wf.go_around(away, 1.0)
    heads, away_h = wf.headcount, away[wf.line, wf.sector] / 60.0
    assert hours == pytest.approx((heads * away_h).sum())
    assert usd == pytest.approx((heads * away_h * wf.wage_usd_per_hour).sum())


def test_long_lines_at_west_send_people_to_east_and_their_trips_across_the_city_cost_them():
    """A slower West general lane (its primary minutes x 1.3) sends drivers to East; the trips
    across Mexicali they take for it are a cost of their own (the hours in line are not theirs:
    `experience` and `live_with` count time in port only)."""
    days = {"simulation.days": 21, "simulation.warmup_days": 0}
    base = daily_table(BorderModel(days, seed=2).run())
    slow = daily_table(BorderModel({**days, "lines.west_pov_general.primary_min": 1.219 * 1.3}, seed=2).run())
    free = daily_table(BorderModel({**days, "port.waiting": False}, seed=2).run())
    hours = {k: d["port_switch_person_hours"].sum() for k, d in (("free", free), ("base", base), ("slow", slow))}
    assert hours["free"] < hours["base"] < hours["slow"], hours
    assert slow["cost_port_switch_usd"].sum() > base["cost_port_switch_usd"].sum() > 0
