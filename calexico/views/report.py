"""A Markdown report of a batch: what ran, key outcomes by scenario, and figures.

Why Markdown and PNG: they read on GitHub, in a notebook and in any editor, and a researcher
can paste them into a brief; the tables come from `results.load`, so the report and a
notebook never disagree.
"""

from pathlib import Path

import pandas as pd

from calexico.running import results
from model.parameters import ParameterError

LABELS = {"costs_usd.total": "Total cost of the run (USD)", "jobs.total_us": "Total jobs, US (mean)",
          "jobs.total_mx": "Total jobs, Mexico (mean)", "mean_commercial_wait_min": "Mean commercial wait (min)"}


def write_report(folder) -> Path:
    """Write `report.md` and `figures/*.png` into the batch folder; return the report's path."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import seaborn as sns

    folder = Path(folder)
    table = results.load(folder)
    manifest = results.load_manifest(folder)
    ok = table[table["status"] == "ok"]
    if ok.empty:
        raise ParameterError(str(folder), "runs", f"{len(table)} runs, none ok",
                             "a batch with at least one successful run (see `calexico results`)")
    if not any(c in ok.columns for c in results.KEY_OUTCOMES):
        raise ParameterError(str(folder / "runs"), "summary", "(none of the key outcomes)",
                             f"run summaries holding {', '.join(results.KEY_OUTCOMES)} "
                             "(as `calexico batch` writes them)")
    params = table.attrs["parameters"]
    varied = [p for p in params if table[p].nunique() > 1]
    figures = folder / "figures"
    figures.mkdir(exist_ok=True)
    sns.set_theme(style="whitegrid")

    md = [f"# Batch report: {folder.name}", ""]
    spec = manifest.get("spec", {})
    if spec.get("description"):
        md += [spec["description"], ""]
    md += [f"- Runs: {len(table)} ({(table['status'] == 'ok').sum()} ok, {(table['status'] != 'ok').sum()} failed)",
           f"- Scenarios: {', '.join(dict.fromkeys(table['scenario']))}",
           f"- Replications per point: {table.groupby(['scenario', 'point']).size().max()}",
           f"- Varied parameters: {', '.join(varied) or 'none'}",
           f"- Code version: {manifest.get('code_version', 'unknown')}", ""]
    md += ["## Key outcomes by scenario (mean, with standard deviation over runs)", "",
           _markdown(_by_scenario(ok)), ""]
    for column, label in LABELS.items():
        if column not in ok.columns or ok[column].isna().all():
            continue
        fig, ax = plt.subplots(figsize=(7, 0.6 * ok["scenario"].nunique() + 1.5))
        sns.boxplot(data=ok, x=column, y="scenario", ax=ax, color="lightsteelblue")
        sns.stripplot(data=ok, x=column, y="scenario", ax=ax, color="k", size=3)
        ax.set_xlabel(label)
        name = f"{column.replace('.', '_')}.png"
        _save(fig, figures / name)
        plt.close(fig)
        md += [f"![{label}](figures/{name})", ""]
    for p in varied:
        fig, ax = plt.subplots(figsize=(6, 4))
        sns.scatterplot(data=ok, x=p, y="costs_usd.total", hue="scenario", ax=ax)
        name = f"design_{p.replace('.', '_')}.png"
        _save(fig, figures / name)
        plt.close(fig)
        md += [f"### Total cost against {p}", "", f"![{p}](figures/{name})", ""]
    failed = table[table["status"] != "ok"]
    if len(failed):
        md += ["## Failed runs", "", _markdown(failed[["run", "scenario", "seed", "error"]].set_index("run")), ""]
    path = folder / "report.md"
    path.write_text("\n".join(md))
    return path


def _by_scenario(ok: pd.DataFrame) -> pd.DataFrame:
    keys = [c for c in results.KEY_OUTCOMES if c in ok.columns]
    stats = ok.groupby("scenario", sort=False)[keys].agg(["mean", "std"])
    return pd.DataFrame({k: [f"{m:,.1f} ± {s:,.1f}" if pd.notna(s) else f"{m:,.1f}"
                             for m, s in zip(stats[(k, "mean")], stats[(k, "std")], strict=True)]
                         for k in keys}, index=stats.index)


def _markdown(df: pd.DataFrame) -> str:
    """A pipe table without the optional `tabulate` dependency."""
    df = df.reset_index()
    head = "| " + " | ".join(map(str, df.columns)) + " |"
    rule = "|" + "---|" * len(df.columns)
    rows = ["| " + " | ".join(str(v).replace("|", "/").replace("\n", " ") for v in row) + " |"
            for row in df.itertuples(index=False)]
    return "\n".join([head, rule, *rows])


def _save(fig, path: Path):
    fig.tight_layout()
    tmp = path.with_name(f".{path.stem}.tmp.png")
    fig.savefig(tmp, dpi=110)
    tmp.replace(path)
