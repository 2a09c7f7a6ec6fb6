"""Every user mistake ends in one line and exit code 2, Ctrl-C in one line and 130, a closed
pipe quietly; a bad output place is refused before any simulation runs.
"""

import io
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from calexico import cli

ROOT = Path(__file__).resolve().parents[1]
SPEC = 'days = 2\nreplications = 1\n[parameters]\n"simulation.warmup_days" = 0\n'


def _one_line_exit_2(capsys, argv, *words):
    assert cli.main(argv) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and err.startswith("calexico: error:"), err
    for word in words:
        assert word in err, (word, err)


@pytest.fixture
def no_simulation(monkeypatch):
    """Fail the test if a run or a batch starts: the output place must be checked first."""
    from calexico.running import batch, runs

    def refuse(*args, **kwargs):
        raise AssertionError("the simulation started before the output place was checked")

    monkeypatch.setattr(runs, "run_with_impact", refuse)
    monkeypatch.setattr(batch, "run_batch", refuse)


def test_a_negative_seed_is_refused(capsys):
    _one_line_exit_2(capsys, ["run", "baseline", "--seed", "-1", "--days", "2"], "--seed", "-1")


def test_run_out_an_existing_file_is_refused_before_the_simulation(tmp_path, capsys, no_simulation):
    target = tmp_path / "taken"
    target.write_text("keep me")
    _one_line_exit_2(capsys, ["run", "baseline", "--out", str(target)], str(target), "file")
    assert target.read_text() == "keep me"


def test_batch_out_an_existing_file_is_refused_before_the_simulation(tmp_path, capsys, no_simulation):
    spec = tmp_path / "spec.toml"
    spec.write_text(SPEC)
    target = tmp_path / "taken"
    target.write_text("keep me")
    _one_line_exit_2(capsys, ["batch", str(spec), "--out", str(target)], str(target))
    assert target.read_text() == "keep me"


def _unwritable(tmp_path) -> Path:
    """A folder nobody can write into: /proc for root (who may write anywhere), else mode 0500."""
    if os.geteuid() == 0:
        if not Path("/proc/self").exists():
            pytest.skip("root without /proc: no folder is unwritable")
        return Path("/proc/calexico-test")
    folder = tmp_path / "locked"
    folder.mkdir(mode=0o500)
    return folder


@pytest.mark.parametrize("command", ["run", "batch"])
def test_out_in_an_unwritable_folder_is_refused_before_the_simulation(tmp_path, capsys, command, no_simulation):
    out = _unwritable(tmp_path) / "results"
    spec = tmp_path / "spec.toml"
    spec.write_text(SPEC)
    argv = ["run", "baseline", "--out", str(out)] if command == "run" else ["batch", str(spec), "--out", str(out)]
    _one_line_exit_2(capsys, argv, str(out), "write")


def test_a_scenario_path_that_is_a_folder_is_refused(tmp_path, capsys):
    folder = tmp_path / "folder.toml"
    folder.mkdir()
    _one_line_exit_2(capsys, ["run", str(folder), "--days", "2"], str(folder), "folder")


def _batch(tmp_path, extra=""):
    spec = tmp_path / "spec.toml"
    spec.write_text(SPEC + extra)
    out = tmp_path / "batch"
    cli.main(["batch", str(spec), "--out", str(out)])
    return out


def test_results_on_a_run_file_with_broken_json_is_refused(tmp_path, capsys):
    out = _batch(tmp_path)
    run_file = out / "runs" / "000000.json"
    run_file.write_text(run_file.read_text()[:-10])
    capsys.readouterr()
    _one_line_exit_2(capsys, ["results", str(out)], str(run_file), "JSON")


def test_report_when_every_run_failed_is_refused_and_leaves_no_figures(tmp_path, capsys):
    out = _batch(tmp_path, "[test]\nfail_on_index = [0]\n")
    assert json.loads((out / "runs" / "000000.json").read_text())["status"] == "error"
    capsys.readouterr()
    _one_line_exit_2(capsys, ["report", str(out)], str(out), "none ok")
    assert not (out / "figures").exists() and not (out / "report.md").exists()


def _calexico(*args):
    return subprocess.Popen([sys.executable, "-m", "calexico.cli", *args], cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def test_ctrl_c_stops_with_one_line_and_exit_130_at_any_moment(tmp_path):
    """Moments spread over start-up, the simulation (in and out of the compiled queue kernel)."""
    for delay_s in (0.5, 3.0, 3.6, 4.0, 4.4):
        proc = _calexico("run", "baseline", "--days", "120", "--out", str(tmp_path / "run"))
        time.sleep(delay_s)
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=60)
        if proc.returncode == 0:
            continue  # the run ended before the signal
        assert proc.returncode == 130, (delay_s, err)
        assert len(err.strip().splitlines()) == 1 and "interrupted" in err, (delay_s, err)


