"""The impact of delay: paired differences per seed, their mean and 95% t-interval, and
`calexico run --reps` end to end."""

import json

import pytest
from scipy import stats

from calexico.cli import main
from calexico.running import impact, runs, scenarios
from model import input_output
from model.parameters import resolve

PARAMS = resolve({})


def summary(cost: float, lost_us: float = 0.0, plant_jobs: float = 1000.0, trucks: float = 100.0) -> dict:
    """A hand-made run summary with the sections the impact reads: a sector that would produce
    USD 10M and loses `lost_us` of it, and the jobs its output supports."""
    made = 10e6 - lost_us
    return {"costs_usd": {"truck_delay": cost, "total": 2 * cost}, "northbound_trucks": trucks,
            "output_usd": {"us": {"agriculture": made}}, "agent_jobs": {"plant_jobs_mx": plant_jobs},
            "io_jobs": {"us": {"direct": made / 1e6 * 4.6, "indirect": made / 1e6 * 1.2,
                               "induced": made / 1e6 * 1.2, "total": made / 1e6 * 7.0}},
            "trade_value_usd": {"north": 5.0, "south": 1.0}, "visitor_spending_usd": 50.0}


def test_difference_is_scenario_minus_counterfactual_section_by_section():
    d = impact.difference(summary(30.0, lost_us=2e6, plant_jobs=990.0, trucks=90.0), summary(10.0))
    assert d["costs_usd"] == {"truck_delay": 20.0, "total": 40.0}
    assert d["output_lost_usd"] == {"us": {"agriculture": 2e6, "total": 2e6}}  # each side with its total
    assert d["agent_jobs_response"] == {"plant_jobs_mx": -10.0}
    assert d["northbound_trucks"] == -10.0 and d["visitor_spending_usd"] == 0.0
    # Jobs are a change in jobs: the lost output's jobs with the sign turned.
    assert d["jobs"]["us"] == pytest.approx({"direct": -9.2, "indirect": -2.4, "induced": -2.4, "total": -14.0})


def test_sections_a_model_does_not_report_are_skipped():
    old = {"costs_usd": {"total": 5.0}, "northbound_trucks": 3.0, "trade_value_usd": {"north": 1.0},
           "visitor_spending_usd": 2.0, "jobs": {"total_us": 7.0}}
    d = impact.difference(old, {**old, "costs_usd": {"total": 1.0}})
    assert set(d) == {"costs_usd", "northbound_trucks", "trade_value_usd", "visitor_spending_usd"}
    assert d["costs_usd"]["total"] == 4.0


def test_interval_is_the_mean_and_t_interval_over_replications():
    values = [10.0, 14.0, 9.0, 11.0]
    got = impact.interval(values)
    half = stats.t.ppf(0.975, 3) * stats.tstd(values) / 2
    assert got["mean"] == pytest.approx(11.0)
    assert got["ci95_low"] == pytest.approx(11.0 - half) and got["ci95_high"] == pytest.approx(11.0 + half)
    assert impact.interval([3.0, 3.0]) == {"mean": 3.0, "ci95_low": 3.0, "ci95_high": 3.0}
    assert impact.interval([3.0]) == {"mean": 3.0, "ci95_low": None, "ci95_high": None}


def test_aggregation_of_paired_replications_keeps_the_shape_with_an_interval_at_each_leaf():
    pairs = [(summary(30.0 + r, lost_us=1e6 * (r + 1)), summary(10.0)) for r in range(3)]
    agg = impact.impact_vs_no_delay(pairs, [0, 1, 2])
    assert agg["replications"] == 3 and agg["seeds"] == [0, 1, 2]
    assert agg["counterfactual"].startswith("no_delay")
    total = agg["costs_usd"]["total"]
    assert total["mean"] == pytest.approx(42.0)  # 2 * (30 + 1) - 2 * 10
    assert total["ci95_low"] < 42.0 < total["ci95_high"]
    assert agg["output_lost_usd"]["us"]["agriculture"]["mean"] == pytest.approx(2e6)
    assert agg["jobs"]["us"]["direct"]["mean"] == pytest.approx(-9.2)
    assert set(agg["agent_jobs_response"]["plant_jobs_mx"]) == set(impact.STATS)
    json.dumps(agg)  # JSON-ready


