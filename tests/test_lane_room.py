"""Each lane has its own room: loads without certification never take the FAST lane's, and certified
loads take the standard lane when the FAST lane is full or closed."""

import datetime as dt

import numpy as np
import pytest

from calexico.running import runs, scenarios
from model import BorderModel
from model.parameters import Event

SHORT = {"simulation.start_date": "2024-01-08", "simulation.days": 14, "simulation.warmup_days": 0,
         "lines.east_commercial_standard.booths": 1}


def _lane_rooms(f, port_today):
    return [min(f.line_room(port_today, (mx,)), f.line_room(port_today, (us,)))
            for mx, us in (("east_mx_export_standard", "east_commercial_standard"),
                           ("east_mx_export_express", "east_commercial_fast"))]


def test_a_full_standard_lane_holds_back_only_the_loads_without_certification():
    """The standard lane's room caps the loads without certification (the FAST lane's spare room
    is not theirs), while the certified loads still take the FAST lane up to its room."""
    m = BorderModel(SHORT, seed=4)
    port_today = m.port_conditions(dt.date(2024, 1, 10))
    f = m.freight
    std, fast = _lane_rooms(f, port_today)
    share = 0.25
    assert fast / share > std / (1 - share), "the FAST lane has room to spare at this FAST share"
    loads = 2 * std / (1 - share)  # twice what the standard lane takes of loads without certification
    assert f.loaded_room(port_today, share, loads) == pytest.approx(std + min(share * loads, fast))
    assert f.loaded_room(port_today, share, loads) > std / (1 - share), "certified loads are not held with the rest"
    assert f.loaded_room(port_today, share, loads) < std + fast, "pooled, the lanes would take more"
    few = 0.5 * std
    assert f.loaded_room(port_today, share, few) == pytest.approx(few), "loads within both rooms all go"


def test_certified_loads_take_the_fast_lane_when_the_standard_lane_is_closed():
    """Closing the standard lane (export customs and US lane, Monday to Friday) holds or sends
    around the loads without certification; the certified loads still cross by the FAST lane
    (they were held with the rest when the lanes' rooms were one share of the loads)."""
    standard_lane = ("east_mx_export_standard", "east_commercial_standard")
    closure = Event("closure", dt.date(2024, 3, 4), dt.date(2024, 3, 8), standard_lane)
    params = {"simulation.start_date": "2024-02-26", "simulation.days": 12, "simulation.warmup_days": 7}
    daily = runs.daily_table(BorderModel(params, seed=0, events=(closure,)).run()).set_index("date")
    week_before, week_closed = daily.loc["2024-02-27":"2024-03-01"], daily.loc["2024-03-05":"2024-03-08"]
    assert (week_closed["east_commercial_standard_served"] == 0).all()
    assert (week_closed["east_commercial_fast_served"] > 0.8 * week_before["east_commercial_fast_served"].mean()).all()


def test_no_lane_is_sent_more_trucks_than_it_can_clear():
    m = BorderModel(SHORT, seed=4)
    f = m.freight
    busy = 0
    while m.days_done < m.n_days:
        day = m.date
        port_today = m.port_conditions(day)
        rooms = {us: min(f.line_room(port_today, (mx,)), f.line_room(port_today, (us,)))
                 for mx, us in (("east_mx_export_standard", "east_commercial_standard"),
                                ("east_mx_export_express", "east_commercial_fast"))}
        m.step()
        sent_std = f.arrivals[m.line_index["east_mx_export_standard"]]
        sent_fast = f.arrivals[m.line_index["east_mx_export_express"]]
        assert sent_std <= rooms["east_commercial_standard"] + 1  # +1: whole trucks
        assert sent_fast <= rooms["east_commercial_fast"] + 1
        busy += sent_std >= rooms["east_commercial_standard"] - 2
    assert busy >= 2, "with one standard booth the lane's own room binds on the busy days"


def test_certified_loads_take_the_standard_lane_when_the_fast_lane_is_closed():
    """A FAST lane is a privilege of certified loads, not an obligation: closing it (export customs
    and US lane, Monday to Friday) sends its loads by the standard lane, not back to the shipper."""
    fast_lane = ("east_mx_export_express", "east_commercial_fast")
    closure = Event("closure", dt.date(2024, 3, 4), dt.date(2024, 3, 8), fast_lane)
    params = {"simulation.start_date": "2024-02-26", "simulation.days": 12, "simulation.warmup_days": 7}
    closed = runs.daily_table(BorderModel(params, seed=0, events=(closure,)).run()).set_index("date")
    week_before, week_closed = closed.loc["2024-02-27":"2024-03-01"], closed.loc["2024-03-05":"2024-03-08"]
    assert (week_closed["northbound_trucks"] > 0.8 * week_before["northbound_trucks"].mean()).all()
    assert week_closed["loads_around"].mean() < 0.25 * week_closed["northbound_trucks"].mean()


def test_doubling_fast_enrolment_keeps_the_trucks_through_calexico_east():
    """fast_growth (half the loads certified, one FAST booth): the FAST lane fills, and the
    certified loads beyond its room take the standard lane, so East carries about the baseline's
    trucks (a year, seed 1: 0.9% fewer; 17% fewer when the FAST lane's room capped every load)."""
    params = {"simulation.start_date": "2024-03-04", "simulation.days": 21, "simulation.warmup_days": 7}
    trucks = {}
    for name in ("baseline", "fast_growth"):
        scenario = scenarios.load(name)
        model = BorderModel({**runs.model_params(scenario, None), **params}, seed=2, events=scenario.events).run()
        daily = runs.daily_table(model)
        trucks[name] = daily.loc[daily["measured"], "northbound_trucks"].sum()
    assert trucks["fast_growth"] >= 0.98 * trucks["baseline"]


def test_loads_that_fit_both_lanes_all_go_whatever_the_fast_share():
    """L(1 - f) + Lf can round to a hair below L (3 loads at f = 0.3), which held one load of every
    group back on days when all of them fit."""
    m = BorderModel(SHORT, seed=4)
    port_today = m.port_conditions(dt.date(2024, 1, 10))
    assert 3.0 * 0.7 + 3.0 * 0.3 < 3.0, "the case under test"
    for share in (0.15, 0.3, 0.35):
        for loads in (3.0, 7.0, 13.0, 29.0):
            assert m.freight.loaded_room(port_today, share, loads) == loads


def test_trucks_left_at_the_export_customs_take_room_at_the_us_line_behind_it():
    """Trucks still at Mexico's export customs from yesterday reach the US line today, so the US
    line has that much less room for today's loads (its own line and lot were already counted)."""
    m = BorderModel(SHORT, seed=4)
    port_today = m.port_conditions(dt.date(2024, 1, 10))
    f = m.freight
    us_room = f.line_room(port_today, ("east_commercial_standard",))
    assert us_room < f.line_room(port_today, ("east_mx_export_standard",)), "the US line binds (1 booth)"
    customs = m.lines[m.line_index["east_mx_export_standard"]]
    customs.carried_wait_min = np.full(7, 30.0)
    customs.in_lot_min, customs.in_lot_service_min = np.full(3, 60.0), np.full(3, 20.0)
    standard, _ = f.lane_rooms(port_today)
    assert standard == pytest.approx(us_room - 10)
