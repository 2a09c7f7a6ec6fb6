"""A run's files land as a set: interrupted at any moment, the folder holds the complete old set
or the complete new one; temporaries are cleaned by the next run, and none exists while a run
simulates; two runs into one folder at once never lose a finished run; files follow the umask.
"""

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from calexico import cli
from calexico.running import storage

ROOT = Path(__file__).resolve().parents[1]
RUN_FILES = set(storage.RUN_FILES)


def _check_complete_set(out: Path):
    """The four files, all from one run: same scenario and seed in summary, manifest and
    resolved scenario, as many measured days in the daily table as the summary counts.
    Returns (scenario, seed, days)."""
    names = {p.name for p in out.iterdir()}
    assert names == RUN_FILES, names
    summary = json.loads((out / "summary.json").read_text())
    manifest = json.loads((out / "manifest.json").read_text())
    daily = pd.read_parquet(out / "daily.parquet")
    assert summary["seed"] == manifest["seed"] and summary["scenario"] == manifest["scenario"]
    assert int(daily["measured"].sum()) == summary["days"]
    assert (out / "scenario.toml").read_text().startswith(f"# Resolved scenario {summary['scenario']!r}")
    return summary["scenario"], summary["seed"], summary["days"]


def _interrupt_trials(tmp_path: Path, lane: str, trials: int, rng: random.Random) -> dict:
    """Runs into one folder, each stopped at a random moment (SIGINT or SIGKILL); after each,
    the folder must hold the last complete set or the one in flight, complete."""
    out = tmp_path / lane

    def start(seed, days):
        scenario = tmp_path / f"short_{'ab'[seed % 2]}.toml"
        return subprocess.Popen([sys.executable, "-m", "calexico.cli", "run", str(scenario), "--days", str(days),
                                 "--seed", str(seed), "--out", str(out)], cwd=ROOT,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    t0 = time.perf_counter()
    assert start(0, 1).wait() == 0
    whole_s = time.perf_counter() - t0
    expected = {("short_a", 0, 1)}  # sets that may be found: the last complete one, or the one in flight
    outcomes = {"old": 0, "new": 0}
    late = 1.0  # how much slower than the first run the runs are now (a loaded machine slows them)
    for trial in range(1, trials + 1):
        seed, days = trial, 1 + trial % 3
        # Moments mostly late in the run, where its files are written; some anywhere.
        moment = rng.uniform(0.75, 1.1) * whole_s * late if trial % 3 else rng.uniform(0, whole_s)
        proc = start(seed, days)
        time.sleep(moment)
        proc.send_signal(signal.SIGKILL if trial % 4 == 0 else signal.SIGINT)
        proc.wait()
        found = _check_complete_set(out)
        new = (f"short_{'ab'[seed % 2]}", seed, days)
        assert found in expected | {new}, (lane, trial, found)
        outcomes["new" if found == new else "old"] += 1
        if trial % 3:  # late moments follow the writes: later after a run that had not written yet
            late *= 0.9 if found == new else 1.2
        expected = {found}
    assert start(99, 1).wait() == 0  # the next run cleans what the interrupted ones left
    assert _check_complete_set(out) == ("short_b", 99, 1)
    return outcomes


def test_an_interrupted_run_leaves_the_old_set_or_the_new_set_never_a_mix(tmp_path):
    """32 trials in two folders at once (two lanes halve the wall time)."""
    from concurrent.futures import ThreadPoolExecutor

    for name in ("short_a", "short_b"):
        (tmp_path / f"{name}.toml").write_text('[parameters]\n"simulation.warmup_days" = 0\n')
    with ThreadPoolExecutor(2) as pool:
        lanes = list(pool.map(lambda a: _interrupt_trials(tmp_path, *a),
                              [("run_a", 16, random.Random(5)), ("run_b", 16, random.Random(6))]))
    old, new = sum(o["old"] for o in lanes), sum(o["new"] for o in lanes)
    assert old + new == 32 and old and new, lanes  # the moments straddled the writes
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_a_new_run_replaces_an_old_set_and_keeps_a_foreign_folder_untouched(tmp_path, capsys):
    out = tmp_path / "run"
    assert cli.main(["run", "--days", "1", "--seed", "1", "--out", str(out)]) == 0
    assert cli.main(["run", "--days", "2", "--seed", "2", "--out", str(out)]) == 0
    assert _check_complete_set(out) == ("baseline", 2, 2)
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "thesis.md").write_text("mine")
    capsys.readouterr()
    assert cli.main(["run", "--days", "1", "--out", str(notes)]) == 2
    assert "thesis.md" in capsys.readouterr().err
    assert [p.name for p in notes.iterdir()] == ["thesis.md"]


def _leftovers(out: Path) -> list[str]:
    return sorted(p.name for p in out.parent.iterdir() if p.name.startswith(f".{out.name}."))


