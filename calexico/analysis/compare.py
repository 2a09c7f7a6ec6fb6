"""Scenario against base with common random numbers: paired differences and 95% intervals.

Why paired: replication r of both scenarios uses the same seed, so the demand, weather and
inspection draws are shared and the difference isolates the policy; the interval is a
t-interval over the per-seed differences (`calexico.running.impact.t_interval`, the same as `calexico
run`'s impact against no delay), far narrower than comparing two independent means.
"""

from pathlib import Path

import numpy as np
import pandas as pd

from calexico.formatting import money
from calexico.running import batch, results, runs
from calexico.running.impact import t_interval
from model.parameters import ParameterError

# Outcome groups: a name ending in "." takes every column of that summary section, in the
# summary's order (sections a model version does not report are skipped).
GROUPS = {
    "costs (USD)": ("costs_usd.",),
    "output (USD)": ("output_usd.",),
    "value added (USD)": ("value_added_usd.",),
    "jobs, input-output": ("io_jobs.",),
    "agents' jobs": ("agent_jobs.",),
    "jobs": ("jobs.direct_us", "jobs.direct_mx", "jobs.total_us", "jobs.total_mx"),
    "waits (min)": ("mean_commercial_wait_min", "p95_commercial_wait_min"),
}


def group_columns(columns, names) -> list[str]:
    """The table's columns a group's names select (exact names, or "section." prefixes)."""
    return [c for name in names for c in columns if c == name or (name.endswith(".") and c.startswith(name))]


def default_out(scenario: str, against: str) -> Path:
    """Where a comparison writes by default."""
    return Path("comparisons") / f"{Path(scenario).stem}_vs_{Path(against).stem}"


def compare(scenario: str, against: str = "baseline", reps: int = 10, days: int | None = None, out=None,
            workers: int = 1, base_seed: int = 0, executor=None, parameters: dict | None = None) -> pd.DataFrame:
    """Run `reps` paired replications of both and write `compare.csv` and `compare.png` to `out`.

    Runs go through the batch machinery, so they stream to `out/runs/` and a rerun resumes.
    `parameters` are overrides for both scenarios (e.g. the window's `simulation.start_date`).
    """
    if reps < 2:
        raise ParameterError("command line", "--reps", reps, "2 or more replications (a CI needs them)")
    if days is not None and days < 1:
        raise ParameterError("command line", "--days", days, "a whole number of days, 1 or more")
    raw = {"description": f"compare {scenario} against {against}", "scenarios": [against, scenario],
           "replications": reps, "base_seed": base_seed, "seeds": "common"}
    if days is not None:
        raw["days"] = days
    if parameters:
        raw["parameters"] = dict(parameters)
    spec = batch.check_spec(raw, "compare")
    out = Path(out) if out else default_out(scenario, against)
    done = batch.run_batch(spec, out, executor=executor, workers=workers, resume=True)
    if done["failed"]:
        raise RuntimeError(f"{done['failed']} runs failed: {done['errors']}")
    names = [s.name for s in spec.scenarios]
    table = paired_differences(results.load(out), names[1], names[0])
    runs.atomic_write(out / "compare.csv", table.to_csv(index=False).encode())
    figure(table, names[1], names[0], out / "compare.png")
    return table


def paired_differences(table: pd.DataFrame, scenario: str, base: str, level: float = 0.95) -> pd.DataFrame:
    """Scenario minus base for each outcome: mean over seeds, t-interval, and the base mean."""
    ok = table[table["status"] == "ok"]
    a = ok[ok["scenario"] == scenario].set_index("seed")
    b = ok[ok["scenario"] == base].set_index("seed")
    seeds = a.index.intersection(b.index)
    rows = []
    for group, names in GROUPS.items():
        for column in group_columns(a.columns, names):
            d = (a.loc[seeds, column] - b.loc[seeds, column]).to_numpy(float)
            mean, low, high = t_interval(d, level)
            rows.append({"group": group, "outcome": column, "difference": mean, "ci_low": low,
                         "ci_high": high, "base_mean": float(b.loc[seeds, column].mean()), "pairs": len(d)})
    return pd.DataFrame(rows)


SIDE_WORDS = {"us": "US", "mx": "Mexico"}


def outcome_label(outcome: str) -> str:
    """A reader's label for an outcome key: "output_usd.mx.agriculture" -> "Mexico agriculture"."""
    words = []
    for part in outcome.split(".")[1:] or [outcome]:
        for word in part.removesuffix("_usd").removesuffix("_min").split("_"):
            words.append(SIDE_WORDS.get(word, word))
    return " ".join(words)


def _value(group: str, x: float) -> str:
    if "USD" in group:
        return money(x, 2)
    if group.startswith("waits"):
        return f"{x:,.1f} min"
    return f"{x:,.0f}"


def format_table(table: pd.DataFrame, scenario: str, against: str) -> str:
    """The comparison as text: a plain label, the difference with its 95% interval, and the base's
    value, aligned, dollars in $k/$M/$B.
    """
    n = int(table["pairs"].iloc[0]) if len(table) else 0
    lines = [f"{scenario} minus {against}: mean of {n} paired replications, 95% confidence interval"]
    width = max((len(outcome_label(o)) for o in table["outcome"]), default=10)
    for group, rows in table.groupby("group", sort=False):
        lines.append(f"  {group.replace(' (USD)', '')}")
        lines.append(f"    {'':{width}s} {'difference':>12s}  {'95% CI':>27s}  {against:>12s}")
        for r in rows.itertuples():
            ci = f"[{_value(group, r.ci_low)}, {_value(group, r.ci_high)}]"
            lines.append(f"    {outcome_label(r.outcome):{width}s} {_value(group, r.difference):>12s}  {ci:>27s}"
                         f"  {_value(group, r.base_mean):>12s}")
    return "\n".join(lines)


def figure(table: pd.DataFrame, scenario: str, against: str, path: Path):
    """Differences with their intervals, one panel per group (costs, jobs, waits)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import seaborn as sns

    sns.set_theme(style="whitegrid")
    groups = list(dict.fromkeys(table["group"]))
    fig, axes = plt.subplots(1, len(groups), figsize=(5 * len(groups), 4), squeeze=False)
    for ax, group in zip(axes[0], groups, strict=True):
        rows = table[table["group"] == group]
        y = np.arange(len(rows))
        ax.errorbar(rows["difference"], y, xerr=[rows["difference"] - rows["ci_low"],
                                                 rows["ci_high"] - rows["difference"]], fmt="o", capsize=3)
        ax.axvline(0, color="grey", lw=1)
        ax.set_yticks(y, [o.split(".")[-1] for o in rows["outcome"]])
        ax.set_title(group)
    fig.suptitle(f"{scenario} minus {against} (95% CI over paired replications)")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp.png")
    fig.savefig(tmp, dpi=120)
    plt.close(fig)
    tmp.replace(path)
