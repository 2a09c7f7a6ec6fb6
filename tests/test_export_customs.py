"""The whole northbound crossing: Mexico's export customs feed the US lines, lane by lane."""

import datetime as dt

import numpy as np
import pytest

from calexico.running.runs import daily_table
from model import BorderModel, Event
from model.freight import EXPORT_NORTH, FEEDS
from model.outcomes import summarise

# 2024-01-08 is a Monday: a few ordinary weeks, warm-up included in the days.
SHORT = {"simulation.start_date": "2024-01-08", "simulation.days": 21, "simulation.warmup_days": 7}


def run_capturing(params=None, events=()):
    """Run a short model and keep each day's line results."""
    m = BorderModel({**SHORT, **(params or {})}, seed=3, events=events)
    days, serve = [], m.serve_lines

    def capture(day, port_today):
        results = serve(day, port_today)
        days.append((day, results, m.arrivals_by_hour.copy()))
        return results

    m.serve_lines = capture
    m.run()
    return m, days


@pytest.fixture(scope="module")
def baseline():
    return run_capturing()


def test_the_trucks_the_export_customs_release_are_the_us_lines_arrivals(baseline):
    m, days = baseline
    fed = 0
    for _day, results, _ in days:
        for mx, us in FEEDS:
            out, into = results[m.line_index[mx]], results[m.line_index[us]]
            assert out.released_by_hour.sum() == out.released  # every release is in an hour
            assert into.arrivals == out.released
            fed += into.arrivals
    assert fed > 5000, "thousands of loaded trucks came through the export customs in four weeks"


def test_the_us_lines_arrive_in_the_hours_the_export_customs_release(baseline):
    m, days = baseline
    us = m.line_index["east_commercial_standard"]
    mx = m.line_index["east_mx_export_standard"]
    # On a weekday the US line's trucks arrive in the hours the customs released them (those
    # it held overnight first, at its opening), not by the trucks' own hourly profile.
    checked = 0
    for day, results, by_hour in days:
        if day.weekday() == 2 and results[mx].released > 100:
            released = results[mx].released_by_hour
            assert np.array_equal(by_hour[us], released)
            assert not np.allclose(released / released.sum(), by_hour[mx] / by_hour[mx].sum(), atol=0.01)
            checked += 1
    assert checked >= 2


def test_closing_the_export_customs_starves_the_us_lines(baseline):
    _, base_days = baseline
    shut = (Event("closure", dt.date(2024, 1, 23), dt.date(2024, 1, 24), EXPORT_NORTH),)
    m, days = run_capturing(events=shut)
    std, fast = (m.line_index[n] for n in ("east_commercial_standard", "east_commercial_fast"))
    for (day, results, _), (_, base, _) in zip(days, base_days, strict=True):
        if day in (dt.date(2024, 1, 23), dt.date(2024, 1, 24)):
            assert results[std].arrivals == 0 and results[fast].arrivals == 0
            assert base[std].arrivals > 300, "an ordinary Tuesday or Wednesday brings hundreds"
            # Only the trucks left in line the evening before are served.
            assert results[std].served < 0.2 * base[std].served
    # The empty trucks' line does not pass the export customs and keeps its traffic.
    empty = m.line_index["east_commercial_empty"]
    tuesday = next(r for d, r, _ in days if d == dt.date(2024, 1, 23))
    assert tuesday[empty].arrivals > 0


def test_the_whole_crossing_is_the_export_customs_plus_the_us_line(baseline):
    m, _ = baseline
    daily = daily_table(m)
    open_days = daily[daily["east_commercial_standard_released"] > 0]
    assert len(open_days) > 15
    for lane, (mx, us) in zip(("standard", "certified"), FEEDS, strict=True):
        parts = open_days[f"{mx}_time_in_port_mean_min"] + open_days[f"{us}_time_in_port_mean_min"]
        assert np.allclose(open_days[f"{lane}_crossing_time_mean_min"], parts)
        # The whole crossing is longer than CBP's wait to primary and its time in port alone.
        assert (open_days[f"{lane}_crossing_time_mean_min"] > open_days[f"{us}_time_in_port_mean_min"]).all()
    summary = summarise(daily, m.params, 3)
    assert summary["mean_northbound_crossing_time_min"] > summary["mean_commercial_time_in_port_min"]
    assert (summary["mean_certified_crossing_time_min"] <= summary["mean_northbound_crossing_time_min"]
            <= summary["mean_standard_crossing_time_min"])


def test_without_waiting_the_crossing_takes_only_its_inspections():
    m = BorderModel({**SHORT, "port.waiting": False}, seed=3).run()
    daily = daily_table(m)
    day = daily[daily["east_commercial_standard_released"] > 0].iloc[-1]
    nominal = sum(m.inspection_min[m.line_index[n]] for n in FEEDS[0])
    assert day["standard_crossing_time_mean_min"] == pytest.approx(nominal)
