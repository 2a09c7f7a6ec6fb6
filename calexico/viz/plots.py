"""The outcome plots and the headline panel, redrawn from the DataCollector after every day.

Why one figure for the four plots: each figure costs a PNG encode per redraw, and the page has
to redraw within a second of a step.
"""

import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from model.outcomes import COST_COLUMNS, JOB_COLUMNS


def daily(model):
    """The model's daily table so far (a pandas DataFrame, one row per simulated day).

    The model records it as the DataCollector table "daily" (or, in older versions, as model
    reporters); either way the columns are `model.outcomes.DAILY_COLUMNS`.
    """
    collector = model.datacollector
    if "daily" in getattr(collector, "tables", {}):
        return collector.get_table_dataframe("daily")
    return collector.get_model_vars_dataframe()


def draw_plots(model, dpi: int = 72) -> Figure:
    """Waits, trucks, jobs and cumulative costs, one panel each, over the days run so far."""
    fig = Figure(figsize=(12, 6.2), dpi=dpi)
    axes = fig.subplots(2, 2)
    fig.subplots_adjust(left=0.07, right=0.8, bottom=0.08, top=0.94, hspace=0.35, wspace=0.22)
    (waits, trucks), (jobs, costs) = axes
    d = daily(model)
    days = np.arange(1, len(d) + 1)
    if len(d):
        ped_p95 = d[["east_pedestrian_wait_p95_min", "west_pedestrian_wait_p95_min"]].max(axis=1)
        waits.plot(days, d["commercial_wait_mean_min"], color="#d62728", label="trucks mean")
        waits.plot(days, d["commercial_wait_p95_min"], color="#d62728", ls=":", label="trucks p95")
        waits.plot(days, d["pedestrian_wait_mean_min"], color="#9467bd", label="pedestrians mean")
        waits.plot(days, ped_p95, color="#9467bd", ls=":", label="pedestrians p95")
        trucks.plot(days, d["northbound_trucks"], color="#ff7f0e", label="through Calexico East (north)")
        trucks.plot(days, d["southbound_trucks"], color="#bcbd22", label="southbound")
        trucks.plot(days, d["diverted_otay_mesa"], color="#d62728", ls="--", label="diverted to Otay Mesa")
        trucks.plot(days, d["diverted_san_luis"], color="#8c564b", ls="--", label="diverted to San Luis")
        for column in JOB_COLUMNS:
            side = column.rsplit("_", 1)[1]
            jobs.plot(days, d[column] / 1000.0, ls="-" if side == "us" else "--",
                      label=column.removeprefix("jobs_").replace("_", " ").replace(" us", " (US)")
                      .replace(" mx", " (MX)"))
        cumulative = np.vstack([d[c].cumsum().to_numpy() / 1e6 for c in COST_COLUMNS])
        costs.stackplot(days, cumulative, labels=[c.removeprefix("cost_").removesuffix("_usd").replace("_", " ")
                                                  for c in COST_COLUMNS], alpha=0.85)
    for ax, title, unit in ((waits, "Waits", "minutes"), (trucks, "Trucks per day", "trucks"),
                            (jobs, "Direct jobs by kind and side", "thousand jobs"),
                            (costs, "Cumulative cost of delay by component", "million USD")):
        ax.set_title(title, fontsize=10)
        ax.set_ylabel(unit, fontsize=8)
        ax.set_xlabel("day of the run", fontsize=8)
        ax.tick_params(labelsize=7)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        if ax.lines or ax.collections:
            ax.legend(fontsize=6.5, loc="upper left", bbox_to_anchor=(1.0, 1.0) if ax in (trucks, costs) else None,
                      framealpha=0.8)
    return fig


def headline(model) -> list[tuple[str, str, str, str]]:
    """(quantity, this run, no delay, difference) rows for the run so far against its twin."""
    rows = []
    d, t = daily(model), daily(model.twin)
    if not len(d):
        return rows

    def add(name, a, b, fmt):
        rows.append((name, fmt(a), fmt(b), fmt(a - b) if not name.startswith("Wait") else f"{a - b:+.1f}"))

    money = _money
    count = "{:,.0f}".format
    add("Wait for trucks today (mean, min)", d["commercial_wait_mean_min"].iloc[-1],
        t["commercial_wait_mean_min"].iloc[-1], "{:.1f}".format)
    add("Wait for pedestrians today (mean, min)", d["pedestrian_wait_mean_min"].iloc[-1],
        t["pedestrian_wait_mean_min"].iloc[-1], "{:.1f}".format)
    add("Trucks through Calexico East so far", d["northbound_trucks"].sum(), t["northbound_trucks"].sum(), count)
    diverted = ["diverted_otay_mesa", "diverted_san_luis"]
    add("Trucks diverted so far", d[diverted].to_numpy().sum(), t[diverted].to_numpy().sum(), count)
    add("Cost of delay so far (USD)", d["cost_total_usd"].sum(), t["cost_total_usd"].sum(), money)
    add("Jobs today, US (total)", d["jobs_total_us"].iloc[-1], t["jobs_total_us"].iloc[-1], count)
    add("Jobs today, MX (total)", d["jobs_total_mx"].iloc[-1], t["jobs_total_mx"].iloc[-1], count)
    return rows


def _money(x: float) -> str:
    sign = "-" if x < 0 else ""
    x = abs(x)
    for unit, size in (("B", 1e9), ("M", 1e6), ("k", 1e3)):
        if x >= size:
            return f"{sign}${x / size:,.2f}{unit}"
    return f"{sign}${x:,.0f}"
