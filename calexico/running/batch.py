"""Scenario batches: many runs, each written to disk the moment it ends, on any executor.

A batch spec is TOML data a researcher edits (the vocabulary of EMA Workbench: scenarios are
levers, the design samples uncertainties, replications repeat each with new seeds):

    description = "Booths against FAST enrolment"
    scenarios = ["baseline", "one_more_booth"]   # names or paths; default ["baseline"]
    replications = 5                             # seeds per scenario and design point
    base_seed = 2024                             # every seed derives from it
    days = 90                                    # measured days (default: the scenarios')
    daily = false                                # also write each run's daily table
    paired = false                               # also run each run's no-delay counterfactual
    [parameters]                                 # fixed overrides for every run
    "simulation.warmup_days" = 14
    [design]                                     # optional: grid, list, lhs or sobol
    kind = "lhs"
    samples = 20
    [design.parameters]                          # lhs/sobol: [low, high]; grid: [values]
    "trucking.fast_share" = [0.1, 0.5]

Why one file per run: a killed batch loses only the runs in flight, `--resume` finds what is
missing by listing files, and the coordinator holds no results, so its memory stays flat.
Why the coordinator writes them, not the workers: a run's record travels back with its result
and is written the moment it arrives, so once the coordinator is gone (killed alone, `kill -9`)
nothing more lands in the folder, whatever its workers are still doing.
Seeds are common random numbers: replication r gets the same seed in every scenario and design
point (derived from `base_seed` and r, never from process state), so differences between
scenarios are paired. Results do not depend on the executor.
"""

import concurrent.futures as cf
import itertools
import json
import signal
import sys
import threading
import time
import tomllib
import traceback
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from calexico.running import pools, provenance, runs, scenarios, storage
from model.parameters import SPECS, ParameterError, flatten_values, is_finite_number, resolve

SPEC_KEYS = {"description", "scenarios", "replications", "base_seed", "days", "daily", "seeds",
             "parameters", "design", "test", "paired"}
DESIGN_KINDS = ("grid", "list", "lhs", "sobol")
TEST_KEYS = {"fail_on_index", "delay_s"}


@dataclass(frozen=True)
class Task:
    """One run of a batch: what to run and where its files go."""

    index: int
    scenario: scenarios.Scenario
    replication: int
    seed: int
    point: int
    parameters: dict
    days: int | None
    out: str
    daily: bool = False
    fail: bool = False
    delay_s: float = 0.0
    paired: bool = False
    measure: object = None

    @property
    def name(self) -> str:
        """The run's file stem: its index, zero-padded so files sort in run order."""
        return f"{self.index:06d}"


@dataclass
class Spec:
    """A checked batch spec."""

    path: str
    raw: dict
    scenarios: list
    points: list[dict]
    replications: int = 1
    base_seed: int = 0
    days: int | None = None
    daily: bool = False
    seeds: str = "common"
    paired: bool = False
    fixed: dict = field(default_factory=dict)
    test: dict = field(default_factory=dict)
    measure: object = None

    def seed(self, index: int, replication: int) -> int:
        """The run's seed: from the base seed and the replication (common) or run index."""
        key = replication if self.seeds == "common" else index
        return int(np.random.SeedSequence([self.base_seed, key]).generate_state(1, np.uint32)[0])

    def tasks(self, out: Path) -> list[Task]:
        """Every run of the batch, in a fixed order: scenario, design point, replication."""
        fail = set(self.test.get("fail_on_index", []))
        out_list = []
        combos = itertools.product(self.scenarios, enumerate(self.points), range(self.replications))
        for index, (scenario, (p, point), rep) in enumerate(combos):
            out_list.append(Task(index, scenario, rep, self.seed(index, rep), p, {**self.fixed, **point},
                                 self.days, str(out), self.daily, index in fail,
                                 float(self.test.get("delay_s", 0.0)), self.paired, self.measure))
        return out_list


