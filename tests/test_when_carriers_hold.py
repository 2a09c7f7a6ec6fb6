"""Carriers hold their loads on the days the schedule shuts the cargo lanes, and only then: a
port short of officers, or closed by an event, is a choice between holding and going around."""

import datetime as dt

import pandas as pd

from model import BorderModel
from model.parameters import Event, resolve_lines

CARGO_NORTH = resolve_lines("commercial_north", "test", "lines")
COMMERCIAL = resolve_lines("commercial", "test", "lines")
TUESDAY, SATURDAY, SUNDAY = dt.date(2024, 3, 5), dt.date(2024, 3, 9), dt.date(2024, 3, 10)


def _daily(events, days=75):
    model = BorderModel({"simulation.days": days, "simulation.warmup_days": 0}, events=events).run()
    return model.datacollector.get_table_dataframe("daily").set_index("date")


def test_a_deep_cut_of_cargo_officers_sends_loads_around_and_inputs_still_go_south():
    """A fifth of the cargo officers leave the standard lanes unstaffed some weekdays; that is not
    a Sunday (it stopped every load, inputs south through Mexico's open customs included)."""
    cut = (Event("staffing", dt.date(2024, 3, 1), dt.date(2024, 3, 14), CARGO_NORTH, factor=0.2),)
    daily = _daily(cut)
    day = daily.loc[TUESDAY.isoformat()]
    assert day["east_commercial_standard_booth_hours"] == 0, "the case under test: no standard booth all day"
    assert day["southbound_trucks"] > 0
    assert day["loads_around"] > 0
    weekdays = daily.loc["2024-03-04":"2024-03-08"]
    assert (weekdays["loads_dispatched"] > 0).all()


def test_a_closure_on_a_sunday_changes_nothing():
    """The cargo lanes are shut on Sundays anyway: loads wait for Monday, none go around."""
    pd.testing.assert_frame_equal(_daily((Event("closure", SUNDAY, SUNDAY, COMMERCIAL),)), _daily(()))


def test_a_closure_on_a_saturday_holds_loads_until_monday():
    """What a closure costs a held load is the hours until the lanes reopen, Sunday included."""
    model = BorderModel(events=(Event("closure", SATURDAY, SATURDAY, COMMERCIAL),), collect=False)
    assert model.freight.closed_hours_ahead(SATURDAY) == 48.0
    assert model.freight.closed_hours_ahead(SATURDAY - dt.timedelta(days=1)) == 0.0
    assert model.freight.closed_hours_ahead(TUESDAY) == 0.0


def test_loads_held_behind_a_closed_standard_lane_wait_for_its_reopening():
    """With the standard lane closed Monday to Friday, a load held on Monday waits five days, not
    one (the schedule's next open day); the FAST lane's loads are held a day as ever."""
    standard = ("east_mx_export_standard", "east_commercial_standard")
    monday = dt.date(2024, 3, 4)
    model = BorderModel(events=(Event("closure", monday, monday + dt.timedelta(days=4), standard),), collect=False)
    hold_h = model.freight.hold_h
    assert hold_h(monday, standard) == 5 * 24.0
    assert hold_h(monday + dt.timedelta(days=3), standard) == 2 * 24.0
    assert hold_h(monday, ("east_mx_export_express", "east_commercial_fast")) == 24.0
    assert hold_h(SATURDAY, standard) == 48.0, "after the closure, the schedule: shut on Sunday"


def test_a_load_held_on_the_eve_of_a_closure_waits_for_its_end():
    """Held on Monday with the lanes closed Tuesday and Wednesday, a load waits until Thursday:
    three days, not the one day to the schedule's next opening."""
    standard = ("east_mx_export_standard", "east_commercial_standard")
    monday = dt.date(2024, 3, 4)
    closure = Event("closure", monday + dt.timedelta(days=1), monday + dt.timedelta(days=2), standard)
    model = BorderModel(events=(closure,), collect=False)
    assert model.freight.hold_h(monday, standard) == 3 * 24.0
    assert model.freight.hold_h(monday - dt.timedelta(days=2), standard) == 48.0, "Saturday: Sunday, then Monday"
    assert model.freight.hold_h(monday, ("east_commercial_south",)) == 24.0, "another lane's closure is not its own"
