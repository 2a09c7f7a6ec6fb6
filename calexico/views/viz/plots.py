"""The outcome plots and the headline panel, redrawn from the DataCollector after every day.

Why one figure for the four plots: each figure costs a PNG encode per redraw, and the page has
to redraw within a second of a step.
"""

from functools import partial

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import PolyCollection
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from calexico.formatting import money as format_money
from model.outcomes import COST_COLUMNS, JOB_COLUMNS


def daily(model):
    """The model's daily table so far: the DataCollector table "daily" (`DAILY_COLUMNS`)."""
    return model.datacollector.get_table_dataframe("daily")


WAITS = (("commercial_wait_mean_min", "#d62728", "-", "trucks mean"),
         ("commercial_time_in_port_mean_min", "#8c564b", "-", "trucks time in port"),
         ("commercial_wait_p95_min", "#d62728", ":", "trucks p95"),
         ("pedestrian_wait_mean_min", "#9467bd", "-", "pedestrians mean"),
         ("pedestrian_wait_p95_min", "#9467bd", ":", "pedestrians p95"))
TRUCKS = (("northbound_trucks", "#ff7f0e", "-", "through Calexico East (north)"),
          ("southbound_trucks", "#bcbd22", "-", "southbound"),
          ("diverted_otay_mesa", "#d62728", "--", "diverted to Otay Mesa"),
          ("diverted_san_luis", "#8c564b", "--", "diverted to San Luis"))


def _series(d, column: str) -> np.ndarray:
    """One plotted series; pedestrians' p95 is the worse of the two pedestrian crossings."""
    if column == "pedestrian_wait_p95_min":
        return d[["east_pedestrian_wait_p95_min", "west_pedestrian_wait_p95_min"]].max(axis=1).to_numpy()
    if column in JOB_COLUMNS:
        return d[column].to_numpy() / 1000.0
    return d[column].to_numpy()


class PlotsFigure:
    """Waits, trucks, jobs and cumulative costs, one panel each, built once per run.

    Why built once: making the figure and its axes cost most of a redraw, and drawing the legends
    most of the rest. Each day only sets the lines' data, the stacked areas' outlines and the
    limits, draws the panels again and pastes the legends' pixels, kept from the first draw, over them.
    """

    def __init__(self, model=None, dpi: int = 72):
        """Lay out the four panels with empty series; `render` fills them in."""
        self.figure = Figure(figsize=(12, 6.2), dpi=dpi)
        self.canvas = FigureCanvasAgg(self.figure)
        (waits, trucks), (jobs, self.costs) = self.figure.subplots(2, 2)
        self.figure.subplots_adjust(left=0.07, right=0.8, bottom=0.08, top=0.94, hspace=0.35, wspace=0.22)
        self.lines = []
        for ax, series in ((waits, WAITS), (trucks, TRUCKS)):
            for column, colour, style, label in series:
                self.lines.append((column, ax.plot([], [], color=colour, ls=style, label=label)[0]))
        for column in JOB_COLUMNS:
            side = column.rsplit("_", 1)[1]
            label = column.removeprefix("jobs_").replace("_", " ").replace(" us", " (US)").replace(" mx", " (MX)")
            self.lines.append((column, jobs.plot([], [], ls="-" if side == "us" else "--", label=label)[0]))
        self.layers = []
        for i, column in enumerate(COST_COLUMNS):
            label = column.removeprefix("cost_").removesuffix("_usd").replace("_", " ")
            layer = PolyCollection([], facecolors=f"C{i}", alpha=0.85, label=label)
            self.costs.add_collection(layer, autolim=False)
            self.layers.append(layer)
        self.layers[0].sticky_edges.y[:] = [0]  # the stack starts at zero, as in Axes.stackplot
        self.axes = (waits, trucks, jobs, self.costs)
        for ax, title, unit in zip(self.axes, ("Waits", "Trucks per day", "Direct jobs by kind and side",
                                               "Cumulative cost of delay by component"),
                                   ("minutes", "trucks", "thousand jobs", "million USD"), strict=True):
            ax.set_title(title, fontsize=10)
            ax.set_ylabel(unit, fontsize=8)
            ax.set_xlabel("day of the run", fontsize=8)
            ax.tick_params(labelsize=7)
            ax.xaxis.set_major_locator(MaxNLocator(integer=True))
            ax.legend(fontsize=6.5, loc="upper left", bbox_to_anchor=(1.0, 1.0) if ax in (trucks, self.costs)
                      else None, framealpha=0.8)
        # The legends never change: drawn once, kept as pixels and pasted over each day's panels.
        self.canvas.draw()
        self.legends = [self.canvas.copy_from_bbox(ax.get_legend().get_window_extent().padded(2))
                        for ax in self.axes]
        for ax in self.axes:
            ax.get_legend().set_visible(False)

    def render(self, model) -> FigureCanvasAgg:
        """Draw the days run so far; returns the canvas holding the pixels."""
        d = daily(model)
        days = np.arange(1, len(d) + 1)
        for column, line in self.lines:
            line.set_data(days, _series(d, column) if len(d) else [])
        top = np.zeros(len(d))
        for column, layer in zip(COST_COLUMNS, self.layers, strict=True):
            bottom, top = top, top + (d[column].cumsum().to_numpy() / 1e6 if len(d) else 0.0)
            layer.set_verts([np.column_stack([np.r_[days, days[::-1]], np.r_[top, bottom[::-1]]])])
        self.costs.dataLim.set_points(np.array([[1.0, 0.0], [max(len(d), 1), top.max(initial=0.0)]]))
        for ax in self.axes:
            if not len(d):  # no day yet: empty panels, as a new figure shows them
                ax.set_xlim(0, 1, auto=None)
                ax.set_ylim(0, 1, auto=None)
                continue
            if ax is not self.costs:
                ax.relim()
            ax.autoscale_view()
        self.canvas.draw()
        for legend in self.legends if len(d) else ():
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
    add("Cost of delay so far (USD)", d["cost_total_usd"].sum(), t["cost_total_usd"].sum(), money)
    add("Jobs today, US (total)", d["jobs_total_us"].iloc[-1], t["jobs_total_us"].iloc[-1], count)
    add("Jobs today, MX (total)", d["jobs_total_mx"].iloc[-1], t["jobs_total_mx"].iloc[-1], count)
    return rows
