"""Each library scenario does what its description says, against the resolved baseline.

Why: scenario files hold absolute values (`booths = 3`), so a change of defaults can silently
turn "one more booth" into "no change" or "one fewer". These tests check the resolved
parameters, the events, and the booths the port staffs each hour (`port_conditions`, the
model's own path), not full-year runs, so they are fast.
"""

import datetime as dt

import numpy as np
import pytest

from calexico.running import scenarios
from model import BorderModel

NORTH = ("east_commercial_standard", "east_commercial_fast", "east_commercial_empty")
COMMERCIAL = (*NORTH, "east_commercial_south")
# One week of 2024 (Monday 8 January to Sunday 14 January): every day type.
WEEK = [dt.date(2024, 1, 8) + dt.timedelta(days=k) for k in range(7)]


def _params(name: str) -> dict:
    return scenarios.load(name).params


def _changed(name: str, against: str = "baseline") -> dict:
    """Keys whose resolved value differs from `against`: key -> (against's, the scenario's)."""
    a, b = _params(against), _params(name)
    return {k: (a[k], b[k]) for k in a if a[k] != b[k]}


def _model(name: str) -> BorderModel:
    s = scenarios.load(name)
    return BorderModel(s.overrides, events=s.events, collect=False)


def _booths(model: BorderModel, day: dt.date) -> dict[str, np.ndarray]:
    """Booths staffed each hour of `day`, by line."""
    today = model.port_conditions(day)
    return {line.name: today["booths"][line.index] for line in model.lines}


def _lanes(model: BorderModel, day: dt.date) -> dict[str, np.ndarray]:
    """Lanes open each hour of `day`, by line (the lanes built, in their open hours)."""
    today = model.port_conditions(day)
    return {line.name: today["lanes"][line.index] for line in model.lines}


def _same_port(a: BorderModel, b: BorderModel, day: dt.date, lines=None) -> bool:
    ba, bb = _booths(a, day), _booths(b, day)
    return all(np.array_equal(ba[n], bb[n]) for n in (lines or ba))


@pytest.fixture(scope="module")
def baseline() -> BorderModel:
    return _model("baseline")


def test_every_library_scenario_has_an_intent_test():
    """A scenario added to the library must be added here, with a test of what it means."""
    assert set(scenarios.available()) == INTENT
    tests = [name for name in globals() if name.startswith("test_")]
    for name in INTENT:
        assert any(t.startswith(f"test_{name}_") for t in tests), name


def test_baseline_is_the_shipped_defaults():
    s = scenarios.load("baseline")
    assert s.overrides == {} and s.events == ()


def test_one_more_booth_adds_a_standard_lane_and_an_officer_who_staffs_it(baseline):
    assert _changed("one_more_booth") == {"lines.east_commercial_standard.booths": (2, 3),
                                          "officers.east_cargo_day": (4.0, 5.0)}
    more = _model("one_more_booth")
    added, open_hours = 0, 0
    for day in WEEK:
        base, new = _booths(baseline, day), _booths(more, day)
        lanes_base, lanes_new = _lanes(baseline, day), _lanes(more, day)
        standard = lanes_base["east_commercial_standard"] > 0
        assert np.array_equal(lanes_new["east_commercial_standard"][standard],
                              lanes_base["east_commercial_standard"][standard] + 1)
        assert not new["east_commercial_standard"][~standard].any()
        # The new officer works the standard lanes (FAST and empty have one lane, staffed).
        assert (new["east_commercial_standard"] >= base["east_commercial_standard"]).all()
        added += (new["east_commercial_standard"] - base["east_commercial_standard"])[standard].sum()
        open_hours += standard.sum()
        assert _same_port(baseline, more, day, [n for n in base if n != "east_commercial_standard"])
    # Officers present vary from day to day (5 x 0.9-1.1 against 4 x 0.9-1.1): one booth on average.
    assert 0.8 <= added / open_hours <= 1.3, added / open_hours