def load_spec(path) -> Spec:
    """Read and check a batch spec.

    Raises:
        ParameterError: names the file, key, value and what is allowed.

    """
    path = Path(path)
    where = str(path)
    if not path.is_file():
        raise ParameterError(where, "file", where, "an existing batch spec (TOML)")
    try:
        raw = tomllib.loads(path.read_text())
    except tomllib.TOMLDecodeError as err:
        raise ParameterError(where, "(syntax)", str(err), "valid TOML") from None
    return check_spec(raw, where, path.parent)


def check_spec(raw: dict, where: str = "spec", folder: Path | None = None) -> Spec:
    """Check a spec given as a dict (as read from TOML); see `load_spec`."""
    for key in raw:
        if key not in SPEC_KEYS:
            raise ParameterError(where, key, raw[key], f"one of {sorted(SPEC_KEYS)}")
    names = raw.get("scenarios", ["baseline"])
    if isinstance(names, str):
        names = [names]
    if not isinstance(names, list) or not names or not all(isinstance(n, str) for n in names):
        raise ParameterError(where, "scenarios", names, "a list of scenario names or .toml paths")
    loaded = []
    for name in names:
        if name.endswith(".toml") and folder is not None and not Path(name).is_absolute():
            name = str(folder / name)
        loaded.append(scenarios.load(name))
    spec = Spec(where, raw, loaded, [{}])
    spec.replications = _int(raw, "replications", 1, where, 1)
    spec.base_seed = _int(raw, "base_seed", 0, where, 0)
    spec.days = _int(raw, "days", None, where, 1)
    spec.daily = raw.get("daily", False)
    if not isinstance(spec.daily, bool):
        raise ParameterError(where, "daily", spec.daily, "true or false")
    spec.paired = raw.get("paired", False)
    if not isinstance(spec.paired, bool):
        raise ParameterError(where, "paired", spec.paired, "true or false")
    spec.seeds = raw.get("seeds", "common")
    if spec.seeds not in ("common", "independent"):
        raise ParameterError(where, "seeds", spec.seeds, "'common' (paired across scenarios) or 'independent'")
    fixed = raw.get("parameters", {})
    if not isinstance(fixed, dict):
        raise ParameterError(where, "parameters", fixed, "a table of parameter overrides")
    resolved = resolve(fixed, where)
    spec.fixed = {k: resolved[k] for k, _ in flatten_values(fixed)}
    if "design" in raw:
        spec.points = design_points(raw["design"], where)
    for point in spec.points:
        resolve({**spec.fixed, **point}, f"{where} [design]")
    spec.test = raw.get("test", {})
    if not isinstance(spec.test, dict) or set(spec.test) - TEST_KEYS:
        raise ParameterError(where, "test", spec.test, f"a table with keys from {sorted(TEST_KEYS)}")
    fail = spec.test.get("fail_on_index", [])
    fail = [fail] if isinstance(fail, int) else fail
    if not isinstance(fail, list) or not all(isinstance(i, int) and not isinstance(i, bool) for i in fail):
        raise ParameterError(where, "test.fail_on_index", fail, "a run index or a list of run indices")
    spec.test["fail_on_index"] = fail
    return spec


def _int(raw, key, default, where, low):
    value = raw.get(key, default)
    if value is default:
        return value
    if isinstance(value, bool) or not isinstance(value, int) or value < low:
        raise ParameterError(where, key, value, f"a whole number, {low} or more")
    return value


