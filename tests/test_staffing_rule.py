"""Officers staff the booths as CBP does: within the officers on duty, never beyond the lanes
built, where the lines are, and moving officers moves the waits people read."""

import datetime as dt

import numpy as np
import pytest

from calexico.running import runs, scenarios
from model import BorderModel
from model.staffing import POOLS, allocate, spread

YEAR = [dt.date(2024, 1, 1) + dt.timedelta(days=k) for k in range(0, 366, 3)]


def test_the_rule_never_staffs_more_booths_than_lanes_or_officers():
    rng = np.random.default_rng(0)
    for _ in range(500):
        n = int(rng.integers(1, 6))
        lanes = rng.integers(0, 9, size=(n, 24))
        officers = rng.integers(0, 40, size=24)
        load = rng.exponential(3.0, size=(n, 24))
        booths = allocate(officers, lanes, load, rng.uniform(0.2, 3.0, size=n))
        assert (booths <= lanes).all() and (booths >= 0).all()
        assert (booths.sum(axis=0) <= officers).all()
        # Officers are not left idle while a lane with a line has no officer.
        idle = officers - booths.sum(axis=0)
        short = ((booths < lanes) & (load > 0)).any(axis=0)
        assert not (short & (idle > 0)).any()


def test_no_scenario_or_staffing_factor_staffs_a_booth_that_does_not_exist():
    for name in scenarios.available():
        s = scenarios.load(name)
        for factor in (0.0, 1.0, s.params["port.staffing_share"], 2.0):
            model = BorderModel({**s.overrides, "port.staffing_share": factor}, events=s.events, collect=False)
            for day in YEAR:
                today = model.port_conditions(day)
                for line in model.lines:
                    assert (today["booths"][line.index] <= line.booths).all(), (name, factor, day, line.name)
                    assert (today["booths"][line.index] <= today["lanes"][line.index]).all()


def test_booths_follow_the_load_within_the_officers():
    lanes = np.full((2, 24), 8)
    officers = np.full(24, 10)
    booths = allocate(officers, lanes, np.array([np.full(24, 6.0), np.full(24, 2.0)]), np.ones(2))
    assert (booths[0] > booths[1]).all() and (booths.sum(axis=0) == 10).all()
    # The lighter line doubles its load: it takes officers from the other.
    more = allocate(officers, lanes, np.array([np.full(24, 6.0), np.full(24, 4.0)]), np.ones(2))
    assert (more[1] > booths[1]).all() and (more.sum(axis=0) == 10).all()
    # A higher priority buys booths at the same load.
    favoured = allocate(officers, lanes, np.array([np.full(24, 6.0), np.full(24, 2.0)]), np.array([1.0, 3.0]))
    assert (favoured[1] > booths[1]).all()


def test_the_port_plans_from_the_traffic_it_has_seen():
    model = BorderModel({"simulation.days": 20}, collect=False)
    walkers = model.line_index["west_pedestrian"]
    model.run()
    monday = dt.date(2024, 1, 22)
    before = model.port_conditions(monday)["booths"][walkers].copy()
    seen = model.staffing.expected_arrivals[monday.weekday()]
    seen[walkers] *= 3.0  # the pedestrians grow threefold on Mondays
    after = model.port_conditions(monday)["booths"][walkers]
    assert after.sum() > before.sum()
    assert (after <= model.lines[walkers].booths).all()


def test_a_long_line_draws_officers_though_its_crossers_left():
    """Little's law: those already waiting are work too, so a line that lost crossers to a long
    wait does not lose its booths for it (the feedback that would lock a port in). Six officers
    by night, every day, so that the night has an officer to spare for the line that needs one."""
    model = BorderModel({"simulation.days": 20, "officers.daily_variation": 0.0, "officers.west_passenger_night": 6.0},
                        collect=False)
    ready = model.line_index["west_pov_ready"]
    model.run()
    monday = dt.date(2024, 1, 22)
    before = model.port_conditions(monday)["booths"][ready].copy()
    model.staffing.expected_arrivals[monday.weekday()][ready] *= 0.8  # a fifth went elsewhere...
    model.staffing.expected_wait_min[monday.weekday()][ready] += 90.0  # ...from a line 90 min longer
    after = model.port_conditions(monday)["booths"][ready]
    assert after.sum() > before.sum()


def test_the_officers_present_vary_by_day_not_by_how_often_a_day_is_planned():
    model = BorderModel({"simulation.days": 20}, collect=False)
    model.run()
    days = [dt.date(2024, 1, 22) + dt.timedelta(weeks=k) for k in range(6)]  # six Mondays, one plan
    staffed = [sum(model.port_conditions(d)["booths"][model.line_index[n]].sum() for n in POOLS["west_passenger"])
               for d in days]
    assert len(set(staffed)) > 1, "the officers present change from day to day"
    again = [sum(model.port_conditions(d)["booths"][model.line_index[n]].sum() for n in POOLS["west_passenger"])
             for d in days]
    assert staffed == again
    still = BorderModel({"simulation.days": 20, "officers.daily_variation": 0.0}, collect=False)
    still.run()
    assert len({sum(still.port_conditions(d)["booths"][still.line_index[n]].sum() for n in POOLS["west_passenger"])
                for d in days}) == 1


