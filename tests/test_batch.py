"""Batches: same results on any executor, nothing lost when killed, failures recorded, bad specs refused."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from calexico import cli
from calexico.running import batch, results

ROOT = Path(__file__).resolve().parents[1]
SPEC = """
description = "a small test batch"
scenarios = ["baseline", "one_more_booth"]
replications = 2
base_seed = 7
days = 10
[parameters]
"simulation.warmup_days" = 0
[design]
kind = "grid"
[design.parameters]
"trucking.fast_share" = [0.2, 0.4]
"""


def _spec(tmp_path, text=SPEC, name="spec.toml"):
    path = tmp_path / name
    path.write_text(text)
    return path


def _table(folder):
    return results.load(folder).drop(columns=["elapsed_s"])


def test_dask_local_pool_and_one_process_give_identical_results(tmp_path):
    from dask.distributed import Client, LocalCluster

    spec = batch.load_spec(_spec(tmp_path))
    batch.run_batch(spec, tmp_path / "one", progress=False)
    batch.run_batch(spec, tmp_path / "pool", workers=2, progress=False)
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster, \
            Client(cluster) as client:
        batch.run_batch(spec, tmp_path / "dask", executor=client.get_executor(pure=False), workers=2,
                        progress=False)
    one = _table(tmp_path / "one")
    assert len(one) == 8 and (one["status"] == "ok").all()
    pd.testing.assert_frame_equal(one, _table(tmp_path / "pool"))
    pd.testing.assert_frame_equal(one, _table(tmp_path / "dask"))


def test_seeds_are_common_across_scenarios_and_differ_across_replications(tmp_path):
    tasks = batch.load_spec(_spec(tmp_path)).tasks(tmp_path)
    seeds = {(t.scenario.name, t.point, t.replication): t.seed for t in tasks}
    assert seeds[("baseline", 0, 0)] == seeds[("one_more_booth", 1, 0)]
    assert seeds[("baseline", 0, 0)] != seeds[("baseline", 0, 1)]


def test_batch_killed_partway_and_resumed_equals_an_uninterrupted_one(tmp_path):
    spec = _spec(tmp_path, SPEC.replace("replications = 2", "replications = 3") + "[test]\ndelay_s = 0.3\n")
    killed = tmp_path / "killed"
    cmd = [sys.executable, "-m", "calexico.cli", "batch", str(spec), "--out", str(killed), "--workers", "2"]
    proc = subprocess.Popen(cmd, cwd=ROOT, start_new_session=True, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    deadline = time.time() + 60
    while len(list((killed / "runs").glob("*.json"))) < 3 and time.time() < deadline:
        time.sleep(0.02)
    os.killpg(proc.pid, signal.SIGKILL)  # the coordinator and its workers, as if the node died
    proc.wait()
    partial = len(list((killed / "runs").glob("*.json")))
    assert 3 <= partial < 12
    summary = batch.run_batch(batch.load_spec(spec), killed, resume=True, progress=False)
    assert summary["skipped"] == partial and summary["ran"] == 12 - partial
    batch.run_batch(batch.load_spec(spec), tmp_path / "whole", progress=False)
    pd.testing.assert_frame_equal(_table(killed), _table(tmp_path / "whole"))


def test_failing_run_is_recorded_the_rest_complete_and_exit_is_nonzero(tmp_path, capsys):
    spec = _spec(tmp_path, SPEC + "[test]\nfail_on_index = 3\n")
    out = tmp_path / "out"
    assert cli.main(["batch", str(spec), "--out", str(out)]) == 1
    table = results.load(out)
    assert list(table.loc[table["status"] != "ok", "run"]) == [3]
    assert "injected failure" in table.loc[3, "error"]
    assert (table.drop(index=3)["status"] == "ok").all() and len(table) == 8
    assert "run 3 failed" in capsys.readouterr().err


def test_resume_reruns_failed_runs_only(tmp_path):
    spec = _spec(tmp_path)
    out = tmp_path / "out"
    batch.run_batch(batch.load_spec(spec), out, progress=False)
    (out / "runs" / "000005.json").unlink()
    summary = batch.run_batch(batch.load_spec(spec), out, resume=True, progress=False)
    assert summary["ran"] == 1 and summary["skipped"] == 7


@pytest.mark.parametrize("text, key", [
    ('scenarios = ["baseline"]\nreplications = 0\n', "replications"),
    ('scenarios = ["nowhere"]\n', "name"),
    ('scenarios = ["baseline"]\ncolour = "red"\n', "colour"),
    ('[design]\nkind = "magic"\n', "design.kind"),
    ('[design]\nkind = "lhs"\nsamples = 4\n[design.parameters]\n"trucking.fast_share" = [0.5, 0.1]\n',
     "design.parameters.trucking.fast_share"),
    ('[design]\nkind = "grid"\n[design.parameters]\n"trucking.fast_share" = [0.5, 1.5]\n', "trucking.fast_share"),
    ('[design]\nkind = "grid"\n[design.parameters]\n"no.such.key" = [1]\n', "design.parameters.no.such.key"),
    ('[parameters]\n"lines.east_commercial_standard.booths" = -1\n', "lines.east_commercial_standard.booths"),
])
def test_bad_spec_is_refused_with_file_key_and_exit_2(tmp_path, capsys, text, key):
    spec = _spec(tmp_path, text, "bad.toml")
    assert cli.main(["batch", str(spec), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert "bad.toml" in err or "scenario" in err
    assert key in err and "not allowed" in err and "Traceback" not in err
    assert not (tmp_path / "out" / "runs").exists()


def test_designs_lhs_and_sobol_are_deterministic_and_in_bounds():
    design = {"kind": "lhs", "samples": 5, "seed": 3,
              "parameters": {"trucking.fast_share": [0.1, 0.5], "lines.east_commercial_standard.booths": [1, 4]}}
    points = batch.design_points(design, "spec")
    assert points == batch.design_points(design, "spec") and len(points) == 5
    assert all(0.1 <= p["trucking.fast_share"] <= 0.5 and isinstance(p["lines.east_commercial_standard.booths"], int)
               for p in points)
    sobol = batch.design_points({**design, "kind": "sobol", "samples": 4}, "spec")
    assert len(sobol) == 4 * (2 + 2)


def test_results_table_is_tidy_and_daily_series_on_request(tmp_path):
    spec = _spec(tmp_path, SPEC.replace("days = 10", "days = 10\ndaily = true"))
    out = tmp_path / "out"
    batch.run_batch(batch.load_spec(spec), out, progress=False)
    table, daily = results.load(out, daily=True)
    assert list(table["run"]) == list(range(8))
    assert {"trucking.fast_share", "costs_usd.total", "jobs.total_us"} <= set(table.columns)
    assert "trucking.fast_share" in table.attrs["parameters"]
    assert set(daily["run"]) == set(range(8)) and len(daily) == 8 * 10
    manifest = (out / "manifest.json").read_text()
    assert '"code_version"' in manifest and '"seed"' in manifest and '"packages"' in manifest


def test_report_writes_markdown_and_figures(tmp_path):
    out = tmp_path / "out"
    batch.run_batch(batch.load_spec(_spec(tmp_path)), out, progress=False)
    assert cli.main(["report", str(out)]) == 0
    text = (out / "report.md").read_text()
    assert "one_more_booth" in text and "![" in text
    assert list((out / "figures").glob("*.png"))


def test_a_worker_writes_nothing_its_runs_files_go_back_to_the_coordinator(tmp_path):
    """Why nothing lands in the folder once the coordinator is dead (docs/batches.md): a run's
    record and daily table are written by the coordinator as its result arrives, never by the
    worker that ran it, however late that worker is to learn its coordinator is gone."""
    spec = batch.load_spec(_spec(tmp_path, SPEC.replace("days = 10", "days = 2\ndaily = true")))
    task = spec.tasks(tmp_path / "batch")[0]
    outcome = batch.execute(task)
    assert not (tmp_path / "batch").exists()
    assert sorted(outcome["files"]) == ["daily/000000.parquet", "runs/000000.json"]
    assert batch.write_files(tmp_path / "batch", outcome) == {"run": 0, "status": "ok", "error": None}
    assert json.loads((tmp_path / "batch" / "runs" / "000000.json").read_text())["status"] == "ok"


def test_nothing_is_written_after_the_coordinator_is_killed_and_the_resumed_batch_is_identical(tmp_path):
    import psutil

    spec = _spec(tmp_path, SPEC.replace("replications = 2", "replications = 3") + "[test]\ndelay_s = 0.5\n")
    killed = tmp_path / "killed"
    cmd = [sys.executable, "-m", "calexico.cli", "batch", str(spec), "--out", str(killed), "--workers", "2"]
    proc = subprocess.Popen(cmd, cwd=ROOT, start_new_session=True, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    try:
        deadline = time.time() + 60
        while len(list((killed / "runs").glob("*.json"))) < 2 and time.time() < deadline:
            time.sleep(0.02)
        family = psutil.Process(proc.pid).children(recursive=True)
        assert len(family) >= 2  # the forkserver and its workers (and the resource tracker)
        proc.kill()  # the coordinator alone, not its group
        proc.wait()
        # docs/batches.md: once the coordinator is dead nothing more is written into the folder
        # (runs were in flight: each sleeps half a second after its run, then its record is due)
        partial = {p.name: p.read_bytes() for p in (killed / "runs").iterdir()}
        gone, alive = psutil.wait_procs(family, timeout=5)  # the local pool's workers end with it
        assert not alive, [p.cmdline() for p in alive]
        time.sleep(1.0)  # an orphan's late write would land by now
        assert {p.name: p.read_bytes() for p in (killed / "runs").iterdir()} == partial
    finally:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    summary = batch.run_batch(batch.load_spec(spec), killed, resume=True, progress=False)
    assert summary["skipped"] == len([n for n in partial if n[0].isdigit()]) and summary["failed"] == 0
    batch.run_batch(batch.load_spec(spec), tmp_path / "whole", progress=False)
    pd.testing.assert_frame_equal(_table(killed), _table(tmp_path / "whole"))
