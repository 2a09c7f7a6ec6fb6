"""A batch folder as tidy tables: one row per run, parameters and outcomes as columns.

Why flattened dotted columns: a nested summary ({"costs_usd": {"total": ...}}) becomes
`costs_usd.total`, and a design parameter keeps its dotted key (`trucking.fast_share`), so a
row reads like the scenario file and the summary that produced it, and pandas, seaborn and
SALib take the table as it is.
"""

import json
from pathlib import Path

import pandas as pd

from model.parameters import ParameterError, flatten_values

RUN_COLUMNS = ("run", "scenario", "replication", "seed", "point", "status", "error", "elapsed_s")
KEY_OUTCOMES = ("costs_usd.total", "jobs.total_us", "jobs.total_mx", "mean_commercial_wait_min",
                "p95_commercial_wait_min", "northbound_trucks")


def _flatten(table: dict) -> dict:
    return dict(flatten_values(table))


def load(folder, daily: bool = False) -> pd.DataFrame:
    """Load a batch into one row per run, sorted by run index.

    Args:
        folder: the batch folder (with `runs/*.json`).
        daily: also return the daily series (see `load_daily`) as `(table, daily)`.

    The table's `attrs` name its `parameters` and `outcomes` columns.

    """
    folder = Path(folder)
    paths = sorted((folder / "runs").glob("[0-9]*.json"))
    if not paths:
        raise ParameterError(str(folder), "runs", str(folder / "runs"), "a batch folder with run results")
    rows, parameters, outcomes = [], {}, {}
    for path in paths:
        try:
            record = json.loads(path.read_text())
        except (ValueError, OSError) as err:  # JSONDecodeError and UnicodeDecodeError are ValueErrors
            raise ParameterError(str(path), "(json)", str(err).splitlines()[0][:80],
                                 "a run record as `calexico batch` writes it (valid JSON)") from None
        if not isinstance(record, dict):
            raise ParameterError(str(path), "(json)", type(record).__name__, "a run record (a JSON object)")
        row = {k: record.get(k) for k in RUN_COLUMNS}
        params = record.get("parameters") or {}
        parameters.update(dict.fromkeys(params))
        summary = _flatten({k: v for k, v in (record.get("summary") or {}).items()
                            if k not in ("scenario", "seed")})
        outcomes.update(dict.fromkeys(summary))
        rows.append({**row, **params, **summary})
    table = pd.DataFrame(rows, columns=[*RUN_COLUMNS, *parameters, *outcomes])
    table = table.sort_values("run", ignore_index=True)
    table.attrs = {"parameters": list(parameters), "outcomes": list(outcomes)}
    return (table, load_daily(folder)) if daily else table


def load_daily(folder) -> pd.DataFrame:
    """The daily series of every run that wrote one (spec `daily = true`), long form with `run`."""
    paths = sorted((Path(folder) / "daily").glob("[0-9]*.parquet"))
    if not paths:
        raise ParameterError(str(folder), "daily", str(Path(folder) / "daily"),
                             "a batch run with `daily = true` in its spec")
    return pd.concat([pd.read_parquet(p).assign(run=int(p.stem)) for p in paths], ignore_index=True)


def overview(table: pd.DataFrame) -> pd.DataFrame:
    """Runs, failures and mean key outcomes per scenario and design point."""
    ok = table[table["status"] == "ok"]
    keys = [c for c in KEY_OUTCOMES if c in ok.columns]
    groups = ["scenario", "point", *table.attrs.get("parameters", [])]
    counts = table.groupby(groups, dropna=False, sort=False).agg(runs=("run", "size"),
                                                                  failed=("status", lambda s: (s != "ok").sum()))
    means = ok.groupby(groups, dropna=False, sort=False)[keys].mean()
    return counts.join(means)
