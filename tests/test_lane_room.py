"""Each lane has its own room: FAST and standard are not pooled when carriers dispatch."""

import datetime as dt

from model import BorderModel

SHORT = {"simulation.start_date": "2024-01-08", "simulation.days": 14, "simulation.warmup_days": 0,
         "lines.east_commercial_standard.booths": 1}


def test_a_tight_standard_lane_is_not_filled_from_the_fast_lanes_spare_room():
    m = BorderModel(SHORT, seed=4)
    port_today = m.port_conditions(dt.date(2024, 1, 10))
    f = m.freight
    std, fast = (min(f.line_room(port_today, (mx,)), f.line_room(port_today, (us,)))
                 for mx, us in (("east_mx_export_standard", "east_commercial_standard"),
                                ("east_mx_export_express", "east_commercial_fast")))
    share = 0.25
    assert fast / share > std / (1 - share), "the FAST lane has room to spare at this FAST share"
    assert f.loaded_room(port_today, share) == std / (1 - share)
    assert f.loaded_room(port_today, share) < std + fast, "pooled, the lanes would take more"


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
