"""Commuters and visitors choose a port by the hour, by the time in port they expect there."""

import datetime as dt

import numpy as np
import pytest

from model import BorderModel
from model.port_choice import KINDS, PEOPLE_GROUPS, gate_opening

FARM = PEOPLE_GROUPS.index("farm_commuters")
OTHER = PEOPLE_GROUPS.index("other_commuters")


def test_a_crosser_at_a_closed_gate_crosses_when_it_opens_and_loses_the_time_till_then():
    booths = np.zeros(24, dtype=np.int64)
    booths[6:22] = 4
    hour, wait = gate_opening(booths)
    assert wait[5] == 30.0 and wait[2] == 210.0 and hour[2] == 6
    assert (wait[6:22] == 0).all() and (hour[6:22] == np.arange(6, 22)).all()
    assert wait[23] == pytest.approx((24 - 23.5 + 6) * 60), "after closing the gate opens tomorrow morning"


@pytest.fixture(scope="module")
def harvest_days():
    """Three weeks of January (the winter harvest) at the baseline, day by day."""
    m = BorderModel({"simulation.days": 21}, seed=0)
    days = []
    while m.days_done < m.n_days:
        m.step()
        if m.days_done > m.warmup_days:
            days.append((m.arrivals_by_hour.copy(), m.port_choice.shares.copy(), m.date - dt.timedelta(days=1)))
    return m, days


def test_nobody_queues_at_east_before_its_gate_opens_while_west_is_open(harvest_days):
    m, days = harvest_days
    east = m.people_lines[1]
    opens = int(np.flatnonzero(m.lines[east[0]].open_mask(0))[0])
    before = sum(a[east, :opens].sum() for a, _, _ in days)
    total = sum(a[east].sum() for a, _, _ in days)
    assert before < 0.005 * total, "fewer than 0.5% of East's passenger crossers arrive before the gate opens"


def test_farm_crews_cross_before_dawn_at_the_24_hour_port(harvest_days):
    m, days = harvest_days
    west_ped = m.line_index["west_pedestrian"]
    arrivals = sum(a[west_ped] for a, _, _ in days)
    # The crews in the lines (about 3,900 a day at the peak, BTS-reconciled) make 01:00-04:00
    # the busiest hours of the West pedestrian line's day.
    assert arrivals[1:4].sum() > 0.2 * arrivals.sum(), "the crews make the West pedestrian line's night"
    assert arrivals[1:4].mean() > 1.5 * np.delete(arrivals, [1, 2, 3]).mean()
    assert m.lines[west_ped].open_mask(0)[1:4].all()


def test_at_the_baselines_waits_some_commuters_use_the_port_that_is_not_home(harvest_days):
    """The choice is live at realistic waits: in the morning peak a share of West's commuters goes
    East and the share moves from day to day with the waits, neither none nor all."""
    m, days = harvest_days
    peak = slice(6, 9)
    to_east = np.array([s[OTHER, 0, 1, KINDS.index("pedestrian"), peak].mean() for _, s, _ in days])
    assert 0.02 < to_east.mean() < 0.6
    assert to_east.std() > 0.001, "shares follow the waits people saw"


def test_a_longer_wait_at_west_sends_more_commuters_east():
    """The response itself, in the range of waits that happen: with 15% fewer officers on West's
    day shift, West's pedestrian line grows and more of its commuters cross at East."""
    officers = BorderModel({}).params["officers.west_passenger_day"]

    def east_share(share_of_officers):
        m = BorderModel({"simulation.days": 14, "officers.west_passenger_day": officers * share_of_officers},
                        seed=0).run()
        daily = m.datacollector.get_table_dataframe("daily")
        d = daily[daily["measured"]]
        return d["east_pedestrians"].sum() / (d["east_pedestrians"] + d["west_pedestrians"]).sum(), d
    base_share, base = east_share(1.0)
    cut_share, cut = east_share(0.85)
    assert cut["west_pedestrian_wait_mean_min"].mean() > base["west_pedestrian_wait_mean_min"].mean() + 10
    assert cut_share > base_share + 0.05


