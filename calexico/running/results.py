"""A batch folder as tidy tables: one row per run, parameters and outcomes as columns.

Why flattened dotted columns: a nested summary ({"costs_usd": {"total": ...}}) becomes
`costs_usd.total`, and a design parameter keeps its dotted key (`trucking.fast_share`), so a
row reads like the scenario file and the summary that produced it, and pandas, seaborn and
SALib take the table as it is.
"""

import datetime as dt
import json
import math
from pathlib import Path

import pandas as pd

from model.parameters import ParameterError, flatten_values

RUN_COLUMNS = ("run", "scenario", "replication", "seed", "point", "status", "error", "elapsed_s")
# A run record's fields as `calexico batch` writes them: (key, what is allowed, check).
RECORD_FIELDS = (
    ("run", "a whole number, 0 or more", lambda v: _whole(v)),
    ("scenario", "a scenario name (text)", lambda v: isinstance(v, str)),
    ("replication", "a whole number, 0 or more", lambda v: _whole(v)),
    ("seed", "a whole number, 0 or more", lambda v: _whole(v)),
    ("point", "a whole number, 0 or more", lambda v: _whole(v)),
    ("status", "'ok' or 'error'", lambda v: v in ("ok", "error")),
    ("error", "text or null", lambda v: v is None or isinstance(v, str)),
    ("elapsed_s", "a number of seconds, 0 or more, or null", lambda v: v is None or (_number(v) and v >= 0)),
    ("parameters", "a table of parameter values (numbers, text or true/false)",
     lambda v: isinstance(v, dict) and all(isinstance(x, int | float | str) and _finite(x) for x in v.values())),
    ("summary", "the run's outcomes (an object), or null for a failed run", lambda v: v is None or isinstance(v, dict)),
)
# Summary entries that are text (dates as YYYY-MM-DD); every other entry is a number or null, or a
# list under the keys of a study's own measure (the hindcast's monthly series).
SUMMARY_TEXT = {"scenario": str, "first_day": dt.date.fromisoformat, "last_day": dt.date.fromisoformat,
                "impact_vs_no_delay.counterfactual": str}
SUMMARY_LISTS = ("months", "series.")


def _number(v) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v)


def _finite(v) -> bool:
    return not isinstance(v, float) or math.isfinite(v)


def _whole(v) -> bool:
    return isinstance(v, int) and not isinstance(v, bool) and v >= 0


def check_record(record, path: Path):
    """Refuse a run record whose fields have the wrong type, naming the file, key, value and what
    is allowed (valid JSON edited by hand, or written by another tool, must not end in a traceback).
    """
    where = str(path)
    if not isinstance(record, dict):
        raise ParameterError(where, "(json)", type(record).__name__, "a run record (a JSON object)")
    for key, allowed, ok in RECORD_FIELDS:
        if key not in record and key in ("elapsed_s", "error", "parameters"):
            continue
        if key not in record:
            raise ParameterError(where, key, "(missing)", allowed)
        if not ok(record[key]):
            raise ParameterError(where, key, _shown(record[key]), allowed)
    if record["status"] == "ok" and record["summary"] is None:
        raise ParameterError(where, "summary", None, "the run's outcomes (an object) for a run with status 'ok'")
    for key, value in flatten_values(record["summary"] or {}):
        if key in SUMMARY_TEXT:
            if not _text_ok(value, SUMMARY_TEXT[key]):
                allowed = "text" if SUMMARY_TEXT[key] is str else "a date as YYYY-MM-DD"
                raise ParameterError(where, f"summary.{key}", _shown(value), allowed)
        elif isinstance(value, list) and key.startswith(SUMMARY_LISTS):
            continue
        elif not (value is None or (isinstance(value, int | float) and _finite(value))):
            raise ParameterError(where, f"summary.{key}", _shown(value), "a number or null")
        elif key == "days" and not (_whole(value) and value >= 1):
            raise ParameterError(where, "summary.days", _shown(value), "a whole number of days, 1 or more")


def _text_ok(value, parse) -> bool:
    try:
        return isinstance(value, str) and parse(value) is not None
    except ValueError:
        return False


def _shown(value):
    """The value as the message shows it: itself, or the start of its JSON text when long."""
    return value if len(repr(value)) <= 40 else json.dumps(value)[:37] + "..."


def load_manifest(folder) -> dict:
    """A batch's manifest.json ({} when there is none), its fields checked as `check_record` checks a run's."""
    path = Path(folder) / "manifest.json"
    if not path.exists():
        return {}
    where = str(path)
    try:
        manifest = json.loads(path.read_text())
    except (ValueError, OSError) as err:
        raise ParameterError(where, "(json)", str(err).splitlines()[0][:80],
                             "the manifest `calexico batch` writes (valid JSON)") from None
    if not isinstance(manifest, dict):
        raise ParameterError(where, "(json)", type(manifest).__name__, "a batch manifest (a JSON object)")
    checks = [("spec", "a table (the batch spec)", lambda v: isinstance(v, dict)),
              ("spec.description", "text", lambda v: isinstance(v, str)),
              ("code_version", "text", lambda v: isinstance(v, str)),
              ("runs", "a list of runs", lambda v: isinstance(v, list)),
              ("scenarios", "a table of scenarios by name", lambda v: isinstance(v, dict))]
    for key, allowed, ok in checks:
        value = _get(manifest, key)
        if value is not _ABSENT and not ok(value):
            raise ParameterError(where, key, _shown(value), allowed)
    for name, scenario in (manifest.get("scenarios") or {}).items():
        if not isinstance(scenario, dict):
            raise ParameterError(where, f"scenarios.{name}", _shown(scenario), "a table (path, description, events)")
        if not isinstance(scenario.get("description", ""), str):
            raise ParameterError(where, f"scenarios.{name}.description", _shown(scenario["description"]), "text")
        events = scenario.get("events", [])
        if not isinstance(events, list) or not all(isinstance(e, dict) for e in events):
            raise ParameterError(where, f"scenarios.{name}.events", _shown(events),
                                 "a list of events (tables with kind, start and end)")
    return manifest


_ABSENT = object()


def _get(tree: dict, dotted: str):
    for part in dotted.split("."):
        if not isinstance(tree, dict) or part not in tree:
            return _ABSENT
        tree = tree[part]
    return tree
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
        check_record(record, path)
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