def test_nothing_sits_beside_out_while_a_run_simulates(tmp_path, capsys, monkeypatch):
    """So a run killed while it simulates (nearly all of its time) leaves nothing to clean."""
    from calexico.running import runs

    out = tmp_path / "run"
    seen = []
    simulate = runs.run_with_impact

    def watched(*args, **kwargs):
        seen.append(_leftovers(out))
        return simulate(*args, **kwargs)

    monkeypatch.setattr(runs, "run_with_impact", watched)
    assert cli.main(["run", "--days", "1", "--reps", "1", "--workers", "1", "--out", str(out)]) == 0
    assert seen == [[]] and _leftovers(out) == []


def test_a_run_killed_while_it_simulates_leaves_no_temporary_folder(tmp_path):
    if not Path("/proc/net/unix").exists():
        pytest.skip("the run's claim on its folder is seen in /proc/net/unix (Linux)")
    out = tmp_path / "run"
    proc = subprocess.Popen([sys.executable, "-m", "calexico.cli", "run", "--days", "60", "--reps", "1",
                             "--workers", "1", "--out", str(out)], cwd=ROOT, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    try:
        # The run claims its folder once the place is checked, just before it simulates.
        while proc.poll() is None and "@" + storage._Claim.name(out) not in Path("/proc/net/unix").read_text():
            time.sleep(0.02)
        assert proc.poll() is None, "the run ended before it could be killed"
        proc.kill()
        proc.wait()
    finally:
        proc.kill()
    assert not out.exists() and _leftovers(out) == []


def test_a_second_run_into_a_folder_being_written_is_refused_and_the_first_run_lands(tmp_path, capsys):
    out = tmp_path / "run"
    first = storage.RunFolder(out)  # a run under way, holding the folder
    try:
        assert cli.main(["run", "--days", "1", "--reps", "1", "--workers", "1", "--out", str(out)]) == 2
        err = capsys.readouterr().err.strip()
        assert len(err.splitlines()) == 1 and str(out) in err and "another --out" in err, err
        first.commit({name: b"first" for name in storage.RUN_FILES})
    finally:
        first.discard()
    assert all((out / name).read_bytes() == b"first" for name in storage.RUN_FILES)
    assert cli.main(["run", "--days", "1", "--reps", "1", "--workers", "1", "--out", str(out)]) == 0  # free again
    _check_complete_set(out)


def test_two_runs_started_together_into_one_folder_lose_no_finished_run(tmp_path):
    out = tmp_path / "run"
    procs = [subprocess.Popen([sys.executable, "-m", "calexico.cli", "run", "--days", "2", "--reps", "1",
                               "--workers", "1", "--seed", str(seed), "--out", str(out)], cwd=ROOT,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True) for seed in (1, 2)]
    ends = [(p.wait(timeout=300), p.stderr.read()) for p in procs]
    finished = [seed for seed, (code, _) in zip((1, 2), ends, strict=True) if code == 0]
    for code, err in ends:
        assert code in (0, 2), err  # finished, or refused with one line
        assert code == 0 or (len(err.strip().splitlines()) == 1 and "another --out" in err), err
    assert finished
    assert _check_complete_set(out)[1] in finished and _leftovers(out) == []


def test_a_write_that_fails_after_the_run_is_one_clear_error_and_keeps_the_old_set(tmp_path, monkeypatch):
    import errno

    out = tmp_path / "run"
    folder = storage.RunFolder(out)
    folder.commit({name: b"old" for name in storage.RUN_FILES})
    folder = storage.RunFolder(out)

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(storage.tempfile, "mkdtemp", full)
    with pytest.raises(storage.OutputError, match="No space left on device"):
        folder.commit({name: b"new" for name in storage.RUN_FILES})
    assert all((out / name).read_bytes() == b"old" for name in storage.RUN_FILES)
    assert _leftovers(out) == [] and storage._Claim(out).held  # and the folder is free again


def test_an_exchange_cut_between_its_renames_is_recovered(tmp_path):
    """Without an atomic exchange the swap is two renames; a cut between them leaves only the
    old set beside the target, which the next write puts back before anything else."""
    out = tmp_path / "run"
    old = tmp_path / ".run.old-abc"
    old.mkdir()
    (old / "summary.json").write_text("{}")
    storage.clean_stale(out)
    assert (out / "summary.json").exists() and not old.exists()


@pytest.mark.parametrize("umask", [0o022, 0o002, 0o077])
def test_output_files_honour_the_umask(tmp_path, umask):
    spec = tmp_path / "spec.toml"
    spec.write_text('days = 1\n[parameters]\n"simulation.warmup_days" = 0\n')
    previous = os.umask(umask)
    try:
        assert cli.main(["run", "--days", "1", "--out", str(tmp_path / "run")]) == 0
        assert cli.main(["batch", str(spec), "--out", str(tmp_path / "batch")]) == 0
    finally:
        os.umask(previous)
    files = [*(tmp_path / "run").iterdir(), *(tmp_path / "batch").rglob("*.json")]
    assert len(files) >= 6
    for path in files:
        assert path.stat().st_mode & 0o777 == 0o666 & ~umask, path
    assert (tmp_path / "run").stat().st_mode & 0o777 == 0o777 & ~umask
