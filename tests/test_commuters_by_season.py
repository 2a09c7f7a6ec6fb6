"""Commuters at their sourced numbers, by sector and season: the farm crews cross in the winter
harvest (December-March, AP 2018) and as the crop calendar hires them in the rest of the year,
locals first; non-farm commuters cross every workday all year."""

import pytest

from calexico.running.runs import daily_table
from model import BorderModel


def week(start: str, **params):
    model = BorderModel({"simulation.start_date": start, "simulation.days": 7, "simulation.warmup_days": 0,
                         **params}, seed=2)
    return model, daily_table(model.run())


@pytest.fixture(scope="module")
def february():
    return week("2024-02-05")


@pytest.fixture(scope="module")
def august():
    return week("2024-08-05")


def test_the_sourced_headcounts_are_the_workforce(february):
    model, _ = february
    wf = model.workforce
    p = model.params
    assert wf.headcount[wf.sector == 0].sum() == pytest.approx(p["labour.farm_commuters_peak"])
    assert wf.headcount[wf.sector == 1].sum() == pytest.approx(p["labour.nonfarm_commuters"])
    assert p["labour.farm_commuters_peak"] + p["labour.nonfarm_commuters"] == pytest.approx(25_000)


def test_farm_crews_cross_in_the_winter_harvest_and_not_in_late_summer(february, august):
    model, winter = february
    _, summer = august
    pool = model.params["labour.farm_commuters_peak"]
    workdays = winter[winter["date"].dt.day_of_week < 6]
    assert workdays["farm_commuters"].min() > 0.9 * pool, "the whole pool is hired at the winter peak"
    assert summer["farm_commuters"].max() == 0, "locals cover the August harvest"
    assert winter["field_workers_us"].mean() > 2 * summer["field_workers_us"].mean()


def test_only_the_daily_share_of_a_hired_crew_is_in_the_lines(february):
    """The crews' night walk at Calexico West is hired crews x daily share x walking share x West
    share, give or take the ports they choose: more than a third of it, never more than it all."""
    model, winter = february
    p = model.params
    walkers = (p["labour.farm_commuters_peak"] * p["labour.farm_daily_crossing_share"]
               * p["labour.farm_pedestrian_share"])
    night = winter[winter["date"].dt.day_of_week < 6]["west_pedestrian_night_served"]
    assert 0.3 * walkers < night.mean() < walkers * 1.05


def test_non_farm_commuters_cross_on_workdays_in_every_season(february, august):
    for model, d in (february, august):
        sunday = d[d["date"].dt.day_of_week == 6]
        weekday = d[d["date"].dt.day_of_week < 6]
        assert (weekday["commuter_wait_hours"] > sunday["commuter_wait_hours"].max()).all()
        employed = model.workforce.headcount[(model.workforce.sector == 1) & model.workforce.employed].sum()
        assert employed > 0.95 * model.params["labour.nonfarm_commuters"]
