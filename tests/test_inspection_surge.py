"""`enhanced_inspection` shows its surge where people read: waits, time in port, trucks, diversions."""

import pandas as pd
import pytest

from calexico.running import runs, scenarios
from model.parameters import resolve

WINDOW = ("2024-04-08", "2024-04-17")
NORTH = ("east_commercial_standard", "east_commercial_fast", "east_commercial_empty")


@pytest.fixture(scope="module")
def days():
    """Baseline and surge from January to mid-May, seed 0, indexed by date."""
    out = {}
    for name in ("baseline", "enhanced_inspection"):
        daily = runs.run(scenarios.load(name), seed=0, days=146).daily
        out[name] = daily[daily["measured"]].set_index("date")
    return out


def _window(d):
    return d.loc[WINDOW[0]:WINDOW[1]]


def _dock_capacity_per_weekday(params):
    """Referred trucks the northbound docks can inspect in a weekday's staffed hours."""
    hours = params["hours.east_commercial.weekday_close"] - params["hours.east_commercial.weekday_open"] \
        + params["port.secondary_hours_after_close"]
    return sum(params[f"lines.{n}.secondary_booths"] * hours * 60.0 / params[f"lines.{n}.secondary_min"]
               for n in NORTH)


def test_the_surge_multiplies_time_in_port_and_the_wait_to_primary(days):
    base, surge = _window(days["baseline"]), _window(days["enhanced_inspection"])
    assert surge["commercial_time_in_port_mean_min"].mean() >= 3 * base["commercial_time_in_port_mean_min"].mean()
    assert surge["commercial_wait_mean_min"].mean() > 2 * base["commercial_wait_mean_min"].mean(), \
        "the full lot holds primary booths, so the line to primary grows too"
    assert surge["commercial_blocked_booth_hours"].sum() > 0


def test_trucks_released_fall_to_what_the_docks_can_inspect(days):
    params = resolve(scenarios.load("enhanced_inspection").overrides)
    base, surge = _window(days["baseline"]), _window(days["enhanced_inspection"])
    weekdays = surge.index.day_of_week < 5
    capacity = _dock_capacity_per_weekday(params)
    lots = sum(params[f"lines.{n}.lot_places"] for n in NORTH)
    assert surge["northbound_trucks_released"].sum() < base["northbound_trucks_released"].sum()
    # Every truck is referred, so a weekday releases at most what the docks inspect (and the
    # lot's places once): a bound from the docks' capacity, not from a published figure.
    assert surge.loc[weekdays, "northbound_trucks_released"].iloc[1:].mean() <= 1.25 * capacity + lots
    assert base.loc[base.index.day_of_week < 5, "northbound_trucks_released"].mean() > 3 * capacity


def test_carriers_divert_or_hold_loads_during_the_surge(days):
    base, surge = _window(days["baseline"]), _window(days["enhanced_inspection"])
    diverted = ["diverted_otay_mesa", "diverted_san_luis"]
    more_diverted = surge[diverted].to_numpy().sum() > base[diverted].to_numpy().sum()
    fewer_sent = surge["loads_dispatched"].sum() < 0.8 * base["loads_dispatched"].sum()
    assert more_diverted and fewer_sent


def test_the_secondary_backlog_drains_within_days_after_the_surge(days):
    base, surge = days["baseline"], days["enhanced_inspection"]
    last = pd.Timestamp(WINDOW[1])
    # During the surge referred trucks are left in the lot overnight (the last day of the window
    # may have cleared it: the carriers hold loads back as the lot fills).
    assert _window(surge)["commercial_in_lot_at_close"].max() >= _window(base)["commercial_in_lot_at_close"].max() + 10
    week_after = slice(last + pd.Timedelta(days=7), last + pd.Timedelta(days=14))
    assert (surge.loc[week_after, "commercial_in_lot_at_close"]
            <= base.loc[week_after, "commercial_in_lot_at_close"] + 2).all()
    # The loads held back during the surge go at the rate the lines can clear (carriers send no
    # truck into a line it cannot clear, empty ones included), so a week on the lines to primary
    # are back to an ordinary week's times, not crowded for weeks.
    for after in (week_after, slice(last + pd.Timedelta(days=21), last + pd.Timedelta(days=28))):
        assert surge.loc[after, "commercial_time_in_port_mean_min"].mean() < \
            1.5 * base.loc[after, "commercial_time_in_port_mean_min"].mean() + 10
