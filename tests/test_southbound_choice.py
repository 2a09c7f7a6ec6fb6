"""Inputs going south choose a crossing or hold, as loads going north do."""

import datetime as dt

import pytest

from model import BorderModel, Event

SHORT = {"simulation.start_date": "2024-01-08", "simulation.days": 10, "simulation.warmup_days": 0}
SOUTH = "east_commercial_south"


def southbound_day(expected_delay_min: float, events=()):
    """Run a week, then one Wednesday with the southbound delay carriers expect set; returns the
    inputs diverted and all inputs moved that day."""
    m = BorderModel(SHORT, seed=2, events=events)
    while m.date < dt.date(2024, 1, 17):
        m.step()
    i = m.line_index[SOUTH]
    m.expected_time_in_port_min[i] = m.inspection_min[i] + expected_delay_min
    before = m.freight.inputs_backlog.sum()
    m.step()
    diverted = m.today["diverted_south_otay_mesa"] + m.today["diverted_south_san_luis"]
    return m, diverted, m.today["southbound_trucks"], before


@pytest.mark.parametrize("delay_min", [30.0, 60.0, 120.0])
def test_some_inputs_go_around_at_realistic_southbound_waits(delay_min):
    _, free_diverted, free_at_east, _ = southbound_day(0.0)
    m, diverted, at_east, _ = southbound_day(delay_min)
    # At free flow whole loads split by largest remainders may put one load past a crossing's
    # free-flow share; nothing more counts as diverted.
    assert free_diverted <= 0.01 * free_at_east, "at free flow nobody counts as diverted"
    assert diverted > 0, f"an expected {delay_min:.0f} min southbound delay sends some inputs elsewhere"
    assert at_east > 2 * diverted, "most inputs still cross at Calexico East at such waits"


def test_more_inputs_go_around_the_longer_the_expected_wait():
    diverted = [southbound_day(delay)[1] for delay in (30.0, 60.0, 120.0, 240.0)]
    assert diverted == sorted(diverted) and diverted[-1] > 3 * diverted[0]


def test_a_closed_southbound_line_gets_no_inputs_and_they_go_around():
    shut = (Event("closure", dt.date(2024, 1, 17), dt.date(2024, 1, 18), (SOUTH,)),)
    m, diverted, _, _ = southbound_day(0.0, events=shut)
    _, _, base_at_east, _ = southbound_day(0.0)
    assert m.freight.arrivals[m.line_index[SOUTH]] == 0
    # Two days' wait costs a truck far more than the detour: the day's inputs go by Otay Mesa or
    # San Luis rather than wait with the shipper.
    assert diverted > 0.5 * base_at_east
    # The loaded northbound crossing is open and keeps its traffic.
    assert m.freight.arrivals[m.line_index["east_mx_export_standard"]] > 100
