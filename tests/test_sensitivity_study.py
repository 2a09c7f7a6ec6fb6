"""`calexico sensitivity`: a small study end to end, resumable after kill -9, the same on Dask,
factors and outcomes from the data files, and a noise floor that measures the seed."""

import json
import math
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from calexico import cli
from calexico.analysis import data_worth, screening, sensitivity, sensitivity_report
from calexico.running import batch, runs, scenarios
from model.parameters import SPECS, ParameterError

ROOT = Path(__file__).resolve().parents[1]
FACTORS = """
factors = ["lines.east_commercial_standard.primary_min", "labour.slack_min"]
[bounds]
"port.staffing_share" = [0.8, 1.2]
"""
SMALL = ["--days", "2", "--reps", "2", "--trajectories", "2"]


def _factors(tmp_path) -> str:
    path = tmp_path / "factors.toml"
    path.write_text(FACTORS)
    return str(path)


def _cli(*args) -> list[str]:
    return [sys.executable, "-m", "calexico.cli", "sensitivity", *args]


def test_small_study_writes_report_figures_and_indices_from_the_command_line(tmp_path, capsys):
    out = tmp_path / "study"
    code = cli.main(["sensitivity", "--factors", _factors(tmp_path), *SMALL, "--out", str(out)])
    assert code == 0, capsys.readouterr().err
    report = (out / "sensitivity.md").read_text()
    for heading in ("## Seed noise", "## Ranking of factors, per outcome", "## Factors that matter, by source status",
                    "## Data worth collecting"):
        assert heading in report
    figures = sorted(p.name for p in (out / "figures").glob("*.png"))
    assert figures == ["by_status.png", "ranking_delay_cost_usd.png", "ranking_jobs_mx.png", "ranking_jobs_us.png",
                       "ranking_value_added_lost_mx_usd.png", "ranking_value_added_lost_us_usd.png"]
    assert all((out / "figures" / f).stat().st_size > 5000 for f in figures)
    indices = pd.read_csv(out / "indices.csv")
    assert set(indices["outcome"]) == {"delay_cost_usd", "jobs_us", "jobs_mx", "value_added_lost_us_usd",
                                       "value_added_lost_mx_usd"}
    assert set(indices["factor"]) == {"lines.east_commercial_standard.primary_min", "labour.slack_min",
                                      "port.staffing_share"}
    assert (indices["mu_star"] >= 0).all() and indices["mu_star"].max() > 0
    # 3 factors, 2 trajectories: 8 points, 2 replications each, every one a paired run on disk
    assert len(list((out / "runs").glob("*.json"))) == 16
    assert len(pd.read_csv(out / "runs.csv")) == 16
    noise = pd.read_csv(out / "noise.csv")
    assert (noise["noise_floor"] >= 0).all()


