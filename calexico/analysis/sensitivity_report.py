"""The report of a sensitivity study: which assumptions matter, and which data would pin them down.

Why this shape: a policy researcher asks which of the model's guesses the answer depends on, so
the report ranks factors per outcome against the seed's own noise (an index below the noise
floor is not evidence of anything), groups the factors that matter by where their numbers come
from (assumption, source, calibrated), and for the assumptions at the top says what data would
replace the guess, from the parameter's own note and the shipped data_worth_collecting hints.
docs/sensitivity.md explains how to read it.
"""

import math
from pathlib import Path

import numpy as np
import pandas as pd

from calexico.analysis import data_worth, sensitivity
from calexico.running import runs
from model.parameters import SPECS

STATUS_ORDER = ("assumption", "calibrated", "source")
PALETTE = {"assumption": "#d95f02", "calibrated": "#7570b3", "source": "#1b9e77", "dummy": "#999999"}
SHOWN = 20  # factors per ranking figure
TOP = 10  # assumptions with "data worth collecting"
# How the report's first line says where the factors' ranges come from (`sensitivity --plausible` rewrites it).
DOCUMENTED_RANGES = "each over its documented low-high range in `model/data/parameters.toml`"


def ranking(result: sensitivity.Result) -> pd.DataFrame:
    """One row per outcome and factor: a score that ranks, its CI half-width, and the method's index names."""
    idx = result.indices
    if result.method == "morris":
        out = idx.assign(score=idx["mu_star"], conf=idx["mu_star_conf"])
        out["index"] = "mu_star"
    elif result.method == "sobol":
        out = idx.assign(score=idx["ST"], conf=idx["ST_conf"])
        out["index"] = "ST"
    else:
        swing = sensitivity.oat_swing(result)
        se = idx.groupby(["outcome", "factor"])["effect_se"].max().rename("conf") * 2
        out = swing.join(se, on=["outcome", "factor"]).rename(columns={"swing": "score"})
        out["status"] = out["factor"].map(data_worth.status)
        out["index"] = "swing"
    out = out[["outcome", "factor", "status", "score", "conf", "index",
               *[c for c in ("sigma", "S1", "S1_conf") if c in out.columns]]].copy()
    out["rank"] = out.groupby("outcome")["score"].rank(ascending=False, method="min").astype(int)
    return out.sort_values(["outcome", "rank"], ignore_index=True)


def judged(rank: pd.DataFrame, floor: pd.DataFrame) -> pd.DataFrame:
    """The ranking with the noise floor and whether each factor clearly clears it."""
    out = rank.merge(floor[["outcome", "noise_floor"]], on="outcome", how="left")
    lower = out["score"] - out["conf"].fillna(0)
    out["matters"] = lower > out["noise_floor"].fillna(0)
    out["over_floor"] = out["score"] / out["noise_floor"].where(out["noise_floor"] > 0)
    return out


def top_assumptions(table: pd.DataFrame, k: int = TOP) -> list[str]:
    """The k assumptions that rank highest on any outcome (ties: the larger score over floor)."""
    a = table[table["status"] == "assumption"].copy()
    if a.empty:
        return []
    a["rank_among"] = a.groupby("outcome")["score"].rank(ascending=False, method="min")
    best = a.groupby("factor").agg(rank=("rank_among", "min"), over=("over_floor", "max"),
                                   matters=("matters", "any"))
    best = best.sort_values(["matters", "rank", "over"], ascending=[False, True, False])
    return best.index[:k].tolist()


def _fmt(x: float) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "n/a"
    if abs(x) >= 1e4:
        return f"{x:,.0f}"
    return f"{x:.3g}"


def _range(key: str, factors) -> str:
    f = next((f for f in factors if f.name == key), None)
    spec = SPECS.get(key)
    unit = f" {spec.unit}" if spec is not None and spec.unit else ""
    return f"{_fmt(f.bounds[0])} to {_fmt(f.bounds[1])}{unit}" if f is not None else ""


