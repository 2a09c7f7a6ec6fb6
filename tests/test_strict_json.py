"""Results are strict JSON: a non-finite number is never written as bare NaN or Infinity."""

import json
import math

import pytest

from calexico.running import batch, runs, scenarios, storage


def test_strict_json_names_the_key_holding_a_non_finite_number():
    with pytest.raises(storage.OutputError, match=r"summary.json: jobs.total_mx = nan"):
        storage.strict_json({"jobs": {"total_us": 1.0, "total_mx": math.nan}}, "summary.json")
    assert json.loads(storage.strict_json({"a": [1.0, 2]}, "x")) == {"a": [1.0, 2]}


def test_a_batch_run_with_a_non_finite_outcome_is_recorded_as_failed_in_strict_json(tmp_path, monkeypatch):
    real_run = runs.run

    def nan_run(*args, **kwargs):
        result = real_run(*args, **kwargs)
        result.summary["jobs"]["total_mx"] = math.nan
        return result

    monkeypatch.setattr(runs, "run", nan_run)
    spec = batch.check_spec({"days": 1, "parameters": {"simulation.warmup_days": 0}})
    summary = batch.run_batch(spec, tmp_path / "b", progress=False)
    assert summary["failed"] == 1
    text = (tmp_path / "b" / "runs" / "000000.json").read_text()
    record = json.loads(text, parse_constant=lambda c: pytest.fail(f"non-strict JSON constant {c}"))
    assert record["status"] == "error" and "jobs.total_mx" in record["error"] and record["summary"] is None


def test_a_run_with_a_non_finite_outcome_writes_nothing(tmp_path):
    result = runs.run(scenarios.load("baseline"), days=1, overrides={"simulation.warmup_days": 0})
    result.summary["mean_commercial_wait_min"] = math.inf
    with pytest.raises(storage.OutputError):
        runs.write(result, tmp_path / "run")
    assert not (tmp_path / "run").exists()
    assert [p.name for p in tmp_path.iterdir()] == []  # no temporary folder left either
