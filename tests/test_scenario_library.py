"""Every scenario in the policy library loads, says what it is, and runs."""

import tomllib

import pytest

from calexico.running import runs, scenarios

LIBRARY = sorted(scenarios.available())
EXPECTED = {"baseline", "no_delay", "staffing_cut", "bridge_expansion", "pre_bridge", "extended_hours",
            "enhanced_inspection", "closure", "fast_growth", "nearshoring", "ready_lanes", "one_more_booth",
            "risk_based_screening", "unified_cargo_processing", "inspection_technology"}


def test_library_has_every_policy_the_issue_names():
    assert EXPECTED <= set(LIBRARY)


@pytest.mark.parametrize("name", LIBRARY)
def test_scenario_has_description_and_source(name):
    raw = tomllib.loads((scenarios.scenarios_dir() / f"{name}.toml").read_text())
    assert raw.get("description", "").strip()
    assert raw.get("source", "").strip()


@pytest.mark.parametrize("name", LIBRARY)
def test_scenario_runs_a_few_days_with_its_events_in_force(name):
    scenario = scenarios.load(name)
    start = min((e.start for e in scenario.events), default=None)
    overrides = {"simulation.warmup_days": 0}
    if start is not None:  # run the days when the event is in force
        overrides["simulation.start_date"] = start.isoformat()
    result = runs.run(scenario, seed=1, days=3, overrides=overrides)
    assert result.summary["days"] == 3
    assert result.summary["scenario"] == name


def test_closure_stops_commercial_crossings():
    scenario = scenarios.load("closure")
    start = scenario.events[0].start.isoformat()
    result = runs.run(scenario, seed=1, days=3, overrides={"simulation.warmup_days": 0,
                                                          "simulation.start_date": start})
    assert result.summary["northbound_trucks"] == 0


def test_risk_based_screening_keeps_expected_inspections():
    base, risk = scenarios.load("baseline").params, scenarios.load("risk_based_screening").params
    f = base["trucking.fast_share"]

    def inspections(p):
        return ((1 - f) * p["lines.east_commercial_standard.secondary_share"]
                + f * p["lines.east_commercial_fast.secondary_share"])

    assert risk["lines.east_commercial_fast.secondary_share"] < base["lines.east_commercial_fast.secondary_share"]
    assert inspections(risk) == pytest.approx(inspections(base))