@pytest.mark.parametrize("reader,lines", [("head -2", 2), ("true", 0)])  # `true` closes before any write
def test_a_closed_pipe_ends_the_command_quietly(reader, lines):
    cmd = f"{sys.executable} -m calexico.cli run baseline --days 2 | {reader}; echo ${{PIPESTATUS[0]}} >&2"
    r = subprocess.run(["bash", "-c", cmd], cwd=ROOT, capture_output=True, text=True)
    assert len(r.stdout.splitlines()) == lines
    assert r.stderr.strip() in ("0", "141"), r.stderr


def _ctrl_c_the_group(proc, started, timeout_s: float):
    """Wait until `started()` (or the deadline), then send Ctrl-C to the process group as a terminal
    does; return the children that were alive then and stderr. The group is killed afterwards."""
    import psutil

    try:
        deadline = time.time() + timeout_s
        while not started() and proc.poll() is None and time.time() < deadline:
            time.sleep(0.01)
        family = psutil.Process(proc.pid).children(recursive=True)
        os.killpg(proc.pid, signal.SIGINT)
        _, err = proc.communicate(timeout=timeout_s)
    finally:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    return family, err


def test_ctrl_c_stops_a_batch_with_one_line_and_no_worker_left(tmp_path):
    import psutil

    spec = tmp_path / "spec.toml"
    spec.write_text("days = 5\nreplications = 8\n[test]\ndelay_s = 0.5\n")
    out = tmp_path / "batch"
    proc = subprocess.Popen([sys.executable, "-m", "calexico.cli", "batch", str(spec), "--out", str(out),
                             "--workers", "2"], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, start_new_session=True)
    family, err = _ctrl_c_the_group(proc, lambda: list((out / "runs").glob("*.json")), 60)
    assert proc.returncode == 130
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("calexico: interrupted"), err
    _, alive = psutil.wait_procs(family, timeout=5)
    assert not alive


class _Stderr(io.StringIO):
    def __init__(self, terminal: bool):
        super().__init__()
        self.terminal = terminal

    def isatty(self):
        return self.terminal


@pytest.mark.parametrize("terminal", [True, False])
def test_the_progress_line_goes_to_a_terminal_only(monkeypatch, terminal):
    """A script reading stderr sees errors only; a person at a terminal sees what is being simulated."""
    fake = _Stderr(terminal)
    monkeypatch.setattr(sys, "stderr", fake)
    with cli._progress("baseline", 2, 1) as step:
        step()
    assert ("Simulating baseline: 2 paired replications" in fake.getvalue()) == terminal


def test_compare_with_more_days_than_the_schema_allows_is_refused_before_any_run(tmp_path, capsys, monkeypatch):
    from calexico.analysis import compare

    monkeypatch.setattr(compare, "compare", lambda *a, **k: pytest.fail("runs started before --days was checked"))
    _one_line_exit_2(capsys, ["compare", "baseline", "--days", "100000", "--reps", "2", "--out", str(tmp_path / "c")],
                     "simulation.days = 100000", "3660")


@pytest.fixture(scope="module")
def paired_batch(tmp_path_factory):
    """A finished paired batch of one 2-day run, to copy and damage."""
    folder = tmp_path_factory.mktemp("paired")
    spec = folder / "spec.toml"
    spec.write_text('days = 2\nreplications = 1\npaired = true\n[parameters]\n"simulation.warmup_days" = 0\n')
    assert cli.main(["batch", str(spec), "--out", str(folder / "batch")]) == 0
    return folder / "batch"


WRONG_TYPES = [  # (file, dotted key as the message names it, value): valid JSON, wrong type
    ("runs/000000.json", "seed", "x"),
    ("runs/000000.json", "scenario", [1]),
    ("runs/000000.json", "status", 3),
    ("runs/000000.json", "parameters", "x"),
    ("runs/000000.json", "summary", [1]),
    ("runs/000000.json", "summary.costs_usd.total", "lots"),
    ("runs/000000.json", "summary.first_day", 5),
    ("manifest.json", "spec", "x"),
    ("manifest.json", "spec.description", 7),
    ("manifest.json", "scenarios.baseline", None),
    ("manifest.json", "scenarios.baseline.events", 5),
]