def design_points(design, where: str) -> list[dict]:
    """The design's parameter points: a full grid, an explicit list, a Latin hypercube or a
    Sobol (Saltelli) sample. Integer parameters are rounded; every value is checked.
    """
    if not isinstance(design, dict):
        raise ParameterError(where, "design", design, "a [design] table")
    kind = design.get("kind")
    if kind not in DESIGN_KINDS:
        raise ParameterError(where, "design.kind", kind, f"one of {list(DESIGN_KINDS)}")
    allowed = {"grid": {"kind", "parameters"}, "list": {"kind", "points"},
               "lhs": {"kind", "parameters", "samples", "seed"},
               "sobol": {"kind", "parameters", "samples", "seed", "second_order"}}[kind]
    for key in design:
        if key not in allowed:
            raise ParameterError(where, f"design.{key}", design[key], f"for kind {kind!r} one of {sorted(allowed)}")
    if kind == "list":
        points = design.get("points")
        if not isinstance(points, list) or not points or not all(isinstance(p, dict) for p in points):
            raise ParameterError(where, "design.points", points, "a non-empty array of [[design.points]] tables")
        return [{k: resolve(p, where)[k] for k, _ in flatten_values(p)} for p in points]
    params = design.get("parameters")
    if not isinstance(params, dict) or not params:
        raise ParameterError(where, "design.parameters", params, "a table of dotted parameter keys")
    params = dict(flatten_values(params))
    for key, values in params.items():
        if key not in SPECS:
            raise ParameterError(where, f"design.parameters.{key}", values, "a parameter key (calexico parameters)")
        if not isinstance(values, list) or not values:
            raise ParameterError(where, f"design.parameters.{key}", values, "a non-empty list")
    if kind == "grid":
        keys = list(params)
        return [_checked(dict(zip(keys, combo, strict=True)), where)
                for combo in itertools.product(*params.values())]
    for key, bounds in params.items():
        if len(bounds) != 2 or not all(is_finite_number(b) for b in bounds) or bounds[0] >= bounds[1]:
            raise ParameterError(where, f"design.parameters.{key}", bounds,
                                 "[low, high] finite numbers with low < high")
    n = _int(design, "samples", None, where, 1)
    if n is None:
        raise ParameterError(where, "design.samples", None, "a whole number of samples, 1 or more")
    seed = _int(design, "seed", 0, where, 0)
    keys = list(params)
    lows = np.array([params[k][0] for k in keys], float)
    highs = np.array([params[k][1] for k in keys], float)
    if kind == "lhs":
        from scipy.stats import qmc

        unit = qmc.LatinHypercube(d=len(keys), seed=seed).random(n)
        sample = qmc.scale(unit, lows, highs)
    else:
        from SALib.sample import sobol

        problem = {"num_vars": len(keys), "names": keys, "bounds": np.column_stack([lows, highs]).tolist()}
        sample = sobol.sample(problem, n, calc_second_order=bool(design.get("second_order", False)), seed=seed)
    return [_checked({k: _typed(k, v) for k, v in zip(keys, row, strict=True)}, where) for row in sample]


def _typed(key: str, value: float):
    return int(round(value)) if isinstance(SPECS[key].default, int) else float(value)


def _checked(point: dict, where: str) -> dict:
    resolved = resolve(point, f"{where} [design]")
    return {k: resolved[k] for k in point}


def execute(task: Task) -> dict:
    """Run one task; return a short status and its files (the record, and the daily table if asked)
    for the coordinator to write (`write_files`).

    A run that raises is recorded with its error, so the batch goes on and the record says why.
    A paired task also runs the no-delay counterfactual with the same seed and parameters, and
    its summary gains `impact_vs_no_delay` (calexico.running.runs.impact), as `calexico run` reports it.
    A task with a `measure` (a picklable callable (scenario, seed, days, parameters) -> dict)
    records what that returns instead of the run summary: a study that reads its own numbers
    from the model (history matching reads every observed quantity) still streams, resumes and
    runs on any executor like any batch. Runs in a worker process: everything it needs travels
    in the task.
    """
    start = time.perf_counter()
    record = {"run": task.index, "scenario": task.scenario.name, "replication": task.replication,
              "seed": task.seed, "point": task.point, "parameters": task.parameters}
    files = {}
    try:
        if task.fail:
            raise RuntimeError(f"injected failure for run {task.index} (spec [test].fail_on_index)")
        if task.measure is not None:  # a study that reads its own numbers from the run (history matching)
            summary = task.measure(task.scenario, task.seed, task.days, task.parameters)
        else:
            summary = _run_summary(task, files)
        record.update(status="ok", error=None, summary=summary)
    except Exception as err:  # any failure is recorded, and the batch goes on
        record.update(status="error", error=f"{type(err).__name__}: {err}",
                      traceback=traceback.format_exc(limit=5), summary=None)
    time.sleep(task.delay_s)
    record["elapsed_s"] = round(time.perf_counter() - start, 3)
    try:
        data = storage.strict_json(record, f"run {task.index}", indent=None)
    except storage.OutputError as err:  # a non-finite outcome is a failed run, never bare NaN
        record.update(status="error", error=str(err), traceback=None, summary=None)
        data = storage.strict_json(record, f"run {task.index}", indent=None)
    files[f"runs/{task.name}.json"] = data  # last: a record on disk means the run is done
    return {"run": task.index, "status": record["status"], "error": record["error"], "files": files}