def test_staffing_cut_takes_30_percent_of_cargo_officers_in_its_window_only(baseline):
    assert _changed("staffing_cut") == {}
    cut = _model("staffing_cut")
    (event,) = cut.events
    assert (event.start, event.end, event.factor) == (dt.date(2024, 3, 1), dt.date(2024, 5, 29), 0.7)
    for day in (event.start, dt.date(2024, 4, 6), event.end):  # Friday, Saturday, Wednesday
        base, new = _booths(baseline, day), _booths(cut, day)
        # Whole officers (2.8 officers are 3 in most hours and 2 in the others), and the full
        # port's booths capped by the lanes built: 70% of the day's booth-hours within 2.
        staffed, full = sum(new[n].sum() for n in NORTH), sum(base[n].sum() for n in NORTH)
        assert abs(staffed - 0.7 * full) <= 2, day
        assert all(new[n].sum() <= base[n].sum() for n in NORTH)
        assert _same_port(baseline, cut, day, [n for n in base if n not in NORTH])
    for day in (event.start - dt.timedelta(days=1), event.end + dt.timedelta(days=1)):
        assert _same_port(baseline, cut, day)


def test_closure_closes_commercial_lines_both_ways_for_three_days_only(baseline):
    assert _changed("closure") == {}
    closure = _model("closure")
    (event,) = closure.events
    days = [event.start + dt.timedelta(days=k) for k in range((event.end - event.start).days + 1)]
    assert len(days) == 3 and days[0] == dt.date(2024, 3, 4)
    for day in days:
        booths = _booths(closure, day)
        assert not any(booths[n].any() for n in COMMERCIAL)
        assert _same_port(baseline, closure, day, [n for n in booths if n not in COMMERCIAL])
    for day in (days[0] - dt.timedelta(days=1), days[-1] + dt.timedelta(days=1)):
        assert _same_port(baseline, closure, day)


def test_bridge_expansion_has_the_four_commercial_lanes_its_source_names(baseline):
    """GSA (Jul 2022): 4 northbound commercial lanes after the project; Caltrans: 3 before
    (1 regular, 1 FAST, 1 empty). The scenario states the 2024 port, so against the
    baseline it changes nothing, and against pre_bridge it adds the standard lane."""
    assert _changed("bridge_expansion") == {}
    bridge, pre = _params("bridge_expansion"), _params("pre_bridge")
    assert sum(bridge[f"lines.{n}.booths"] for n in NORTH) == 4
    assert [pre[f"lines.{n}.booths"] for n in NORTH] == [1, 1, 1]
    assert _changed("bridge_expansion", against="pre_bridge") == {"lines.east_commercial_standard.booths": (1, 2)}
    model = _model("bridge_expansion")
    monday = _booths(model, WEEK[0])
    assert max(sum(monday[n][h] for n in NORTH) for h in range(24)) == 4


def test_pre_bridge_takes_away_one_standard_lane():
    assert _changed("pre_bridge") == {"lines.east_commercial_standard.booths": (2, 1)}


def test_extended_hours_opens_commercial_lanes_longer_with_the_same_booths(baseline):
    longer = _model("extended_hours")
    extra_h = {0: 2, 5: 2, 6: 0}  # Monday +2 h (to 22:00), Saturday +2 h (from 08:00), Sunday closed
    for day in WEEK:
        base, new = _booths(baseline, day), _booths(longer, day)
        for line in COMMERCIAL:
            assert ((new[line] > 0).sum() - (base[line] > 0).sum()) == extra_h.get(day.weekday(), 2)
            assert np.array_equal(new[line][base[line] > 0], base[line][base[line] > 0])  # opens no later
        # Mexico's export customs keeps pace (an hour ahead of the US lanes); people's lines are unchanged.
        export = [n for n in base if "mx_export" in n]
        for line in export:
            assert ((new[line] > 0).sum() - (base[line] > 0).sum()) == extra_h.get(day.weekday(), 2)
        assert _same_port(baseline, longer, day, [n for n in base if n not in COMMERCIAL and n not in export])
    assert np.flatnonzero(_booths(longer, WEEK[0])["east_commercial_standard"]).max() == 21  # last hour 21-22
    assert np.flatnonzero(_booths(longer, WEEK[0])["east_mx_export_standard"]).max() == 20


