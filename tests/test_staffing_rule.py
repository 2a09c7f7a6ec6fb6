"""Officers staff the booths as CBP does: within the officers on duty, never beyond the lanes
built, where the lines are, and moving officers moves the waits people read."""

import datetime as dt

import numpy as np
import pytest

from calexico.running import runs, scenarios
from model import BorderModel
from model.parameters import Event
from model.port import lines_on
from model.staffing import POOLS, SHARED_LANES, allocate, spread, staff_to_the_line

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


def _within_the_lanes(booths, lanes, model, where):
    """Each line within its lanes, and the general and Ready lines within the lanes they share."""
    shared = {name for pair in SHARED_LANES for name in pair}
    for line in model.lines:
        if line.name not in shared:
            assert (booths[line.index] <= lanes[line.index]).all(), (*where, line.name)
            assert (booths[line.index] <= line.booths).all(), (*where, line.name)
    for pair in SHARED_LANES:
        idx = [model.line_index[n] for n in pair]
        assert (booths[idx].sum(axis=0) <= np.asarray(lanes)[idx].sum(axis=0)).all(), (*where, pair)
        assert (booths[idx].sum(axis=0) <= sum(model.lines[i].booths for i in idx)).all(), (*where, pair)


def test_no_scenario_or_staffing_factor_staffs_a_booth_that_does_not_exist():
    for name in scenarios.available():
        s = scenarios.load(name)
        for factor in (0.0, 1.0, s.params["port.staffing_share"], 2.0):
            model = BorderModel({**s.overrides, "port.staffing_share": factor}, events=s.events, collect=False)
            for day in YEAR:
                today = model.port_conditions(day)
                _within_the_lanes(today["booths"], today["lanes"], model, (name, factor, day))


@pytest.mark.parametrize("factor", [0.5, 2.0])
def test_the_booths_staffed_to_the_line_through_the_day_exist(factor):
    """The booths the lines are served with (re-staffed by today's lines), day by day."""
    model = BorderModel({"simulation.days": 21, "simulation.warmup_days": 0, "port.staffing_share": factor},
                        collect=False)
    for _ in range(21):
        model.step()
        lanes = model.port_conditions(model.date - dt.timedelta(days=1))["lanes"]
        _within_the_lanes(model.booths_today, lanes, model, (factor, model.date))
    west = [model.line_index[n] for n in POOLS["west_passenger"]]
    assert model.booths_today[west].sum() > 0


def test_staffing_to_the_line_stays_within_the_officers_and_each_set_of_lanes():
    rng = np.random.default_rng(1)
    for _ in range(500):
        n = int(rng.integers(1, 6))
        lanes = rng.integers(0, 9, size=(n, 24))
        officers = rng.integers(0, 40, size=24)
        arrivals = rng.exponential(200.0, size=(n, 24)) * (lanes > 0)
        shared = rng.integers(0, n, size=n)
        shared = np.minimum(shared, np.arange(n))  # a line shares with itself or one before it
        booths = staff_to_the_line(officers, lanes, arrivals, rng.uniform(0.3, 2.0, size=n),
                                   rng.integers(0, 300, size=n).astype(float), rng.uniform(0.2, 3.0, size=n), shared)
        assert (booths >= 0).all() and (booths.sum(axis=0) <= officers).all()
        for s in set(shared.tolist()):
            assert (booths[shared == s].sum(axis=0) <= lanes[shared == s].sum(axis=0)).all()
        # Officers are not left idle while a set of lanes has a lane free and an open line in it.
        idle = officers - booths.sum(axis=0)
        for s in set(shared.tolist()):
            free = lanes[shared == s].sum(axis=0) > booths[shared == s].sum(axis=0)
            staffed_line = (booths[shared == s] > 0).any(axis=0)
            assert not (free & staffed_line & (idle > 0)).any()