def test_a_days_presence_does_not_depend_on_the_days_asked_before_it():
    day = dt.date(2024, 3, 1)
    first = BorderModel({"simulation.days": 2}, seed=5, collect=False).staffing
    drawn = first.presence_draws(day).copy()
    first.presence_draws(dt.date(2031, 1, 1))  # the stream grows: its earlier rows stay
    assert np.array_equal(first.presence_draws(day), drawn)
    later_first = BorderModel({"simulation.days": 2}, seed=5, collect=False).staffing
    later_first.presence_draws(dt.date(2040, 1, 1))
    assert np.array_equal(later_first.presence_draws(day), drawn)
    old = dt.date(1969, 12, 31)  # before the stream: a draw of the date's own, the same every time
    assert np.array_equal(first.presence_draws(old), later_first.presence_draws(old))
    other_seed = BorderModel({"simulation.days": 2}, seed=6, collect=False).staffing
    assert not np.array_equal(other_seed.presence_draws(day), drawn)
    assert (np.abs(drawn) <= 1).all()


def test_fractional_officers_spread_to_the_exact_officer_hours():
    hours = np.arange(6, 22)
    for budget in (0.0, 2.8, 7.4, 20.0, 26.5):
        out = spread(budget, hours)
        assert out.sum() == round(budget * hours.size)
        assert out[hours].max() - out[hours].min() <= 1 and not out[:6].any()


@pytest.fixture(scope="module")
def staffed():
    """Seed 0, March-May, with a fifth fewer and a fifth more officers (the parameter's range)."""
    out = {}
    for factor in (0.8, 1.0, 1.2):
        daily = runs.run(scenarios.load("baseline"), seed=0, days=150,
                         overrides={"port.staffing_share": factor}).daily
        out[factor] = daily[daily["measured"]].set_index("date").loc["2024-03-01":]
    return out


def test_moving_officers_moves_the_waits_people_read(staffed):
    west = POOLS["west_passenger"]
    hours_in_line = {f: sum((d[f"{line}_served"] * d[f"{line}_wait_mean_min"]).sum() / 60.0 for line in west)
                     for f, d in staffed.items()}
    assert hours_in_line[0.8] > hours_in_line[1.0] > hours_in_line[1.2], hours_in_line
    # Crossers answer: a faster West draws crossers from East and from other hours, so one line's
    # worst hour need not fall in step; a fifth fewer officers must raise the pedestrians' and
    # the Ready lanes' (the lines that give up officers first).
    for line in ("west_pedestrian", "west_pov_ready"):
        peak = {f: d[f"{line}_peak_hour_wait_min"].mean() for f, d in staffed.items()}
        assert peak[0.8] > max(peak[1.0], peak[1.2]), (line, peak)
    booth_hours = {f: sum(d[f"{line}_booth_hours"].sum() for line in west) for f, d in staffed.items()}
    assert booth_hours[0.8] < booth_hours[1.0] < booth_hours[1.2]


def test_the_baseline_queues_at_calexico_west_on_weekday_mornings(staffed):
    """Ready runs below general and SENTRI below Ready (the press ranges and CBP's Ready goal)."""
    d = staffed[1.0]
    weekdays = d[d.index.day_of_week < 5]
    general, ready, sentri = (weekdays[f"west_pov_{k}_peak_hour_wait_min"].mean()
                              for k in ("general", "ready", "sentri"))
    assert 70 <= general <= 180  # the press: 70-120 min typical; the snapshot of a January morning: 75
    assert sentri < ready < general
    assert (weekdays["west_pov_general_morning_booths"] <= 8).all()


def test_the_staffing_cut_shows_in_booth_hours_and_truck_waits_in_its_window():
    """30% of the cargo officers away from 1 March: fewer standard booths, longer truck waits."""
    days = {}
    for name in ("baseline", "staffing_cut"):
        daily = runs.run(scenarios.load(name), seed=0, days=90).daily
        days[name] = daily[daily["measured"]].set_index("date")
    before = {n: d.loc[:"2024-02-29"] for n, d in days.items()}
    during = {n: d.loc["2024-03-01":] for n, d in days.items()}
    column = "east_commercial_standard_booth_hours"
    assert before["baseline"][column].equals(before["staffing_cut"][column]), "nothing changes before the cut"
    booth_hours = {n: d[column].sum() for n, d in during.items()}
    assert booth_hours["staffing_cut"] < 0.8 * booth_hours["baseline"]
    waits = {n: d["commercial_wait_mean_min"].mean() for n, d in during.items()}
    assert waits["staffing_cut"] > 1.5 * waits["baseline"], waits
