"""The cluster path for real: a one-node SLURM cluster (Debian's slurm-wlm and munge), a batch on
dask-jobqueue's SLURMCluster through scripts/run_on_slurm.py (the recipe of docs/batches.md), and
results equal to the local pool's. Skipped where SLURM is absent, except under CI (CI=true),
where its absence is a failure: .ci/run installs it."""

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from calexico.running import results

ROOT = Path(__file__).resolve().parents[1]
NEEDED = ("slurmctld", "slurmd", "sbatch", "munged")
SPEC = """
description = "a small batch for the SLURM test"
replications = 2
base_seed = 11
days = 3
paired = true
[parameters]
"simulation.warmup_days" = 0
[design]
kind = "grid"
[design.parameters]
"trucking.fast_share" = [0.2, 0.4]
"""


def _missing() -> list[str]:
    missing = [c for c in NEEDED if shutil.which(c) is None and not Path("/usr/sbin", c).exists()]
    try:
        import dask_jobqueue  # noqa: F401
    except ImportError:
        missing.append("dask-jobqueue (pip install -e '.[dev]')")
    if os.geteuid() != 0:
        missing.append("root (SlurmUser=root)")
    return missing


@pytest.fixture
def slurm(tmp_path):
    """A running one-node cluster; its daemons are stopped at the end whatever happens."""
    missing = _missing()
    if missing:
        if os.environ.get("CI") == "true":
            pytest.fail(f"SLURM test cannot run under CI: missing {missing}; .ci/run installs them")
        pytest.skip(f"no SLURM here: missing {missing}")
    state = tmp_path / "slurm"
    script = ROOT / "scripts" / "slurm-single-node"
    started = subprocess.run([str(script), "start", str(state)], capture_output=True, text=True)
    try:
        assert started.returncode == 0, started.stderr
        yield {**os.environ, "SLURM_CONF": str(state / "slurm.conf")}
    finally:
        subprocess.run([str(script), "stop", str(state)], check=True)
        for name in ("slurmctld.pid", "slurmd.pid", "munged.pid"):
            assert not (state / name).exists()


def _table(folder: Path) -> pd.DataFrame:
    return results.load(folder).drop(columns=["elapsed_s"])


def test_a_batch_on_slurm_gives_the_local_pools_results(slurm, tmp_path):
    spec = tmp_path / "spec.toml"
    spec.write_text(SPEC)
    local, cluster = tmp_path / "local", tmp_path / "cluster"
    subprocess.run([sys.executable, "-m", "calexico.cli", "batch", str(spec), "--workers", "2", "--out", str(local)],
                   cwd=ROOT, check=True, capture_output=True)
    done = subprocess.run([sys.executable, str(ROOT / "scripts" / "run_on_slurm.py"), "--queue", "debug",
                           "--jobs", "2", "--memory", "1GB", "--walltime", "00:10:00", "--wait", "120",
                           "--", "batch", str(spec), "--out", str(cluster)],
                          cwd=tmp_path, env=slurm, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "4 runs, 0 already done, 4 ok, 0 failed" in done.stdout
    on_slurm = _table(cluster)
    assert (on_slurm["status"] == "ok").all() and "impact_vs_no_delay.costs_usd.total" in on_slurm.columns
    pd.testing.assert_frame_equal(_table(local), on_slurm)
    # the runs really ran as SLURM jobs: the controller logged them
    log = (tmp_path / "slurm" / "log" / "slurmctld.log").read_text()
    assert "sched: Allocate JobId=" in log
    deadline = time.time() + 60  # cancelled jobs pass through COMPLETING before they leave the queue
    while (queue := subprocess.run(["squeue", "-h"], env=slurm, capture_output=True, text=True).stdout.strip()):
        assert time.time() < deadline, f"the script cancels its jobs, but the queue still holds: {queue}"
        time.sleep(1)