def _two_lines(arrivals, waiting=(0.0, 0.0), officers=10, shared=(0, 1), lanes=(8, 8)):
    return staff_to_the_line(np.full(24, officers), np.array([np.full(24, k) for k in lanes]), np.array(arrivals),
                             np.array([1.0, 1.0]), np.array(waiting), np.ones(2), np.array(shared))


def test_a_line_that_grows_within_the_day_draws_officers_that_hour_and_keeps_them_while_its_line_lasts():
    steady = [np.full(24, 240.0), np.full(24, 240.0)]
    rush = [np.full(24, 240.0), np.full(24, 240.0)]
    rush[1][8] = 900.0  # a rush at the second line at 08:00, then back to normal
    before, after = _two_lines(steady), _two_lines(rush)
    assert (before[:, 8] == 5).all()
    assert after[1, 8] > before[1, 8], "the rush draws officers in its own hour"
    assert after[1, 9] > before[1, 9], "the line it left keeps them the hour after"
    assert (after[:, :8] == before[:, :8]).all(), "nothing moves before the rush"


def test_a_long_line_draws_officers_though_its_crossers_left():
    """Those already waiting are work too: a line whose crossers fell by a fifth because it is long
    does not lose its booths for it (the feedback that would lock a port in)."""
    even = _two_lines([np.full(24, 240.0), np.full(24, 240.0)])
    left = _two_lines([np.full(24, 240.0), np.full(24, 192.0)], waiting=(0.0, 400.0))
    assert left[1, 0] > even[1, 0]
    assert _two_lines([np.full(24, 240.0), np.full(24, 192.0)])[1, 0] <= even[1, 0]


def test_ready_takes_a_general_lane_when_its_line_is_long_never_more_than_the_two_have():
    """General and Ready share their lanes (re-signed as the lines need); separate lines do not."""
    heavy_ready = [np.full(24, 60.0), np.full(24, 900.0)]
    own = _two_lines(heavy_ready, officers=12, lanes=(8, 4))
    shared = _two_lines(heavy_ready, officers=12, shared=(0, 0), lanes=(8, 4))
    assert (own[1] == 4).all(), "on its own lanes the Ready line stops at its four"
    assert (shared[1] > 4).all(), "sharing, it takes general lanes"
    assert (shared.sum(axis=0) <= 12).all() and (shared[0] >= 1).all()
    everyone = _two_lines([np.full(24, 900.0), np.full(24, 900.0)], officers=40, shared=(0, 0), lanes=(8, 4))
    assert (everyone.sum(axis=0) == 12).all(), "never more than the lanes the two have together"


def test_the_port_staffs_the_day_it_gets_not_the_one_it_planned():
    """Twice the visitors on foot from one day to the next: the same day, West's pedestrians are
    served by more booths than the weekday plan gave them (booths follow the line)."""
    model = BorderModel({"simulation.days": 22, "simulation.warmup_days": 0, "officers.daily_variation": 0.0},
                        collect=False)
    for _ in range(21):
        model.step()
    model.set_parameters({"demand.visitors_pedestrian": 2.0})
    planned = model.port_conditions(model.date)["booths"].copy()
    model.step()
    walkers = model.line_index["west_pedestrian"]
    assert model.booths_today[walkers].sum() > planned[walkers].sum() + 5
    cargo = [model.line_index[n] for n in POOLS["east_cargo"]]
    assert np.array_equal(model.booths_today[cargo], planned[cargo]), "the cargo pool keeps its plan"


def test_the_step_skips_a_passenger_plan_that_nothing_reads():
    """The step does not plan the passenger pools, since the day re-staffs them by its own lines;
    if anything before the re-staffing read the plan, the day would differ with it."""

    class PlanningEveryPool(BorderModel):
        def port_conditions(self, day, plan_passengers=True):
            return super().port_conditions(day, plan_passengers=True)

    params = {"simulation.days": 14, "simulation.warmup_days": 7}
    skipped = runs.daily_table(BorderModel(params, seed=3).run())
    planned = runs.daily_table(PlanningEveryPool(params, seed=3).run())
    assert skipped.equals(planned)
    assert skipped["west_pov_general_booth_hours"].sum() > 0


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
    signed = weekdays["west_pov_general_morning_booths"] + weekdays["west_pov_ready_morning_booths"]
    assert (signed <= 8 + 5).all()  # the general and Ready lanes they share


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


