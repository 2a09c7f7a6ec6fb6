"""Carriers' next turn is as long as the trucks' crossings today: each loaded lane's crossing beyond
its inspection, weighted by the trucks it released, plus the southbound line's."""

import datetime as dt

import pytest

from model import BorderModel
from model.freight import FEEDS, SOUTH, crossing_min
from model.parameters import Event

WEEKS = {"simulation.start_date": "2024-02-26", "simulation.days": 12, "simulation.warmup_days": 7}


def _turns(model, on_day):
    """(turn minutes the carriers took away, the same from the day's lines) on the days `on_day` picks."""
    f, turns = model.freight, []
    deliver = f.deliver

    def deliver_and_note(day, results, port_today):
        deliver(day, results, port_today)
        if on_day(day):
            lanes = [(results[f.line_index[us]].released,
                      crossing_min(results, f.line_index, mx, us) - nominal)
                     for (mx, us), nominal in zip(FEEDS, f._nominal_crossing_min, strict=True)]
            south = results[f.line_index[SOUTH]].time_in_port_mean_min - f._nominal_south_min
            turns.append((f.last_truck_wait_h * 60.0, lanes, south))

    f.deliver = deliver_and_note
    model.run()
    return turns


def test_the_turn_weights_each_lane_by_the_trucks_it_released():
    """The FAST lane moves about a quarter of the loads: its short crossing is a quarter of the
    trucks' turns, not half (an unweighted mean of the two lanes made turns short)."""
    turns = _turns(BorderModel(WEEKS, seed=0), lambda day: day >= dt.date(2024, 3, 4) and day.weekday() < 5)
    assert len(turns) == 5
    apart = 0
    for turn_min, lanes, south in turns:
        (standard_n, standard_min), (fast_n, fast_min) = lanes
        assert 0 < fast_n < standard_n, "both lanes move trucks, the standard lane most"
        weighted = (standard_n * standard_min + fast_n * fast_min) / (standard_n + fast_n)
        assert turn_min == pytest.approx(max(0.0, weighted + south))
        apart += abs(weighted - (standard_min + fast_min) / 2) > 1.0
    assert apart >= 3, "on most days the lanes' crossings differ, so the weights matter"


def test_a_closed_fast_lane_leaves_the_trucks_turn_as_long_as_the_standard_lanes_crossing():
    """With the FAST lane closed every load crosses by the standard lane, so carriers' next turn is
    that lane's crossing (a closed lane's zero minutes halved it)."""
    closure = Event("closure", dt.date(2024, 3, 4), dt.date(2024, 3, 8), ("east_mx_export_express",
                                                                          "east_commercial_fast"))
    turns = _turns(BorderModel(WEEKS, seed=0, events=(closure,)),
                   lambda day: closure.active(day) and day.weekday() < 5)
    assert len(turns) == 5
    for turn_min, lanes, south in turns:
        (_, standard_min), (fast_n, _) = lanes
        assert fast_n == 0
        assert turn_min == pytest.approx(max(0.0, standard_min + south))
    assert max(lanes[0][1] for _, lanes, _ in turns) > 30, "the standard lane is busy with every load"
