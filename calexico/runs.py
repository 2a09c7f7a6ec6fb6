"""Running a scenario: the model, its counterfactual, and results that say what produced them."""

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from calexico import provenance, storage
from calexico.scenarios import Scenario
from model import BorderModel
from model.outcomes import summarise


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
    """Scenario minus counterfactual (same seed): costs in USD and jobs, by side of the border."""
    s, c = result.summary, counterfactual.summary
    return {
        "counterfactual": "no_delay: nobody waits in line at any crossing; inspection still takes its time",
        "costs_usd": {k: s["costs_usd"][k] - c["costs_usd"][k] for k in s["costs_usd"]},
        "jobs": {k: s["jobs"][k] - c["jobs"][k] for k in s["jobs"]},
        "northbound_trucks": s["northbound_trucks"] - c["northbound_trucks"],
        "trade_value_usd": {k: s["trade_value_usd"][k] - c["trade_value_usd"][k]
                            for k in s["trade_value_usd"]},
        "visitor_spending_usd": s["visitor_spending_usd"] - c["visitor_spending_usd"],
    }


def run_with_impact(scenario: Scenario, seed: int = 0, days: int | None = None) -> RunResult:
    """Run a scenario and its no-delay counterfactual with the same seed; the summary gains
    `impact_vs_no_delay`.
    """
    result = run(scenario, seed, days)
    counterfactual = run(scenario, seed, days, no_delay=True)
    result.summary["impact_vs_no_delay"] = impact(result, counterfactual)
    return result


def manifest(result: RunResult) -> dict:
    """What produced a result: scenario, seed, code version, package versions, time."""
    return {
        "scenario": result.scenario.name,
        "scenario_file": result.scenario.path,
        "seed": result.seed,
        "code_version": provenance.code_version(),
        "packages": provenance.package_versions(),
        "created_utc": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    }


def atomic_write(path: Path, data: bytes):
    """Write a file so that a reader never sees it half written (see `storage.atomic_write`)."""
    storage.atomic_write(path, data)


def write(result: RunResult, out, folder: "storage.RunFolder | None" = None):
    """Write daily.parquet, summary.json, scenario.toml (resolved) and manifest.json to `out`,
    as one set (a reader sees the old set or the new one, never a mix).

    Args:
        result: the run.
        out: the folder.
        folder: a `storage.RunFolder` made before the run (checks `out` early); default one now.

    """
    folder = folder or storage.RunFolder(out)
    try:
        folder.commit({
            "daily.parquet": result.daily.to_parquet(index=False),
            "summary.json": storage.strict_json(result.summary, "summary.json"),
            "scenario.toml": result.scenario.to_toml().encode(),
            "manifest.json": storage.strict_json(manifest(result), "manifest.json"),
        })
    finally:
        folder.discard()