def test_study_resumes_after_kill_9_without_rerunning_finished_points(tmp_path):
    factors = _factors(tmp_path)
    whole, killed = tmp_path / "whole", tmp_path / "killed"
    subprocess.run(_cli("--factors", factors, *SMALL, "--out", str(whole)), cwd=ROOT, check=True,
                   capture_output=True)
    proc = subprocess.Popen(_cli("--factors", factors, *SMALL, "--out", str(killed)), cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.time() + 120
    while time.time() < deadline and len(list((killed / "runs").glob("*.json"))) < 4:
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    finished = {p.name: p.stat().st_mtime_ns for p in (killed / "runs").glob("*.json")}
    assert 4 <= len(finished) < 16, "the kill should land in the middle of the study"
    assert not (killed / "sensitivity.md").exists()
    done = subprocess.run(_cli("--factors", factors, *SMALL, "--out", str(killed), "--resume"), cwd=ROOT,
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert f"{len(finished)} already done" in done.stdout
    assert {p.name: p.stat().st_mtime_ns for p in (killed / "runs").glob("*.json") if p.name in finished} == finished
    pd.testing.assert_frame_equal(pd.read_csv(whole / "indices.csv"), pd.read_csv(killed / "indices.csv"))


def test_dask_executor_gives_identical_indices_to_the_local_pool(tmp_path):
    factors = _factors(tmp_path)
    assert cli.main(["sensitivity", "--factors", factors, *SMALL, "--workers", "2", "--out",
                     str(tmp_path / "local")]) == 0
    assert cli.main(["sensitivity", "--factors", factors, *SMALL, "--workers", "2", "--executor", "dask",
                     "--out", str(tmp_path / "dask")]) == 0
    local = pd.read_csv(tmp_path / "local" / "indices.csv")
    pd.testing.assert_frame_equal(local, pd.read_csv(tmp_path / "dask" / "indices.csv"))
    pd.testing.assert_frame_equal(pd.read_csv(tmp_path / "local" / "runs.csv"),
                                  pd.read_csv(tmp_path / "dask" / "runs.csv"))


def test_resume_with_other_options_or_a_used_folder_is_refused_with_one_line(tmp_path, capsys):
    factors = _factors(tmp_path)
    out = str(tmp_path / "study")
    args = ["sensitivity", "--factors", factors, "--days", "1", "--reps", "1", "--trajectories", "2", "--out", out]
    assert cli.main(args) == 0
    capsys.readouterr()
    assert cli.main(args) == 2
    assert "an empty or new folder (or add --resume)" in capsys.readouterr().err
    assert cli.main([*args[:-2], "--days", "2", "--out", out, "--resume"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "study.json" in err and "a new --out folder" in err
    assert (tmp_path / "study" / "sensitivity.md").exists()


@pytest.mark.parametrize("args,fragment", [
    (["--factors", "nothing.toml"], "--factors = 'nothing.toml' is not allowed: one of ['all', 'assumptions']"),
    (["--outcomes", "jobs_everywhere"], "one of ['delay_cost_usd', 'jobs_mx', 'jobs_us', 'value_added_lost_mx_usd', "
                                       "'value_added_lost_us_usd']"),
    (["--method", "morris", "--trajectories", "1"], "--trajectories = 1"),
    (["--workers", "0"], "--workers = 0"),
])
def test_bad_options_give_one_line_and_exit_2(args, fragment, capsys, tmp_path):
    assert cli.main(["sensitivity", *args, "--out", str(tmp_path / "x")]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and fragment in err
    assert not (tmp_path / "x").exists()


@pytest.mark.parametrize("args,fragment", [
    (["--seed", "-1"], "--seed = -1"),
    (["--days", "100000"], "simulation.days = 100000 is not allowed: from 1 to 3660 days"),
])
def test_a_bad_seed_or_days_is_refused_before_anything_is_written_so_the_corrected_rerun_runs(
        args, fragment, capsys, tmp_path, monkeypatch):
    out = tmp_path / "study"
    monkeypatch.setattr(batch, "run_batch", lambda *a, **k: pytest.fail("runs started before the options were checked"))
    assert cli.main(["sensitivity", "--factors", _factors(tmp_path), *SMALL, *args, "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and err.startswith("calexico: error:") and fragment in err, err
    assert not out.exists() or not any(out.iterdir())  # no study.json or design.csv to refuse the rerun


def test_a_study_into_a_folder_nobody_can_write_is_refused_with_one_line(capsys, tmp_path):
    from tests.test_command_line_errors import _unwritable

    out = _unwritable(tmp_path) / "study"
    assert cli.main(["sensitivity", "--factors", _factors(tmp_path), *SMALL, "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and str(out) in err and "write" in err, err


def test_a_factors_file_refuses_unknown_keys_and_ranges_outside_min_max(tmp_path):
    path = tmp_path / "f.toml"
    path.write_text('factors = ["port.no_such_thing"]\n')
    with pytest.raises(ParameterError, match="f.toml: factors = 'port.no_such_thing'"):
        screening.choose_factors(str(path))
    path.write_text('[bounds]\n"trucking.fast_share" = [0.5, 1.5]\n')
    with pytest.raises(ParameterError, match="trucking.fast_share"):
        screening.choose_factors(str(path))
    path.write_text('factors = ["port.waiting"]\n')
    with pytest.raises(ParameterError, match="has none"):
        screening.choose_factors(str(path))


def test_default_factors_are_every_ranged_assumption_over_its_documented_range():
    factors = screening.choose_factors("assumptions")
    assumptions = [k for k, s in SPECS.items() if s.provenance_kind == "assumption" and s.range is not None]
    assert [f.name for f in factors] == assumptions and len(factors) > 100
    assert all(f.bounds == SPECS[f.name].range for f in factors)
    everything = screening.choose_factors("all")
    assert {data_worth.status(f.name) for f in everything} == {"assumption", "source", "calibrated"}


def test_outcomes_follow_the_data_file_and_new_impact_keys_slot_in_without_code():
    today = {"costs_usd": {"total": 1.0}, "jobs": {"total_us": -2.0, "total_mx": -3.0}}
    assert [h.name for h in screening.choose_outcomes(None, today)] == ["delay_cost_usd", "jobs_us", "jobs_mx"]
    later = {**today, "value_added_lost_usd": {"us": {"total": 5.0}, "mx": {"total": 7.0}}}
    chosen = screening.choose_outcomes(None, later)
    assert [h.name for h in chosen] == ["delay_cost_usd", "value_added_lost_us_usd", "value_added_lost_mx_usd",
                                        "jobs_us", "jobs_mx"]
    assert chosen[1].read(later) == 5.0
    own = screening.choose_outcomes(["value_added_lost_usd.mx.total", "jobs_us"], later)
    assert [(h.name, h.path) for h in own] == [("value_added_lost_usd_mx_total", "value_added_lost_usd.mx.total"),
                                               ("jobs_us", "jobs.total_us")]
    with pytest.raises(ParameterError, match="its paths are missing"):
        screening.choose_outcomes(["value_added_lost_us_usd"], today)


def test_a_paired_batch_run_records_the_impact_the_library_runner_computes(tmp_path):
    scenario = scenarios.load("baseline")
    spec = batch.Spec("t", {}, [scenario], [{"trucking.fast_share": 0.3}], replications=1, base_seed=3, days=2,
                      paired=True, fixed={"simulation.warmup_days": 0})
    batch.run_batch(spec, tmp_path, progress=False)
    record = batch.done_runs(tmp_path)
    assert record == {0: "ok"}
    summary = json.loads((tmp_path / "runs" / "000000.json").read_text())["summary"]
    seed = spec.seed(0, 0)
    overrides = {"simulation.warmup_days": 0, "trucking.fast_share": 0.3}
    expected = runs.impact(runs.run(scenario, seed, 2, overrides),
                           runs.run(scenario, seed, 2, overrides, no_delay=True))
    assert summary["impact_vs_no_delay"] == json.loads(json.dumps(expected))  # same seed: the same numbers
    headlines = tuple(screening.choose_outcomes(None, expected))
    assert screening.PairedRunner(scenario, headlines, 2)(overrides, seed) == {
        h.name: h.read(summary["impact_vs_no_delay"]) for h in headlines}


def _floor_study(R):
    factors = [sensitivity.Factor(name, (0.0, 1.0)) for name in ("a", "b", "c")]
    return sensitivity.Study(factors, ["y"], runner=lambda o, s: {"y": 0.0}, replications=R)


@pytest.mark.parametrize("common", [True, False])
def test_noise_floor_measures_the_seed_left_in_each_step(common):
    study = _floor_study(R=4)
    X = sensitivity.morris_design(study, trajectories=50, num_levels=4, seed=1)
    rng = np.random.default_rng(0)
    seed_effect = rng.normal(0, 1.0, 4)
    rows = []
    for p, x in enumerate(X):
        for r in range(4):
            noise = seed_effect[r] if common else rng.normal(0, 1.0)
            rows.append({"point": p, "replication": r, "y": 3.0 * x[0] + noise})
    floor = sensitivity.morris_noise_floor(study, X, pd.DataFrame(rows), num_levels=4)["noise_floor"].iloc[0]
    if common:
        assert floor == pytest.approx(0.0, abs=1e-9)  # common random numbers: the seed cancels in each step
    else:
        # independent noise of sd 1: a step's mean change has sd sqrt(2/4); over the step of 2/3
        expected = math.sqrt(2 / math.pi) * math.sqrt(2 / 4) / (2 / 3)
        assert floor == pytest.approx(expected, rel=0.15)


def test_data_worth_collecting_hints_match_keys_by_pattern():
    assert data_worth.hints_for("lines.east_commercial_standard.primary_min")
    assert any("SANDAG" in h["where"] for h in data_worth.hints_for("lines.east_commercial_fast.booths"))
    assert data_worth.hints_for("port.expectation_weight") == []
    assert data_worth.hints_for("lines.east_commercial_standard") == []  # a pattern matches whole keys only


def test_top_assumptions_rank_what_clears_the_noise_first():
    table = pd.DataFrame({
        "outcome": ["y"] * 3, "factor": ["a", "b", "c"], "status": ["assumption"] * 3,
        "score": [5.0, 3.0, 1.0], "conf": [6.0, 0.1, 0.1], "index": ["mu_star"] * 3})
    table["rank"] = [1, 2, 3]
    judged = sensitivity_report.judged(table, pd.DataFrame({"outcome": ["y"], "noise_floor": [0.5]}))
    assert judged["matters"].tolist() == [False, True, True]
    assert sensitivity_report.top_assumptions(judged, 2) == ["b", "c"]


@pytest.mark.parametrize("method,options,index", [("sobol", ["--samples", "4"], "ST"),
                                                   ("oat", ["--points", "2"], "swing")])
def test_sobol_and_one_at_a_time_studies_write_their_reports(method, options, index, tmp_path):
    path = tmp_path / "two.toml"
    path.write_text('factors = ["port.expectation_weight", "labour.slack_min"]\n')
    out = tmp_path / method
    assert cli.main(["sensitivity", "--method", method, *options, "--factors", str(path), "--days", "1",
                     "--reps", "2", "--out", str(out)]) == 0
    report = (out / "sensitivity.md").read_text()
    assert f"Method **{method}**" in report and f"| rank | factor | status | {index} |" in report
    indices = pd.read_csv(out / "indices.csv")
    assert set(indices["factor"]) == {"port.expectation_weight", "labour.slack_min"}
    design_rows = len(pd.read_csv(out / "design.csv"))
    assert design_rows == (4 * (2 + 2) if method == "sobol" else 1 + 2 * 2)
    assert len(list((out / "runs").glob("*.json"))) == 2 * design_rows
