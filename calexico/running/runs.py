"""Running a scenario: the model, its counterfactual, and results that say what produced them."""

import concurrent.futures as cf
import datetime as dt
import os
import threading
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from calexico.running import impact as impacts
from calexico.running import provenance, storage
from calexico.running.scenarios import Scenario
from model import BorderModel
from model.outcomes import summarise
from model.parameters import ParameterError


@dataclass
class RunResult:
    """One run: the daily table and the summary."""

    scenario: Scenario
    seed: int
    daily: pd.DataFrame
    summary: dict


def model_params(scenario: Scenario, days: int | None = None, overrides: dict | None = None,
                 no_delay: bool = False) -> dict:
    """The parameter overrides of a run: the scenario's, then the caller's, then days and no-delay."""
    params = {**scenario.overrides, **(overrides or {})}
    if days is not None:
        params["simulation.days"] = days
    if no_delay:
        params["port.waiting"] = False
    return params


def run(scenario: Scenario, seed: int = 0, days: int | None = None, overrides: dict | None = None,
        no_delay: bool = False) -> RunResult:
    """Run a scenario once.

    Args:
        scenario: a loaded scenario.
        seed: the random seed.
        days: measured days (default: the scenario's `simulation.days`).
        overrides: further dotted-key parameters (e.g. from a batch design).
        no_delay: run the scenario's no-delay counterfactual (nobody waits in line).

    """
    model = BorderModel(model_params(scenario, days, overrides, no_delay), seed=seed, events=scenario.events).run()
    daily = daily_table(model)
    summary = {"scenario": scenario.name, **summarise(daily, model.params, seed)}
    return RunResult(scenario, seed, daily, summary)


def daily_table(model) -> pd.DataFrame:
    """The model's DataCollector table, one row per day, with real dates."""
    daily = model.datacollector.get_table_dataframe("daily")
    daily["date"] = pd.to_datetime(daily["date"])
    daily["measured"] = daily["measured"].astype(bool)
    return daily


def impact(result: RunResult, counterfactual: RunResult) -> dict:
    """One seed's impact: scenario minus counterfactual (same seed), section by section
    (see `calexico.running.impact.SECTIONS`), with no interval.
    """
    return {"counterfactual": impacts.COUNTERFACTUAL, **impacts.difference(result.summary, counterfactual.summary)}


def _run_task(task: tuple) -> RunResult:
    """One run of a replication (module-level so a process pool can pickle it); the daily table
    travels back only when asked for.
    """
    scenario, seed, days, no_delay, keep_daily = task
    result = run(scenario, seed, days, no_delay=no_delay)
    return result if keep_daily else RunResult(scenario, seed, None, result.summary)


def _run_all(tasks: list, workers: int, on_done=None) -> list:
    """Run tasks in order of results, on this process and a pool of `workers - 1` processes.

    Why this process works too: a pool's worker needs a few seconds to start and import the
    model, about as long as a run; this process runs tasks from the back of the list meanwhile
    and the pool's workers take them from the front, one each at a time, so two cores are
    busy from the first second. Results do not depend on who ran what (each run is its seed's).
    """
    if workers <= 1 or len(tasks) <= 1:
        return [_done(_run_task(t), on_done) for t in tasks]
    from calexico.running import pools

    todo, results, running = list(range(len(tasks))), {}, {}
    with pools.local_executor(min(workers - 1, len(tasks) - 1)) as pool:
        # Starting a worker blocks until the fork server has imported the model: do it on a
        # thread while this process runs its first task.
        first, failed = [todo.pop(0) for _ in range(min(workers - 1, len(todo) - 1))], []

        def start():
            try:
                running.update({pool.submit(_run_task, tasks[i]): i for i in first})
            except Exception as err:  # the pool could not start: say why, in this thread
                failed.append(err)

        starter = threading.Thread(target=start)
        starter.start()
        i = todo.pop()
        results[i] = _done(_run_task(tasks[i]), on_done)
        starter.join()
        if failed:
            raise failed[0]
        while todo or running:
            for future in [f for f in running if f.done()]:
                results[running.pop(future)] = _done(future.result(), on_done)
            while todo and len(running) < workers - 1:
                i = todo.pop(0)
                running[pool.submit(_run_task, tasks[i])] = i
            if todo:
                i = todo.pop()
                results[i] = _done(_run_task(tasks[i]), on_done)
            elif running:
                cf.wait(running, return_when=cf.FIRST_COMPLETED)
    return [results[i] for i in range(len(tasks))]


