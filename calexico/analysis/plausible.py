"""The headline over the parameter sets a history match left: `calexico run --plausible`,
`calexico compare --plausible`, and the factor ranges of `calexico sensitivity --plausible`.

Every impact is run over K plausible sets x R seeds (the same R seeds for every set: common
random numbers), each a paired run (the scenario and its no-delay twin, or the scenario and
the base it is compared with). Two intervals are reported beside the mean over all K x R runs:

- seed noise: the 95% t-interval of that mean from the seeds alone, mean +- t * sqrt(s_w^2 / (K R)),
  where s_w^2 is the variance over seeds within a set, pooled over the sets;
- what the data leave unknown: the 2.5-97.5 percentile range of the K sets' own means (each over
  R seeds), the spread of the impact over the parameter sets the observations allow.

Combined, the two sources are independent, so their variances add: each side's half-width is
sqrt(seed half-width^2 + data half-width^2) around the mean.
"""

import math
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.special import stdtrit

from calexico.analysis import history_matching as hm
from calexico.formatting import money
from calexico.running import batch, results, runs, scenarios
from model.parameters import ParameterError

HEADLINE = (("costs_usd.total", "cost of delay", money),
            ("jobs.us.total", "jobs US (input-output)", lambda x: f"{x:+,.0f}"),
            ("jobs.mx.total", "jobs MX (input-output)", lambda x: f"{x:+,.0f}"),
            ("output_lost_usd.us.total", "output lost US", money),
            ("output_lost_usd.mx.total", "output lost MX", money),
            ("visitor_spending_usd", "visitors' spending in the US", money),
            ("northbound_trucks", "northbound trucks", lambda x: f"{x:+,.0f}"))
COLLAPSE_FACTOR = 5.0  # a design point whose cost of delay is above 5 x the baseline's has collapsed


def two_intervals(x: np.ndarray, level: float = 0.95) -> dict:
    """Mean and the two intervals of values x (sets x seeds), and the two combined."""
    x = np.asarray(x, float)
    k, r = x.shape
    mean = float(x.mean())
    set_means = x.mean(axis=1)
    if r > 1:
        within = float(x.var(axis=1, ddof=1).mean())
        seed_half = float(stdtrit(k * (r - 1), 0.5 + level / 2) * math.sqrt(within / (k * r)))
    else:
        seed_half = math.nan
    tail = (1 - level) / 2 * 100
    lo, hi = (np.percentile(set_means, [tail, 100 - tail]) if k > 1 else (math.nan, math.nan))
    down = math.sqrt(seed_half ** 2 + (mean - lo) ** 2) if k > 1 and r > 1 else math.nan
    up = math.sqrt(seed_half ** 2 + (hi - mean) ** 2) if k > 1 and r > 1 else math.nan
    return {"mean": mean, "seed_low": mean - seed_half, "seed_high": mean + seed_half,
            "data_low": float(lo), "data_high": float(hi), "combined_low": mean - down, "combined_high": mean + up,
            "sets": k, "seeds": r}


def _table(values: dict[str, np.ndarray]) -> pd.DataFrame:
    return pd.DataFrame([{"outcome": name, **two_intervals(x)} for name, x in values.items()])


def _run(spec: batch.Spec, out: Path, executor, workers: int) -> pd.DataFrame:
    done = batch.run_batch(spec, out, executor=executor, workers=workers, resume=True)
    if done["failed"]:
        raise hm.Incomplete(f"{out}: {done['failed']} of {done['total']} runs failed "
                            f"({next(iter(done['errors'].values()))}); run the same command again to finish")
    return results.load(out)


def _matrix(table: pd.DataFrame, column: str, k: int, r: int) -> np.ndarray:
    t = table.sort_values(["point", "replication"])
    return t[column].to_numpy(float).reshape(k, r)


def headline(scenario: str, folder, reps: int = 2, days: int | None = None, seed: int = 0, sets: int | None = None,
             out=None, executor=None, workers: int = 1) -> pd.DataFrame:
    """The scenario's impact against no delay over the plausible sets x seeds, with both intervals.

    Runs stream to `out/runs/` (resumable); the table is also written to `out/impacts.csv`.
    """
    if reps < 2:
        raise ParameterError("command line", "--reps", reps, "2 or more seeds per set (the seed interval needs them)")
    overrides, _ = hm.load_plausible(folder, sets)
    loaded = scenarios.load(scenario)
    out = Path(out or Path("results") / f"plausible_{loaded.name}")
    spec = batch.Spec(f"{loaded.name} over plausible sets", {"plausible": str(folder), "sets": len(overrides)},
                      [loaded], overrides, replications=reps, base_seed=seed, days=days, paired=True)
    table = _run(spec, out, executor, workers)
    impact_cols = [c for c in table.columns if c.startswith("impact_vs_no_delay.")
                   and pd.api.types.is_numeric_dtype(table[c])]
    values = {c.removeprefix("impact_vs_no_delay."): _matrix(table, c, len(overrides), reps) for c in impact_cols}
    result = _table(values)
    runs.atomic_write(out / "impacts.csv", result.to_csv(index=False).encode())
    return result


