"""The default run is calendar 2024 and reproduces the BTS counts it is held to (issue 2)."""

import pandas as pd
import pytest

from calexico.running.runs import daily_table
from model import BorderModel

# BTS Border Crossing/Entry Data, northbound, 2024 (copy: calexico/data/bts_calexico_2019_2025.csv).
TRUCKS_EAST = 462_526
# Pedestrian counts for January 2024 are missing in BTS at both ports: compare February-December.
PEDESTRIANS_FEB_DEC = {"west": 2_607_934, "east": 518_305}
VEHICLES = {"west": 5_381_292, "east": 2_885_826}


@pytest.fixture(scope="module")
def year():
    daily = daily_table(BorderModel(seed=0).run())
    return daily[daily["measured"]].set_index("date")


def test_the_default_run_is_calendar_2024(year):
    assert year.index[0] == pd.Timestamp("2024-01-01") and year.index[-1] == pd.Timestamp("2024-12-31")


def test_northbound_trucks_within_5_percent_of_bts(year):
    assert year["northbound_trucks"].sum() == pytest.approx(TRUCKS_EAST, rel=0.05)


@pytest.mark.parametrize("port", ["west", "east"])
def test_pedestrians_and_vehicles_within_10_percent_of_bts(year, port):
    feb_dec = year[year.index.month >= 2]
    assert feb_dec[f"{port}_pedestrians"].sum() == pytest.approx(PEDESTRIANS_FEB_DEC[port], rel=0.10)
    assert year[f"{port}_vehicles"].sum() == pytest.approx(VEHICLES[port], rel=0.10)


def test_the_winter_harvest_commute_shows_in_the_daily_series(year):
    peds = year["west_pedestrians"] + year["east_pedestrians"]
    winter = peds[year.index.month.isin([12, 1, 2, 3])].mean()
    summer = peds[year.index.month.isin([6, 7, 8, 9])].mean()
    assert winter > summer * 1.03
    farm = year["farm_commuters"]
    assert farm[year.index.month.isin([1, 2])].mean() > 3 * farm[year.index.month.isin([7, 8])].mean()