def write(out, plan, result: sensitivity.Result, floor: pd.DataFrame) -> Path:
    """Write `sensitivity.md` and `figures/*.png` of a screening `Plan`'s study; return the report's path."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import seaborn as sns

    out = Path(out)
    figures = out / "figures"
    figures.mkdir(exist_ok=True)
    sns.set_theme(style="whitegrid")
    table = judged(ranking(result), floor)
    labels = {h.name: h.label for h in plan.outcomes}
    index = table["index"].iloc[0]
    counts = pd.Series([data_worth.status(f.name) for f in plan.factors]).value_counts()
    n_points = len(result.X)

    md = ["# Which assumptions matter? A sensitivity study", "",
          f"Method **{plan.method}** ({_design_words(plan, n_points)}); "
          f"{len(plan.factors)} factors ({', '.join(f'{counts.get(s, 0)} {s}' for s in STATUS_ORDER)}), "
          + DOCUMENTED_RANGES
          + (f", screened as {len({f.group or f.name for f in plan.factors})} groups and lone factors "
             f"({len(plan.groups)} groups of like assumptions that move together, from "
             "`calexico/data/sensitivity_groups.toml`)" if plan.groups else "")
          + "; scenario "
          f"`{plan.scenario}`, {plan.days or 'the scenario’s'} measured days per run, {plan.replications} "
          f"replications per point with common seeds (base seed {plan.base_seed}). Every outcome is a paired "
          "impact: a run minus its no-delay counterfactual with the same seed and parameters. "
          f"{n_points * plan.replications} paired runs ({2 * n_points * plan.replications} model runs).", "",
          "Outcomes: " + "; ".join(f"`{h.name}` = {h.label} (impact path `{h.path}`)" for h in plan.outcomes)
          + ".", "",
          _index_words(plan.method), ""]

    md += ["## Seed noise", "",
           "The seed's share of the spread of the replication means (`noise_share`; near 0: the design's "
           "effects dominate, near 1: the indices describe noise) and the noise floor drawn on the "
           "ranking figures.", "",
           _markdown(result.noise.merge(floor, on="outcome", how="left")[
               ["outcome", "replications", "var_between_points", "var_seed_of_mean", "noise_share",
                "noise_floor"]]), ""]
    if plan.replications < 2:
        md += ["**One replication per point: the seed's noise cannot be measured, so there is no floor and "
               "'matters' below only means a non-zero effect. Use `--reps 2` or more.**", ""]

    md += ["## Ranking of factors, per outcome", ""]
    for name in [h.name for h in plan.outcomes]:
        t = table[table["outcome"] == name]
        fig_name = f"ranking_{name}.png"
        _ranking_figure(plt, t, labels.get(name, name), index, figures / fig_name)
        md += [f"### {name}: {labels.get(name, name)}", "", f"![ranking of {name}](figures/{fig_name})", "",
               f"{int(t['matters'].sum())} of {len(t)} factors clearly above the seed-noise floor "
               f"({_fmt(t['noise_floor'].iloc[0])}).", "",
               _markdown(_shown(t.head(15), index)), ""]
        a = t[t["status"] == "assumption"].head(TOP)
        md += [f"Top {len(a)} assumptions for `{name}`:", "",
               _markdown(_shown(a, index)), ""]

    md += ["## Factors that matter, by source status", "",
           "A factor matters for an outcome when its index minus its interval half-width is above the "
           "seed-noise floor. Calibrated parameters vary only over their fit's interval, so they rarely "
           "matter here; that is a statement about the fit, not about the target data behind it.", ""]
    fig_name = "by_status.png"
    _status_figure(plt, sns, table, figures / fig_name)
    md += [f"![factors by status](figures/{fig_name})", ""]
    for s in STATUS_ORDER:
        hits = table[(table["status"] == s) & table["matters"]]
        if hits.empty:
            md += [f"- **{s}**: none of {counts.get(s, 0)} factors.", ""]
            continue
        by_factor = hits.groupby("factor")["outcome"].apply(lambda o: ", ".join(o))
        md += [f"- **{s}** ({len(by_factor)} of {counts.get(s, 0)} factors):", ""]
        md += [f"  - `{f}`: {o}" for f, o in by_factor.items()]
        md += [""]

    md += ["## Data worth collecting", "",
           "The assumptions that rank highest on any outcome, with the parameter's own note and where "
           "the data that would replace the guess might be found (calexico/data/data_worth_collecting.toml).", ""]
    for i, key in enumerate(top_assumptions(table), 1):
        rows = table[table["factor"] == key]
        ranks = ", ".join(f"{r.outcome} #{r.rank}" + ("" if r.matters else " (at noise)") for r in rows.itertuples())
        group = plan.groups.get(key)
        if group is None:
            spec = SPECS[key]
            md += [f"{i}. **`{key}`** = {spec.default} over {_range(key, plan.factors)}; ranks: {ranks}.",
                   f"   - Note: {spec.provenance}"]
            hints = data_worth.hints_for(key)
        else:
            members = group["members"]
            md += [f"{i}. **`{key}`**, a group: {group['label']} ({len(members)} parameters moving together, "
                   f"each over its own range: {', '.join(f'`{m}`' for m in members)}); ranks: {ranks}.",
                   f"   - Why one group: {group['reason']}.",
                   f"   - Note (`{members[0]}`): {SPECS[members[0]].provenance}"]
            hints = list({h["data"]: h for m in members for h in data_worth.hints_for(m)}.values())
        for h in hints:
            md += [f"   - Data: {h['data']}. Where: {h['where']}."]
        if not hints:
            md += ["   - Data: no hint is shipped for this parameter; the note above is all the project has."]
        md += [""]
    path = out / "sensitivity.md"
    runs.atomic_write(path, "\n".join(md).encode())
    return path


def _design_words(plan, n_points) -> str:
    if plan.method == "morris":
        return f"{plan.trajectories} trajectories, {plan.num_levels} levels: {n_points} design points"
    if plan.method == "sobol":
        return f"Saltelli/Sobol base sample {plan.samples}: {n_points} design points"
    return f"one at a time, {plan.points} levels per factor: {n_points} design points"


def _index_words(method: str) -> str:
    if method == "morris":
        return ("Indices (SALib Morris, on replication means): `mu_star`, the mean absolute elementary effect, "
                "in outcome units (about the change across a factor's whole range), ranks the factors; `conf` is "
                "its 95% bootstrap half-width; `sigma` large against `mu_star` marks interactions or "
                "non-linearity. The seed-noise floor is the `mu_star` a factor with no effect would show from "
                "the seed alone (from the spread of each step's change across replications).")
    if method == "sobol":
        return ("Indices (SALib Sobol, on replication means): `ST`, the total-order index (the share of the "
                "outcome's variance that the factor is involved in), ranks the factors; `conf` is its 95% "
                "bootstrap half-width; `S1` is the first-order share. The floor is the seed's noise share.")
    return ("Indices (one at a time from the defaults): `swing`, the range of the paired effects of a factor "
            "over its levels; `conf` is twice the largest standard error of an effect; the floor is twice the "
            "median standard error.")


def _shown(t: pd.DataFrame, index: str) -> pd.DataFrame:
    cols = ["rank", "factor", "status", "score", "conf", *[c for c in ("sigma",) if c in t.columns], "matters"]
    return t[cols].rename(columns={"score": index})


def _ranking_figure(plt, t: pd.DataFrame, label: str, index: str, path: Path):
    t = t.head(SHOWN).iloc[::-1]
    fig, ax = plt.subplots(figsize=(8, 0.32 * len(t) + 1.6))
    y = np.arange(len(t))
    ax.barh(y, t["score"], xerr=t["conf"].fillna(0), color=[PALETTE.get(s, "#999") for s in t["status"]],
            error_kw={"ecolor": "black", "capsize": 2, "lw": 0.8})
    floor = t["noise_floor"].iloc[0] if len(t) else math.nan
    if floor == floor:
        ax.axvline(floor, color="black", ls="--", lw=1, label="seed-noise floor")
    ax.set_yticks(y, t["factor"], fontsize=7)
    ax.set_xlabel(f"{index} ({label})")
    handles = [plt.Rectangle((0, 0), 1, 1, color=PALETTE[s]) for s in STATUS_ORDER]
    extra = ax.get_legend_handles_labels()
    ax.legend(handles + extra[0], [*STATUS_ORDER, *extra[1]], fontsize=7, loc="lower right")
    ax.set_title(f"Top {len(t)} factors: {label}", fontsize=9)
    _save(fig, path)
    plt.close(fig)


def _status_figure(plt, sns, table: pd.DataFrame, path: Path):
    data = table.assign(ratio=table["over_floor"].clip(lower=1e-3))
    data = data[np.isfinite(data["ratio"])]
    fig, ax = plt.subplots(figsize=(8, 0.9 * max(data["outcome"].nunique(), 1) + 1.8))
    if not data.empty:
        sns.stripplot(data=data, x="ratio", y="outcome", hue="status", hue_order=list(STATUS_ORDER),
                      palette=PALETTE, dodge=True, size=4, ax=ax, log_scale=True)
    ax.axvline(1, color="black", ls="--", lw=1)
    if ax.get_legend() is not None:
        sns.move_legend(ax, "upper left", bbox_to_anchor=(1.01, 1), fontsize=8, title="status")
    ax.set_xlabel("index / seed-noise floor (right of the line: above the noise; 1e-3: no effect)")
    ax.set_title("Every factor, by source status", fontsize=9)
    _save(fig, path)
    plt.close(fig)


def _save(fig, path: Path):
    import io

    buffer = io.BytesIO()
    fig.tight_layout()
    fig.savefig(buffer, format="png", dpi=110)
    runs.atomic_write(path, buffer.getvalue())


def _markdown(df: pd.DataFrame) -> str:
    if df.empty:
        return "(none)"
    shown = df.copy()
    for c in shown.columns:
        if shown[c].dtype.kind == "f":
            shown[c] = shown[c].map(_fmt)
        elif shown[c].dtype.kind == "b":
            shown[c] = shown[c].map({True: "yes", False: "no"})
    cols = list(shown.columns)
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    for row in shown.itertuples(index=False):
        lines.append("| " + " | ".join(str(v).replace("|", "\\|") for v in row) + " |")
    return "\n".join(lines)
