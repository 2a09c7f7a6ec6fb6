"""The outcome plots and the headline panel, redrawn from the DataCollector after every day.

Why one figure for the four plots: each figure costs a PNG encode per redraw, and the page has
to redraw within a second of a step. Why the twin in every panel: what delay does is the gap
between this run (solid lines) and the same run with nobody waiting (dashed), so the cost
panel plots that gap itself, the cost of delay so far, component by component.
"""

from functools import partial

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from calexico.formatting import money as format_money
from model.outcomes import COST_COLUMNS


def daily(model):
    """The model's daily table so far: the DataCollector table "daily" (`DAILY_COLUMNS`)."""
    return model.datacollector.get_table_dataframe("daily")


# (column, colour, label, with its no-delay twin dashed)
WAITS = (("commercial_wait_mean_min", "#d62728", "trucks, wait to primary (mean)", False),
         ("commercial_time_in_port_mean_min", "#8c564b", "trucks, time in port (mean)", True),
         ("commercial_wait_p95_min", "#ff9896", "trucks, wait (p95)", False),
         ("pedestrian_wait_mean_min", "#9467bd", "pedestrians, wait (mean)", False))
TRUCKS = (("northbound_trucks", "#ff7f0e", "north, Calexico East", True),
          ("southbound_trucks", "#bcbd22", "south, Calexico East", True),
          ("diverted_otay_mesa", "#d62728", "diverted to Otay Mesa", True),
          ("diverted_san_luis", "#8c564b", "diverted to San Luis", True))
JOBS = (("jobs_total_us", "#1f5fa8", "all jobs, US", True),
        ("jobs_total_mx", "#c0392b", "all jobs, Mexico", True),
        ("jobs_manufacturing_mx", "#e67e22", "plant jobs, Mexico", True),
        ("jobs_agriculture_us", "#2ca02c", "farm jobs, US", True))
DPI = 100


def _series(d, column: str) -> np.ndarray:
    """One plotted series; jobs in thousands."""
    if column.startswith("jobs_"):
        return d[column].to_numpy() / 1000.0
    return d[column].to_numpy()


def component_label(column: str) -> str:
    """"cost_truck_delay_usd" -> "truck delay"."""
    return column.removeprefix("cost_").removesuffix("_usd").replace("_", " ")