def test_a_runs_summary_has_the_input_output_keys_of_its_output():
    s = runs.run(scenarios.load("baseline"), days=3).summary
    share = PARAMS["input_output.us_agriculture.value_added_share"]
    assert s["value_added_usd"]["us"]["total"] > s["output_usd"]["us"]["agriculture"] * share > 0
    jobs_per_million = PARAMS["input_output.mx_manufacturing.direct_jobs_per_million_usd"]
    assert s["io_jobs_by_sector"]["mx"]["manufacturing"] == pytest.approx(
        s["output_usd"]["mx"]["manufacturing"] * 365 / 3 / 1e6 * jobs_per_million
        * PARAMS["input_output.mx_manufacturing.type2_multiplier"])


def test_input_output_jobs_are_at_a_yearly_rate_of_the_runs_output():
    """A month's output supports the jobs of twelve times that output a year."""
    month = input_output.summarise({"us": {"agriculture": 1e6}}, PARAMS, days=365 / 12)
    assert month["io_jobs"]["us"]["direct"] == pytest.approx(4.6 * 12)
    assert month["value_added_usd"]["us"]["direct"] == pytest.approx(1e6 * PARAMS[
        "input_output.us_agriculture.value_added_share"])


def test_run_reps_end_to_end_records_seeds_and_intervals(tmp_path, capsys):
    out = tmp_path / "run"
    assert main(["run", "baseline", "--days", "2", "--reps", "3", "--workers", "2", "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert "mean of 3 paired replications (seeds 0-2, [95% CI])" in text
    s = json.loads((out / "summary.json").read_text())
    i = s["impact_vs_no_delay"]
    assert i["seeds"] == [0, 1, 2] and i["replications"] == 3 and s["seed"] == 0
    total = i["costs_usd"]["total"]
    assert total["ci95_low"] <= total["mean"] <= total["ci95_high"] and total["mean"] > 0
    assert json.loads((out / "manifest.json").read_text())["seeds"] == [0, 1, 2]
    # The same replications one at a time in this process: the same numbers.
    serial = runs.run_with_impact(scenarios.load("baseline"), days=2, reps=3, workers=1).summary
    assert serial["impact_vs_no_delay"] == i
    # The mean is the mean of the per-seed paired differences (`impact()`); the summary is seed 0's.
    baseline = scenarios.load("baseline")
    per_seed = [runs.impact(runs.run(baseline, seed, 2), runs.run(baseline, seed, 2, no_delay=True))
                for seed in range(3)]
    assert total["mean"] == pytest.approx(sum(p["costs_usd"]["total"] for p in per_seed) / 3)
    assert s["costs_usd"]["total"] == pytest.approx(runs.run(baseline, 0, 2).summary["costs_usd"]["total"])


def test_run_refuses_zero_replications(capsys):
    assert main(["run", "baseline", "--days", "2", "--reps", "0"]) == 2
    assert "--reps" in capsys.readouterr().err


def test_headline_shows_every_reported_section_with_its_interval():
    from calexico.cli import format_impact

    pairs = [(summary(30.0 + r, lost_us=1e6 * (r + 1), plant_jobs=990.0 - r), summary(10.0)) for r in range(3)]
    agg = impact.impact_vs_no_delay(pairs, [0, 1, 2])
    agg["value_added_lost_usd"] = {"us": {e: impact.interval([1e5, 2e5]) for e in ("direct", "total")}}
    agg["jobs"] = {"us": {e: impact.interval([-1.0, -2.0]) for e in ("direct", "indirect", "induced", "total")}}
    text = "\n".join(format_impact(agg))
    assert "mean of 3 paired replications (seeds 0-2, [95% CI])" in text
    assert "Output lost: US $2.0M [" in text and "(agriculture $2.0M)" in text
    assert "Value added lost: US $150.0k [" in text
    assert "Jobs (input-output, from lost output): US -2 [" in text
    assert "Agents' employment response: plant jobs mx -11 [" in text
    one = impact.impact_vs_no_delay(pairs[:1], [0])
    assert "[" not in "\n".join(format_impact(one)).split("\n", 1)[1]  # no interval from one replication


def test_idle_workers_follow_the_machines_load(monkeypatch):
    monkeypatch.setattr(runs.os, "sched_getaffinity", lambda pid: {0, 1}, raising=False)
    monkeypatch.setattr(runs.os, "getloadavg", lambda: (0.1, 0.0, 0.0))
    assert runs.idle_workers() == 2
    monkeypatch.setattr(runs.os, "getloadavg", lambda: (1.2, 0.0, 0.0))
    assert runs.idle_workers() == 1
    monkeypatch.setattr(runs.os, "getloadavg", lambda: (7.0, 0.0, 0.0))
    assert runs.idle_workers() == 1
