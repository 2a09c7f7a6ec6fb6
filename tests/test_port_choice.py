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
    """The response itself, in the range of waits that happen: with West's pedestrian booths cut
    from ten to eight, West's lines grow and more of its commuters cross at East."""
    def east_share(booths):
        m = BorderModel({"simulation.days": 14, "lines.west_pedestrian.booths": booths}, seed=0).run()
        daily = m.datacollector.get_table_dataframe("daily")
        d = daily[daily["measured"]]
        return d["east_pedestrians"].sum() / (d["east_pedestrians"] + d["west_pedestrians"]).sum(), d
    base_share, base = east_share(10)
    cut_share, cut = east_share(8)
    assert cut["west_pedestrian_wait_mean_min"].mean() > base["west_pedestrian_wait_mean_min"].mean()
    assert cut_share > base_share + 0.01