def _choice(reconsider_share):
    """A choice between the ports for one (port, kind) line each, both open all day."""
    from model.port_choice import PORTS, PortChoice
    names = [f"{p}_{k}" for p in PORTS for k in KINDS]
    profiles = np.full((len(PEOPLE_GROUPS), 24), 1 / 24)
    choice = PortChoice({n: i for i, n in enumerate(names)}, profiles, (-0.05, -0.05, -0.09),
                        [30.0] * len(KINDS), reconsider_share)
    open_all_day = [np.full(24, 4) for _ in names]
    return choice, open_all_day, len(names)


def test_a_share_of_crossers_reconsider_each_day_and_the_rest_keep_yesterdays_port():
    """Habit: after West's expected wait jumps, the shares move a third of the way to the new
    logit shares each day (at a reconsidering share of 1/3), and settle on them."""
    choice, gates, n = _choice(1 / 3)
    calm, jammed = np.full((n, 24), 10.0), np.full((n, 24), 10.0)
    jammed[:len(KINDS)] = 60.0  # West's lines
    before = choice.choose(calm, gates).copy()
    first = choice.choose(jammed, gates).copy()
    second = choice.choose(jammed, gates).copy()
    for _ in range(60):
        settled = choice.choose(jammed, gates).copy()
    target = _choice(1.0)[0].choose(jammed, gates)
    assert np.allclose(first, before + (target - before) / 3)
    assert np.allclose(second, first + (target - first) / 3)
    assert np.allclose(settled, target, atol=1e-6), "the habit moves how fast the crowd settles, not where"
    west_home_going_east = (slice(None), 0, 1)
    assert (first[west_home_going_east] > before[west_home_going_east] + 0.01).all()


def test_a_change_in_the_gates_hours_makes_everyone_it_touches_reconsider_at_once():
    """Nobody keeps a habit of a gate that is closed today: those hours choose afresh, while
    the hours whose gates did not change keep 90% of yesterday's choice (a share of 0.1)."""
    def shares_after(gates_today):
        choice, gates, n = _choice(0.1)
        before = choice.choose(np.full((n, 24), 10.0), gates).copy()
        west_slower = np.full((n, 24), 10.0)
        west_slower[:len(KINDS)] = 40.0  # the times move too, so the habit shows
        fresh, _, _ = _choice(1.0)
        fresh.choose(np.full((n, 24), 10.0), gates)
        return before, choice.choose(west_slower, gates_today), fresh.choose(west_slower, gates_today)
    _, gates, _ = _choice(1.0)
    kind = 0  # West's first line
    until_noon = list(gates)
    until_noon[kind] = np.where(np.arange(24) < 12, 0, 4)
    before, shares, target = shares_after(until_noon)
    assert np.allclose(shares[..., kind, :12], target[..., kind, :12]), "the closed hours are chosen afresh"
    kept = before + 0.1 * (target - before)
    assert np.allclose(shares[..., kind, 12:], kept[..., kind, 12:]), "the open hours keep the habit"
    assert np.allclose(shares[..., 1:, :], kept[..., 1:, :]), "the other lines keep the habit"
    assert not np.allclose(kept, target)
    all_day = list(gates)
    all_day[kind] = np.zeros(24, dtype=np.int64)
    _, shares, target = shares_after(all_day)
    assert np.allclose(shares[..., kind, :], target[..., kind, :]), "a gate shut all day is news at every hour"
    assert (shares[:, 0, 0, kind, :] < 1e-3).all(), "nobody keeps crossing at the shut gate"


def test_habit_keeps_the_crowd_from_swinging_between_the_ports_with_quick_expectations():
    """At a quick memory of waits (the range's high end) a crowd that all re-chooses every day
    swings between the ports from day to day; at the default share reconsidering it does not."""
    def daily_swing(reconsider_share):
        m = BorderModel({"simulation.days": 56, "port.expectation_weight": 0.45,
                         "crossers.reconsider_share": reconsider_share}, seed=0).run()
        d = m.datacollector.get_table_dataframe("daily")
        d = d[d["measured"]]
        west = d["west_pov_general_served"] / (d["west_pov_general_served"] + d["east_pov_general_served"])
        return west.diff().abs().mean()
    herd, habit = daily_swing(1.0), daily_swing(BorderModel({}).params["crossers.reconsider_share"])
    assert herd > 0.05, "without habit the West share of general cars swings by points from day to day"
    assert habit < herd / 3