class PlotsFigure:
    """Waits, trucks, jobs (this run and its no-delay twin) and the cost of delay so far, built once per run.

    Why built once: making the figure and its axes cost most of a redraw, and drawing the legends
    most of the rest. Each day only sets the lines' data and the limits, draws the panels again
    and pastes the legends' pixels, kept from the first draw, over them.
    """

    def __init__(self, model=None, dpi: int = DPI):
        """Lay out the four panels with empty series; `render` fills them in."""
        self.figure = Figure(figsize=(8.8, 7.6), dpi=dpi)
        self.canvas = FigureCanvasAgg(self.figure)
        (waits, trucks), (jobs, self.costs) = self.figure.subplots(2, 2)
        self.figure.subplots_adjust(left=0.08, right=0.98, bottom=0.16, top=0.93, hspace=0.8, wspace=0.25)
        self.figure.suptitle("solid: this run; dashed: the same run with no delay", fontsize=9, color="#444444")
        self.lines = []
        for ax, series in ((waits, WAITS), (trucks, TRUCKS), (jobs, JOBS)):
            for column, colour, label, twin in series:
                self.lines.append((column, False, ax.plot([], [], color=colour, lw=1.6, label=label)[0]))
                if twin:
                    self.lines.append((column, True, ax.plot([], [], color=colour, lw=1.2, ls="--", alpha=0.8)[0]))
        self.cost_lines = [(column, self.costs.plot([], [], color=f"C{i % 10}", lw=1.3,
                                                    ls="-" if i < 10 else ":", label=component_label(column))[0])
                           for i, column in enumerate(COST_COLUMNS)]
        self.cost_total = self.costs.plot([], [], color="black", lw=2.4, label="total")[0]
        self.costs.axhline(0, color="grey", lw=0.8)
        self.axes = (waits, trucks, jobs, self.costs)
        for ax, title, unit in zip(self.axes, ("Waits and time in port", "Trucks per day",
                                               "Jobs by side", "Cost of delay so far:\nthis run minus no delay"),
                                   ("minutes", "trucks", "thousand jobs", "million USD"), strict=True):
            ax.set_title(title, fontsize=10)
            ax.set_ylabel(unit, fontsize=9)
            ax.set_xlabel("day of the run", fontsize=9)
            ax.tick_params(labelsize=8.5)
            ax.grid(alpha=0.3)
            ax.xaxis.set_major_locator(MaxNLocator(integer=True))
            ax.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.2),
                      ncol=2 if ax is not self.costs else 3, framealpha=0.9, columnspacing=1.0,
                      handlelength=1.8)
        # The legends never change: drawn once, kept as pixels and pasted over each day's panels.
        self.canvas.draw()
        self.legends = [self.canvas.copy_from_bbox(ax.get_legend().get_window_extent().padded(2))
                        for ax in self.axes]
        for ax in self.axes:
            ax.get_legend().set_visible(False)

    def render(self, model) -> FigureCanvasAgg:
        """Draw the days run so far; returns the canvas holding the pixels."""
        d, t = daily(model), daily(model.twin)
        days = np.arange(1, len(d) + 1)
        for column, twin, line in self.lines:
            source = t if twin else d
            line.set_data(days, _series(source, column) if len(source) else [])
        total = np.zeros(len(d))
        for column, line in self.cost_lines:
            gap = (d[column].cumsum().to_numpy() - t[column].cumsum().to_numpy()) / 1e6 if len(d) else []
            line.set_data(days, gap)
            total = total + gap
        self.cost_total.set_data(days, total)
        for ax in self.axes:
            if not len(d):  # no day yet: empty panels, as a new figure shows them
                ax.set_xlim(0, 1, auto=None)
                ax.set_ylim(0, 1, auto=None)
                continue
            ax.relim()
            ax.autoscale_view()
        self.canvas.draw()
        for legend in self.legends:
            self.canvas.restore_region(legend)
        return self.canvas


def headline(model) -> list[tuple[str, str, str, str]]:
    """(quantity, this run, no delay, difference) rows for the run so far against its twin."""
    rows = []
    d, t = daily(model), daily(model.twin)
    if not len(d):
        return rows

    def add(name, a, b, fmt):
        minutes = name.startswith(("Wait", "Time in port"))
        rows.append((name, fmt(a), fmt(b), f"{a - b:+.1f}" if minutes else fmt(a - b)))

    money = partial(format_money, decimals=2)
    count = "{:,.0f}".format
    add("Wait for trucks today (mean, min)", d["commercial_wait_mean_min"].iloc[-1],
        t["commercial_wait_mean_min"].iloc[-1], "{:.1f}".format)
    add("Time in port for trucks today (mean, min)", d["commercial_time_in_port_mean_min"].iloc[-1],
        t["commercial_time_in_port_mean_min"].iloc[-1], "{:.1f}".format)
    add("Wait for pedestrians today (mean, min)", d["pedestrian_wait_mean_min"].iloc[-1],
        t["pedestrian_wait_mean_min"].iloc[-1], "{:.1f}".format)
    add("Trucks through Calexico East so far", d["northbound_trucks"].sum(), t["northbound_trucks"].sum(), count)
    diverted = ["diverted_otay_mesa", "diverted_san_luis"]
    add("Trucks diverted so far", d[diverted].to_numpy().sum(), t[diverted].to_numpy().sum(), count)
    add("Costs so far, USD (difference: the cost of delay)", d["cost_total_usd"].sum(), t["cost_total_usd"].sum(),
        money)
    add("Jobs today, US (total)", d["jobs_total_us"].iloc[-1], t["jobs_total_us"].iloc[-1], count)
    add("Jobs today, MX (total)", d["jobs_total_mx"].iloc[-1], t["jobs_total_mx"].iloc[-1], count)
    return rows