def test_ready_lanes_adds_ready_and_sentri_lanes_converting_general_ones(baseline):
    ready = _model("ready_lanes")
    base, new = _lanes(baseline, WEEK[0]), _lanes(ready, WEEK[0])
    for port in ("east", "west"):
        fast = (f"{port}_pov_ready", f"{port}_pov_sentri")
        assert sum(new[n].max() for n in fast) > sum(base[n].max() for n in fast), port
        assert new[f"{port}_pov_ready"].max() > base[f"{port}_pov_ready"].max(), port
        all_pov = (*fast, f"{port}_pov_general")
        assert sum(new[n].max() for n in all_pov) == sum(base[n].max() for n in all_pov), port  # converted
        staffed = _booths(ready, WEEK[0])  # general and Ready share their lanes (model.staffing.SHARED_LANES)
        signed = (f"{port}_pov_general", f"{port}_pov_ready")
        assert (sum(staffed[n] for n in signed) <= sum(new[n] for n in signed)).all(), port
        assert (staffed[f"{port}_pov_sentri"] <= new[f"{port}_pov_sentri"]).all(), port
    assert _params("ready_lanes")["labour.ready_share"] > _params("baseline")["labour.ready_share"]
    assert all((k.startswith("lines.") and "_pov_" in k) or k == "labour.ready_share" for k in _changed("ready_lanes"))


def test_fast_growth_doubles_fast_enrolment_and_nothing_else():
    assert _changed("fast_growth") == {"trucking.fast_share": (0.25, 0.5)}


def test_nearshoring_grows_manufacturing_orders_20_percent_a_year():
    assert _changed("nearshoring") == {"manufacturing.orders_growth_per_year": (0.0, 0.2)}


def test_inspection_technology_cuts_northbound_primary_minutes_by_a_quarter():
    changed = _changed("inspection_technology")
    assert set(changed) == {f"lines.{n}.primary_min" for n in NORTH}
    for base, new in changed.values():
        assert new == pytest.approx(0.75 * base)


def test_risk_based_screening_refers_fast_4x_less_and_standard_more():
    changed = _changed("risk_based_screening")
    assert set(changed) == {"lines.east_commercial_fast.secondary_share",
                            "lines.east_commercial_standard.secondary_share"}
    base, new = changed["lines.east_commercial_fast.secondary_share"]
    assert new == pytest.approx(base / 4)
    base, new = changed["lines.east_commercial_standard.secondary_share"]
    assert new > base


def test_unified_cargo_processing_halves_southbound_red_lights_and_speeds_its_review():
    changed = _changed("unified_cargo_processing")
    assert set(changed) == {"lines.east_commercial_south.secondary_share", "lines.east_commercial_south.primary_min",
                            "lines.east_commercial_standard.primary_min"}
    base, new = changed["lines.east_commercial_south.secondary_share"]
    assert new == pytest.approx(base / 2)
    base, new = changed["lines.east_commercial_south.primary_min"]
    assert new == pytest.approx(0.8 * base)
    base, new = changed["lines.east_commercial_standard.primary_min"]
    assert new > base  # two agencies review the truck at one stop


def test_no_delay_switches_off_waiting_and_nothing_else():
    assert _changed("no_delay") == {"port.waiting": (True, False)}
    assert scenarios.load("no_delay").events == ()


def test_no_delay_anywhere_also_frees_otay_mesa_and_san_luis():
    changed = _changed("no_delay_anywhere")
    assert changed.pop("port.waiting") == (True, False)
    assert set(changed) == {"alternatives.otay_mesa_wait_min", "alternatives.san_luis_wait_min"}
    assert all(new == 0.0 < old for old, new in changed.values())


def test_enhanced_inspection_refers_every_northbound_truck_for_ten_days(baseline):
    assert _changed("enhanced_inspection") == {}
    model = _model("enhanced_inspection")
    (event,) = model.events
    assert event.kind == "secondary_share" and event.value == 1.0 and set(event.lines) == set(NORTH)
    assert (event.end - event.start).days + 1 == 10
    inside, before = model.port_conditions(event.start), model.port_conditions(event.start - dt.timedelta(days=1))
    base = baseline.port_conditions(event.start)
    for line in model.lines:
        expected = 1.0 if line.name in NORTH else base["secondary_share"][line.index]
        assert inside["secondary_share"][line.index] == expected
        assert before["secondary_share"][line.index] == base["secondary_share"][line.index]


INTENT = {"bridge_expansion", "pre_bridge", "one_more_booth", "staffing_cut", "extended_hours", "ready_lanes",
          "fast_growth", "nearshoring", "inspection_technology", "risk_based_screening", "unified_cargo_processing",
          "no_delay", "no_delay_anywhere", "enhanced_inspection", "closure", "baseline"}