def _done(result, on_done):
    """Tell the caller (a progress bar) that a run finished; return the run."""
    if on_done is not None:
        on_done()
    return result


def idle_workers(most: int = 2) -> int:
    """Processes worth using now: the cores the machine's recent load leaves idle, 1 to `most`.

    Why not always `most`: on a shared or busy machine a second process only competes with
    the first (and pays a few seconds to start), so replications run faster in this process.
    """
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    try:
        busy = os.getloadavg()[0]
    except (AttributeError, OSError):  # no load average on this platform
        busy = 0.0
    return max(1, min(most, cores - round(busy)))


def run_with_impact(scenario: Scenario, seed: int = 0, days: int | None = None, reps: int = 1,
                    workers: int = 1, on_done=None) -> RunResult:
    """Run `reps` paired replications (seeds `seed` .. `seed + reps - 1`), each the scenario and
    its no-delay counterfactual with the same seed, in parallel on `workers` processes.

    Returns the first replication's run (its daily table and per-seed summary); the summary gains
    `impact_vs_no_delay`: the mean and 95% t-interval of the paired differences over the
    replications, the seeds and the counterfactual used. `on_done()` is called as each of the
    2 x `reps` runs finishes (a progress bar).
    """
    if reps < 1:
        raise ParameterError("command line", "--reps", reps, "a whole number of replications, 1 or more")
    if workers < 1:
        raise ParameterError("command line", "--workers", workers, "a whole number, 1 or more")
    seeds = list(range(seed, seed + reps))
    tasks = [(scenario, s, days, no_delay, s == seed and not no_delay) for s in seeds for no_delay in (False, True)]
    results = _run_all(tasks, workers, on_done)
    pairs = [(results[i].summary, results[i + 1].summary) for i in range(0, len(results), 2)]
    result = results[0]
    result.summary["impact_vs_no_delay"] = impacts.impact_vs_no_delay(pairs, seeds)
    return result


def manifest(result: RunResult) -> dict:
    """What produced a result: scenario, seed, code version, package versions, time."""
    return {
        "scenario": result.scenario.name,
        "scenario_file": result.scenario.path,
        "seed": result.seed,
        "seeds": result.summary.get("impact_vs_no_delay", {}).get("seeds", [result.seed]),
        "code_version": provenance.code_version(),
        "packages": provenance.package_versions(),
        "created_utc": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    }


def atomic_write(path: Path, data: bytes):
    """Write a file so that a reader never sees it half written (see `storage.atomic_write`)."""
    storage.atomic_write(path, data)


def write(result: RunResult, out, folder: "storage.RunFolder | None" = None, extra: dict | None = None):
    """Write daily.parquet, summary.json, scenario.toml (resolved) and manifest.json to `out`,
    as one set (a reader sees the old set or the new one, never a mix).

    Args:
        result: the run.
        out: the folder.
        folder: a `storage.RunFolder` made before the run (checks `out` early); default one now.
        extra: more files of the set by name (the one-page report: report.html, report.png, report.pdf).

    """
    folder = folder or storage.RunFolder(out)
    try:
        folder.commit({
            "daily.parquet": result.daily.to_parquet(index=False),
            "summary.json": storage.strict_json(result.summary, "summary.json"),
            "scenario.toml": result.scenario.to_toml().encode(),
            "manifest.json": storage.strict_json(manifest(result), "manifest.json"),
            **(extra or {}),
        })
    finally:
        folder.discard()