CARGO = POOLS["east_cargo"]


def test_a_staffing_event_moves_its_pools_officers_once_up_or_down():
    """An event above 1 adds officers (it used to be capped at the budget), an event naming all
    of a pool's lines moves them once, and two events on one pool compound."""
    model = BorderModel(collect=False)

    def factors(*events):
        return lines_on(model.lines, 0, list(events), model.pool_of, 1.0)["officer_factors"]

    day = dt.date(2024, 3, 4)
    surge = Event("staffing", day, day, CARGO, factor=1.5)
    assert factors(surge) == {"east_cargo": 1.5}
    assert factors(Event("staffing", day, day, CARGO, factor=0.7)) == {"east_cargo": 0.7}
    assert factors(Event("staffing", day, day, CARGO[:1], factor=0.5),
                   Event("staffing", day, day, CARGO[1:2], factor=0.5)) == {"east_cargo": 0.25}
    assert factors(Event("staffing", day, day, ("east_mx_export_standard",), factor=2.0)) == {}


def test_more_cargo_officers_staff_more_standard_booths_and_shorten_the_truck_waits():
    days = 28
    runs_by_factor = {}
    for factor in (1.0, 1.5):
        events = (Event("staffing", dt.date(2024, 1, 1), dt.date(2024, 1, days), CARGO, factor=factor),)
        model = BorderModel({"simulation.days": days, "simulation.warmup_days": 0}, events=events).run()
        runs_by_factor[factor] = model.datacollector.get_table_dataframe("daily")
    booth_hours = {f: d["east_commercial_standard_booth_hours"].sum() for f, d in runs_by_factor.items()}
    waits = {f: d["commercial_wait_mean_min"].mean() for f, d in runs_by_factor.items()}
    # The standard lanes were staffed 90% of their open hours; the added officers fill the rest.
    assert booth_hours[1.5] > booth_hours[1.0], booth_hours
    assert waits[1.5] < 0.85 * waits[1.0], waits


def test_no_event_or_staffing_share_staffs_a_lane_or_dock_beyond_those_built():
    """Mexico's customs staff their lanes by the events (no officers to place), and the docks
    scale with the staffing: neither beyond what is built."""
    day = dt.date(2024, 3, 4)
    everything = tuple(line for line in BorderModel(collect=False).line_index)
    for factor in (0.5, 2.0, 5.0):
        events = (Event("staffing", day, day, everything, factor=factor),)
        for share in (0.5, 1.0, 2.0):
            model = BorderModel({"port.staffing_share": share}, events=events, collect=False)
            today = model.port_conditions(day)
            _within_the_lanes(today["booths"], today["lanes"], model, (factor, share))
            for line, docks in zip(model.lines, today["docks"], strict=True):
                assert docks.max() <= max(1, line.secondary_booths), (factor, share, line.name, docks.max())


def test_a_weekday_never_seen_is_planned_from_the_latest_day_seen():
    """Started on a Thursday, the port plans its first Tuesday from Monday's traffic (it took
    Sunday's, the highest weekday number seen, when the cargo lanes are shut)."""
    model = BorderModel({"simulation.start_date": "2024-02-01", "simulation.warmup_days": 0,
                         "simulation.days": 10}, collect=False)
    while model.date < dt.date(2024, 2, 6):
        model.step()
    assert model.staffing.last_weekday_seen == 0
    booths = model.port_conditions(model.date)["booths"]
    assert booths[model.line_index["east_commercial_standard"]].max() == 2, "Monday's trucks draw officers"