def write_files(out: Path, outcome: dict) -> dict:
    """Write a run's files (from `execute`) into the batch folder, each atomically, in order;
    return its short status without them.
    """
    outcome = dict(outcome)
    for name, data in outcome.pop("files", {}).items():
        runs.atomic_write(Path(out) / name, data)
    return outcome


def _run_summary(task: Task, files: dict) -> dict:
    """The run's summary (with its impact against no delay when paired); its daily table goes into
    `files` when asked for.
    """
    result = runs.run(task.scenario, seed=task.seed, days=task.days, overrides=task.parameters)
    if task.paired:
        counterfactual = runs.run(task.scenario, seed=task.seed, days=task.days, overrides=task.parameters,
                                  no_delay=True)
        result.summary["impact_vs_no_delay"] = runs.impact(result, counterfactual)
    if task.daily:
        files[f"daily/{task.name}.parquet"] = result.daily.to_parquet(index=False)
    return result.summary


def done_runs(out: Path) -> dict[int, str]:
    """Runs with a record on disk: index -> status ('ok' or 'error')."""
    status = {}
    for path in sorted((Path(out) / "runs").glob("[0-9]*.json")):
        try:
            status[int(path.stem)] = json.loads(path.read_text())["status"]
        except (ValueError, KeyError):
            continue  # never half-written (atomic), but be safe with foreign files
    return status


def write_manifest(spec: Spec, tasks: list[Task], out: Path):
    """The batch's manifest: spec, every run's seed and parameters, code and package versions."""
    manifest = {
        "spec_file": spec.path,
        "spec": json.loads(json.dumps(spec.raw, default=str)),
        "scenarios": {s.name: {"path": s.path, "description": s.description, "overrides": s.overrides,
                               "events": [json.loads(json.dumps(asdict(e), default=str)) for e in s.events]}
                      for s in spec.scenarios},
        "runs": [{"run": t.index, "scenario": t.scenario.name, "replication": t.replication, "seed": t.seed,
                  "point": t.point, "parameters": t.parameters} for t in tasks],
        "code_version": provenance.code_version(),
        "packages": provenance.package_versions(),
    }
    previous = out / "manifest.json"
    if previous.exists():
        old = json.loads(previous.read_text())
        if not storage.same_json(old.get("runs"), manifest["runs"]):
            raise ParameterError(str(previous), "runs", "(a different batch)",
                                 "the same spec as the batch already in this folder, or a new --out folder")
        manifest["code_version_at_start"] = old.get("code_version_at_start", old["code_version"])
    runs.atomic_write(previous, storage.strict_json(json.loads(json.dumps(manifest, default=str)), str(previous)))