def compare(scenario: str, against: str, folder, reps: int = 2, days: int | None = None, seed: int = 0,
            sets: int | None = None, out=None, executor=None, workers: int = 1) -> pd.DataFrame:
    """Scenario minus base over the plausible sets x seeds (paired by set and seed), with both intervals."""
    from calexico.analysis.compare import GROUPS, group_columns

    if reps < 2:
        raise ParameterError("command line", "--reps", reps, "2 or more seeds per set (the seed interval needs them)")
    overrides, _ = hm.load_plausible(folder, sets)
    spec = batch.Spec(f"compare {scenario} against {against} over plausible sets",
                      {"plausible": str(folder), "sets": len(overrides)},
                      [scenarios.load(against), scenarios.load(scenario)], overrides, replications=reps,
                      base_seed=seed, days=days)
    names = [s.name for s in spec.scenarios]
    out = Path(out or Path("comparisons") / f"{Path(scenario).stem}_vs_{Path(against).stem}_plausible")
    table = _run(spec, out, executor, workers)
    a, b = table[table["scenario"] == names[1]], table[table["scenario"] == names[0]]
    values = {}
    for cols in GROUPS.values():
        for c in group_columns(a.columns, cols):
            if pd.api.types.is_numeric_dtype(a[c]):
                values[c] = _matrix(a, c, len(overrides), reps) - _matrix(b, c, len(overrides), reps)
    result = _table(values)
    runs.atomic_write(out / "compare_plausible.csv", result.to_csv(index=False).encode())
    return result


def format_table(table: pd.DataFrame, title: str, only_headline: bool = True) -> str:
    """The impacts as text: mean, [seed noise], [what the data leave unknown], [combined]."""
    rows = table.set_index("outcome")
    k, r = int(rows["sets"].iloc[0]), int(rows["seeds"].iloc[0])
    lines = [f"{title}: mean over {k} plausible parameter sets x {r} seeds;",
             "  [95% interval from seed noise] [2.5-97.5% over the plausible sets: what the data leave unknown]"
             " [the two combined]"]
    chosen = [(p, label, fmt) for p, label, fmt in HEADLINE if p in rows.index] if only_headline else \
        [(p, p, lambda x: f"{x:,.1f}") for p in rows.index]
    for path, label, fmt in chosen:
        s = rows.loc[path]
        lines.append(f"  {label:30s} {fmt(s['mean']):>14s}  seed [{fmt(s['seed_low'])}, {fmt(s['seed_high'])}]"
                     f"  data [{fmt(s['data_low'])}, {fmt(s['data_high'])}]"
                     f"  combined [{fmt(s['combined_low'])}, {fmt(s['combined_high'])}]")
    return "\n".join(lines)


# ----------------------------------------------------------------------------- the screen inside the region
def restrict_factors(factors: list, folder) -> tuple[list, dict]:
    """The factors with their ranges narrowed to the region a history match left (the 2.5-97.5
    percentiles of its plausible sets, `hm.plausible_ranges`), and the ranges used; factors the match did not
    vary keep their own ranges. A range the region squeezes to a point keeps a sliver around it.
    """
    from dataclasses import replace

    ranges = hm.plausible_ranges(folder)
    out, used = [], {}
    for f in factors:
        if f.name in ranges and f.bounds is not None:
            lo, hi = max(ranges[f.name][0], f.bounds[0]), min(ranges[f.name][1], f.bounds[1])
            if not lo < hi:
                width = 1e-3 * (f.bounds[1] - f.bounds[0])
                lo, hi = max(f.bounds[0], lo - width), min(f.bounds[1], hi + width)
            f = replace(f, bounds=(lo, hi))
            used[f.name] = (lo, hi)
        out.append(f)
    return out, used


def collapsed_share(study_folder, baseline_cost_usd: float, outcome: str = "delay_cost_usd") -> tuple[float, int]:
    """The share of a study's design points (mean over seeds) whose cost of delay is above
    COLLAPSE_FACTOR x the baseline's, and how many points there are.
    """
    table = pd.read_csv(Path(study_folder) / "runs.csv")
    if outcome not in table.columns:
        raise ParameterError(str(Path(study_folder) / "runs.csv"), "outcome", outcome,
                             "a study that measured the cost of delay (outcome delay_cost_usd)")
    means = table.groupby("point")[outcome].mean()
    return float((means > COLLAPSE_FACTOR * baseline_cost_usd).mean()), len(means)


def baseline_cost(scenario: str, days: int | None, reps: int, workers: int = 1) -> float:
    """The cost of delay of the default parameters (mean over `reps` paired seeds)."""
    result = runs.run_with_impact(scenarios.load(scenario), seed=0, days=days, reps=reps, workers=workers)
    return float(result.summary["impact_vs_no_delay"]["costs_usd"]["total"]["mean"])