@pytest.mark.parametrize("file,key,value", WRONG_TYPES)
@pytest.mark.parametrize("command", ["results", "report"])
def test_a_run_record_or_manifest_with_a_wrong_type_is_refused_naming_file_key_and_value(
        paired_batch, tmp_path, capsys, command, file, key, value):
    import shutil

    folder = tmp_path / "batch"
    shutil.copytree(paired_batch, folder)
    path = folder / file
    data = json.loads(path.read_text())
    *parents, last = key.split(".")
    tree = data
    for part in parents:
        tree = tree[part]
    tree[last] = value
    path.write_text(json.dumps(data))
    capsys.readouterr()
    if command == "results" and file == "manifest.json":
        assert cli.main([command, str(folder)]) == 0  # the table needs no manifest
        return
    _one_line_exit_2(capsys, [command, str(folder)], str(path), f"{key} = {value!r}", "allowed")


def test_ctrl_c_while_a_dask_cluster_starts_stops_with_one_line_and_no_worker_left(tmp_path):
    """Dask's exit hook used to fail on workers still starting (a traceback), and each worker
    process reported the Ctrl-C too (several "interrupted" lines)."""
    import psutil

    spec = tmp_path / "spec.toml"
    spec.write_text(SPEC.replace("replications = 1", "replications = 4"))
    proc = subprocess.Popen([sys.executable, "-m", "calexico.cli", "batch", str(spec), "--out", str(tmp_path / "b"),
                             "--executor", "dask", "--workers", "2"], cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, start_new_session=True)
    # The first process the batch starts is the cluster's: from then on the cluster is starting.
    family, err = _ctrl_c_the_group(proc, lambda: psutil.Process(proc.pid).children(), 120)
    assert proc.returncode == 130, err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("calexico: interrupted (Ctrl-C)"), err
    _, alive = psutil.wait_procs(family, timeout=10)
    assert not alive, [p.cmdline() for p in alive]


SWALLOWED_CTRL_C = """
import os, signal, sys
from concurrent.futures.process import BrokenProcessPool
from calexico import cli


class Finaliser:
    def __del__(self):  # Ctrl-C lands here: Python can only report it ("Exception ignored")
        os.kill(os.getpid(), signal.SIGINT)
        sum(range(10))


def command(args):
    Finaliser()  # gone at once
    if sys.argv[-1] == "pool":
        # meanwhile the Ctrl-C ended the pool's workers: their pool is broken
        raise BrokenProcessPool("A process in the process pool was terminated abruptly")
    print("done")  # no pool (one process): the command ends normally
    return 0


cli.cmd_scenarios = command
sys.argv = ["calexico", "scenarios"]
sys.exit(cli.main())
"""


@pytest.mark.parametrize("then", ["pool", "nothing"])
def test_a_ctrl_c_python_swallows_still_ends_with_one_line_and_130(then):
    """The ~1% of `run --workers 2` Ctrl-Cs that landed in numba's compiler callbacks: Python printed
    "Exception ignored ... KeyboardInterrupt", then a BrokenProcessPool traceback, exit 1."""
    r = subprocess.run([sys.executable, "-c", SWALLOWED_CTRL_C, then], cwd=ROOT, capture_output=True, text=True,
                       timeout=120)
    assert r.returncode == 130, r.stderr
    lines = r.stderr.strip().splitlines()
    assert lines == ["calexico: interrupted (Ctrl-C); results already written are kept"], r.stderr


def test_a_ctrl_c_inside_llvm_waits_for_the_call_to_return():
    """Raised inside llvmlite's ctypes calls a KeyboardInterrupt can crash the interpreter: the
    handler asks again a moment later instead (a SIGALRM), and raises once outside."""
    from types import SimpleNamespace

    inside = SimpleNamespace(f_globals={"__name__": "llvmlite.binding.ffi"}, f_back=None)
    ours = SimpleNamespace(f_globals={"__name__": "model.port"}, f_back=None)
    assert cli._in_compiler(SimpleNamespace(f_globals={"__name__": "numba.core.dispatcher"}, f_back=inside))
    assert not cli._in_compiler(ours)
    previous = signal.getsignal(signal.SIGALRM)
    try:
        cli._ctrl_c(signal.SIGINT, inside)  # no raise: deferred
        assert signal.getitimer(signal.ITIMER_REAL)[0] > 0
        assert signal.getsignal(signal.SIGALRM) is cli._ctrl_c
        with pytest.raises(KeyboardInterrupt):
            cli._ctrl_c(signal.SIGINT, ours)  # a second Ctrl-C before the timer: raised, the timer cancelled
        assert signal.getitimer(signal.ITIMER_REAL)[0] == 0
        assert signal.getsignal(signal.SIGALRM) == signal.SIG_IGN
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        cli._ctrl_c_pressed = False