def run_batch(spec, out, executor: cf.Executor | None = None, workers: int = 1, resume: bool = False,
              progress: bool = True, on_done=None) -> dict:
    """Run a batch, writing one record per run under `out/runs/` as each run ends.

    Args:
        spec: a `Spec`, or a path to a spec file.
        out: the batch folder.
        executor: any concurrent.futures-style executor; default a local process pool of
            `workers` (or, with workers=1, this process, which gives the same results).
        workers: processes for the default pool.
        resume: run only runs without a successful record (missing or failed ones).
        progress: show a progress bar (runs done, failed, time left).
        on_done: called with each run's status dict as it ends (e.g. to sample memory).

    Returns:
        {"total", "ran", "ok", "failed", "skipped", "errors": {run: message}}.

    """
    spec = spec if isinstance(spec, Spec) else load_spec(spec)
    out = Path(out)
    tasks = spec.tasks(out)
    records = out / "runs"
    if records.exists() and any(records.iterdir()) and not resume:
        raise ParameterError(str(out), "--out", str(out), "an empty or new folder (or add --resume)")
    out.mkdir(parents=True, exist_ok=True)
    write_manifest(spec, tasks, out)
    done = {i for i, s in done_runs(out).items() if s == "ok"} if resume else set()
    todo = [t for t in tasks if t.index not in done]
    summary = {"total": len(tasks), "ran": 0, "ok": 0, "failed": 0, "skipped": len(tasks) - len(todo),
               "errors": {}}
    bar = _bar(len(todo), progress)
    own, close = executor is None and workers > 1, None
    if own:
        executor = pools.local_executor(workers)
        close = executor.shutdown
    interrupted = False
    try:
        results = _map(executor, todo, max(workers, 1) * 4)
        for outcome in results:
            status = write_files(out, outcome)
            summary["ran"] += 1
            if status["status"] == "ok":
                summary["ok"] += 1
            else:
                summary["failed"] += 1
                summary["errors"][status["run"]] = status["error"]
            bar.update(1)
            bar.set_postfix(failed=summary["failed"], refresh=False)
            if on_done is not None:
                on_done(status)
    except BaseException:
        interrupted = True
        raise
    finally:
        bar.close()
        if close is not None and interrupted:
            _stop_workers(executor)  # don't wait for runs in flight on Ctrl-C
        elif close is not None:
            close()
    return summary


def _stop_workers(executor: cf.ProcessPoolExecutor):
    """End a pool's workers now (SIGTERM: no traceback, even from one still starting up)."""
    if hasattr(executor, "terminate_workers"):  # Python 3.14+
        executor.terminate_workers()
        return
    for process in list((getattr(executor, "_processes", None) or {}).values()):
        process.terminate()
    executor.shutdown(wait=False, cancel_futures=True)


def _map(executor, tasks, window: int):
    """Yield each task's status as it ends, keeping at most `window` runs in flight (flat memory)."""
    if executor is None:
        yield from map(execute, tasks)
        return
    pending, it = set(), iter(tasks)
    for task in itertools.islice(it, window):
        pending.add(_submit(executor, task))
    while pending:
        finished, pending = cf.wait(pending, return_when=cf.FIRST_COMPLETED)
        for future in finished:
            yield future.result()
            nxt = next(it, None)
            if nxt is not None:
                pending.add(_submit(executor, nxt))


def _submit(executor, task):
    """Submit with Ctrl-C held back until the call returns.

    Why: a submit may start a worker; interrupted halfway, the worker is forked but never
    registered with the pool, so nothing stops it and it dies later with a traceback of its
    own. A held Ctrl-C is passed on to the usual handler as soon as the call returns.
    """
    if threading.current_thread() is not threading.main_thread():
        return executor.submit(execute, task)
    held = []
    previous = signal.signal(signal.SIGINT, lambda *args: held.append(args))
    try:
        return executor.submit(execute, task)
    finally:
        signal.signal(signal.SIGINT, previous)
        if held and callable(previous):
            previous(*held[0])


def _bar(total: int, show: bool):
    """The progress bar, on a terminal only: a script reading stderr gets errors and nothing else
    (a Ctrl-C stays one line), as with `calexico run`.
    """
    from tqdm import tqdm

    return tqdm(total=total, unit="run", disable=None if show else True, file=sys.stderr, dynamic_ncols=True,
                bar_format="{l_bar}{bar}| {n_fmt}/{total_fmt} runs [{elapsed}<{remaining}{postfix}]")
