"""The one-page impact report: `report.html` (self-contained) and its figure `report.png` / `report.pdf`.

Why one page: a policy researcher hands on what delay costs, what output, value added and jobs it
takes on each side, with intervals, and under which assumptions; Parquet and JSON do not travel.
Why self-contained: the page embeds its figure as a data URI and uses no script, font or style
from elsewhere, so it opens the same offline, behind a firewall, or attached to an e-mail.

One sign convention throughout: a loss is positive and called "lost" (output lost, value added
lost, jobs lost); the cost of delay is positive when delay costs money. Every section is built
from the keys the results have (the cost components present, the sides, sectors and effects),
so a component or an outcome added to the model appears here without a change to this file.
"""

import base64
import dataclasses
import datetime as dt
import html
import io
import math
from pathlib import Path

import numpy as np

from calexico.running import window as windows

SIDES = {"us": "United States (Imperial County)", "mx": "Mexico (Mexicali)"}
SIDE_SHORT = {"us": "US", "mx": "Mexico"}
SIDE_COLOURS = {"us": "#1f5fa8", "mx": "#c0392b"}
EFFECTS = ("direct", "indirect", "induced")
# Report sections: key -> (title, unit). Each holds {"sub.key": Stat} in the "lost" convention.
SECTIONS = {
    "cost": ("Cost of delay by component", "usd"),
    "output_lost": ("Output lost by sector and side", "usd"),
    "value_added_lost": ("Value added lost by side and effect", "usd"),
    "jobs_lost": ("Jobs lost by side and effect (input-output)", "jobs"),
    "jobs_lost_by_sector": ("Jobs lost by side and sector (input-output, total effect)", "jobs"),
}
# Where each section comes from. An impact against no delay is already "scenario minus
# counterfactual" with losses positive except jobs (a change); a difference of two summaries
# (a comparison, a batch) is "scenario minus base", so output, value added and jobs turn sign.
FROM_IMPACT = (("costs_usd.", "cost", 1.0), ("output_lost_usd.", "output_lost", 1.0),
               ("value_added_lost_usd.", "value_added_lost", 1.0), ("jobs.", "jobs_lost", -1.0),
               ("jobs_by_sector.", "jobs_lost_by_sector", -1.0))
FROM_DIFFERENCE = (("costs_usd.", "cost", 1.0), ("output_usd.", "output_lost", -1.0),
                   ("value_added_usd.", "value_added_lost", -1.0), ("io_jobs.", "jobs_lost", -1.0),
                   ("io_jobs_by_sector.", "jobs_lost_by_sector", -1.0))
# Other outcomes a comparison shows as plain changes (scenario minus base).
OTHER_DIFFERENCES = ("northbound_trucks", "diverted_trucks.", "trade_value_usd.", "visitor_spending_usd",
                     "pedestrians.", "passenger_vehicles.")
LABELS = {"truck_delay": "Trucks' time in line", "detour": "Detours via other ports",
          "outside_carriers": "Outside carriers' premium", "spoilage": "Produce spoiled",
          "crops_unharvested": "Crops left unharvested", "inventory": "Plants' extra inventory",
          "held_loads": "Loads held back", "stock_in_line": "Goods' value tied up in line",
          "stoppage": "Plant stoppages", "commuter_time": "Commuters' time in line",
          "lost_wages": "Commuters' lost wages", "visitor_time": "Visitors' time in line",
          "southbound_time": "Going home: time at Mexico's customs",
          "port_switch": "People's trips to the other port",
          "retail_services": "retail and services", "total": "total"}


@dataclasses.dataclass(frozen=True)
class Stat:
    """A mean with its 95% interval (bounds None when there is none)."""

    mean: float
    low: float | None = None
    high: float | None = None

    def flipped(self) -> "Stat":
        """The same quantity with its sign turned (a change into a loss)."""
        return Stat(-self.mean, None if self.high is None else -self.high, None if self.low is None else -self.low)


@dataclasses.dataclass
class Impact:
    """What one page shows: a scenario against its counterfactual, in the "lost" convention."""

    scenario: str
    counterfactual: str
    sections: dict  # section -> {"sub.key": Stat}
    other: dict  # "key": Stat, plain changes (scenario minus counterfactual)
    window: windows.Window | None
    replications: int
    seeds: list
    description: str = ""
    code_version: str = "unknown"
    caveats: list = dataclasses.field(default_factory=list)

    def headline(self) -> list[tuple[str, str, Stat, str]]:
        """(key, label, value, unit) of the headline numbers: the cost of delay, and each side's
        output, value added and jobs lost (totals).
        """
        over = self.window.over if self.window else "over the run"
        rows = []
        if "total" in self.sections.get("cost", {}):
            rows.append(("cost.total", f"Cost of delay {over}", self.sections["cost"]["total"], "usd"))
        for side in _sides(self.sections):
            for section, label, unit in (("output_lost", "Output lost", "usd"),
                                         ("value_added_lost", "Value added lost", "usd"),
                                         ("jobs_lost", "Jobs lost (yearly rate)", "jobs")):
                stat = self.sections.get(section, {}).get(f"{side}.total")
                if stat is not None:
                    rows.append((f"{section}.{side}.total", f"{label}, {SIDE_SHORT.get(side, side)}", stat, unit))
        return rows


def _sides(sections: dict) -> list[str]:
    return list(dict.fromkeys(k.split(".")[0] for name in ("output_lost", "value_added_lost", "jobs_lost")
                              for k in sections.get(name, {}) if "." in k))


def label(key: str) -> str:
    """A plain label for a summary key's last part: "truck_delay" -> "Trucks' time in line"."""
    text = LABELS.get(key, key.replace("_usd", "").replace("_", " "))
    return text[0].upper() + text[1:] if text else text


def usd_m(x: float | None) -> str:
    """Dollars in millions: $12.3M, $0.41M, -$1.2M (two decimals under a million)."""
    if x is None or not math.isfinite(x):
        return "n/a"
    m = x / 1e6
    digits = 1 if abs(m) >= 1 else 2 if abs(m) >= 0.01 else 3
    if round(m, digits) == 0:
        return "$0M"
    return f"{'-' if m < 0 else ''}${abs(m):,.{digits}f}M"


def jobs(x: float | None) -> str:
    """Jobs as a whole number."""
    return "n/a" if x is None or not math.isfinite(x) else f"{round(x) + 0:,.0f}"


def fmt(stat: Stat, unit: str) -> str:
    """A value in its unit ($M, jobs, minutes, count)."""
    f = {"usd": usd_m, "jobs": jobs, "min": lambda v: f"{v:,.1f} min"}.get(unit, lambda v: f"{v:,.0f}")
    return f(stat.mean)


def fmt_interval(stat: Stat, unit: str) -> str:
    """The 95% interval in brackets, or a dash without one."""
    if stat.low is None or stat.high is None:
        return "–"
    f = {"usd": usd_m, "jobs": jobs, "min": lambda v: f"{v:,.1f}"}.get(unit, lambda v: f"{v:,.0f}")
    return f"[{f(stat.low)}, {f(stat.high)}]"


def _unit_of(key: str) -> str:
    if key.endswith("_min") or "_min." in key:
        return "min"
    return "usd" if "_usd" in key else "count"


# --------------------------------------------------------------------------- building a page
def _stat(value) -> Stat:
    if isinstance(value, dict):
        return Stat(float(value["mean"]), value.get("ci95_low"), value.get("ci95_high"))
    return Stat(float(value))


def _flat(tree: dict, prefix: str = "") -> dict:
    """{"a": {"b": {"mean": ..}}} -> {"a.b": {"mean": ..}} (stops at a mean/interval leaf)."""
    out = {}
    for key, value in tree.items():
        if isinstance(value, dict) and "mean" not in value:
            out.update(_flat(value, f"{prefix}{key}."))
        else:
            out[f"{prefix}{key}"] = value
    return out


def _sectioned(flat: dict, mapping) -> tuple[dict, dict]:
    """Split flat {key: Stat} into the report's sections (signs turned where the mapping says) and the rest."""
    sections, rest = {}, {}
    for key, stat in flat.items():
        for prefix, section, sign in mapping:
            if key.startswith(prefix):
                sections.setdefault(section, {})[key.removeprefix(prefix)] = stat if sign > 0 else stat.flipped()
                break
        else:
            rest[key] = stat
    for section in ("output_lost",):  # a side's total, when the results give only sectors
        for side in {k.split(".")[0] for k in sections.get(section, {})}:
            items = sections[section]
            if f"{side}.total" not in items:
                items[f"{side}.total"] = Stat(sum(s.mean for k, s in items.items() if k.startswith(side + ".")))
    return sections, rest


def from_run(summary: dict, window: windows.Window | None = None, events=(), description: str = "",
             code_version: str = "unknown") -> Impact:
    """The page of `calexico run`: the summary's `impact_vs_no_delay` (scenario minus its no-delay twin)."""
    impact = summary["impact_vs_no_delay"]
    stats = {k: _stat(v) for k, v in _flat({k: v for k, v in impact.items()
                                             if k not in ("counterfactual", "replications", "seeds")}).items()}
    sections, other = _sectioned(stats, FROM_IMPACT)
    window = window or _window_of_summary(summary)
    return Impact(summary["scenario"], impact["counterfactual"], sections, other, window, impact["replications"],
                  impact["seeds"], description, code_version,
                  windows.caveats(window, events, impact["replications"]) if window else [])


def _window_of_summary(summary: dict, warmup_days: int | None = None) -> windows.Window | None:
    days = summary.get("days")
    if not isinstance(summary.get("first_day"), str) or not isinstance(days, int | float) or days != days:
        return None  # a record without its window (a study's own measure): no window, no caveats
    from model.parameters import SPECS

    warm = SPECS["simulation.warmup_days"].default if warmup_days is None else warmup_days
    return windows.Window(dt.date.fromisoformat(str(summary["first_day"])[:10]), int(summary["days"]), int(warm))


def paired(table, scenario: str, base: str) -> dict:
    """Scenario minus base, seed by seed, for every numeric outcome of a batch table: {key: Stat}."""
    from calexico.running.impact import interval

    ok = table[table["status"] == "ok"]
    a = ok[ok["scenario"] == scenario].set_index("seed")
    b = ok[ok["scenario"] == base].set_index("seed")
    seeds = a.index.intersection(b.index)
    out = {}
    for column in table.attrs.get("outcomes", []):
        if column not in a.columns or column.startswith("impact_vs_no_delay."):
            continue
        try:
            d = (a.loc[seeds, column].astype(float) - b.loc[seeds, column].astype(float)).to_numpy()
        except (TypeError, ValueError):  # text columns (dates)
            continue
        if len(d) and np.isfinite(d).all():
            i = interval(d)
            out[column] = Stat(i["mean"], i["ci95_low"], i["ci95_high"])
    return out


def from_comparison(table, scenario: str, base: str, window=None, events=(), description: str = "",
                    code_version: str = "unknown") -> Impact:
    """The page of `calexico compare` (or a batch without no-delay twins): scenario minus base, same seeds."""
    diffs = paired(table, scenario, base)
    sections, rest = _sectioned(diffs, FROM_DIFFERENCE)
    other = {k: v for k, v in rest.items()
             if k.startswith(OTHER_DIFFERENCES) or k.endswith("_min") and k.startswith(("mean_", "p95_"))}
    ok = table[(table["status"] == "ok") & (table["scenario"] == scenario)]
    seeds = sorted(set(ok["seed"]) & set(table[(table["status"] == "ok") & (table["scenario"] == base)]["seed"]))
    if window is None and len(ok):
        window = _window_of_summary(ok.iloc[0].to_dict())
    return Impact(scenario, f"the scenario {base!r}, with the same seeds (common random numbers)", sections, other,
                  window, len(seeds), [int(s) for s in seeds], description, code_version,
                  windows.caveats(window, events, len(seeds)) if window else [])


def from_paired_batch(table, scenario: str, window=None, events=(), description: str = "",
                      code_version: str = "unknown") -> Impact:
    """A batch scenario whose runs carry their no-delay twin (spec `paired = true`): the mean and
    95% interval of the per-seed impacts.
    """
    from calexico.running.impact import COUNTERFACTUAL, interval

    ok = table[(table["status"] == "ok") & (table["scenario"] == scenario)]
    prefix = "impact_vs_no_delay."
    stats = {}
    for column in table.attrs.get("outcomes", []):
        if column.startswith(prefix) and column in ok.columns:
            try:
                values = ok[column].astype(float).to_numpy()
            except (TypeError, ValueError):
                continue
            if len(values) and np.isfinite(values).all():
                i = interval(values)
                stats[column.removeprefix(prefix)] = Stat(i["mean"], i["ci95_low"], i["ci95_high"])
    sections, other = _sectioned(stats, FROM_IMPACT)
    if window is None and len(ok):
        window = _window_of_summary(ok.iloc[0].to_dict())
    seeds = sorted(int(s) for s in ok["seed"])
    return Impact(scenario, COUNTERFACTUAL, sections, other, window, len(seeds), seeds, description, code_version,
                  windows.caveats(window, events, len(seeds)) if window else [])


# ------------------------------------------------------------------------------ the figure
def figure(impact: Impact, dpi: int = 150):
    """The one-figure summary: cost of delay by component, output lost by sector and side, value added
    and jobs lost by side and effect, each bar with its 95% interval.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    over = impact.window.over if impact.window else "over the run"
    panels = [p for p in (("cost", f"Cost of delay by component, {over} ($M)"),
                          ("output_lost", f"Output lost by sector, {over} ($M)"),
                          ("value_added_lost", f"Value added lost by effect, {over} ($M)"),
                          ("jobs_lost", "Jobs lost by effect (yearly rate)"))
              if impact.sections.get(p[0])]
    fig = Figure(figsize=(12, 8.2), dpi=dpi, layout="constrained")
    FigureCanvasAgg(fig)
    axes = fig.subplots(2, 2).ravel()
    for ax, (section, title) in zip(axes, panels, strict=False):
        items = impact.sections[section]
        scale = 1e6 if SECTIONS[section][1] == "usd" else 1.0
        if section == "cost":
            keys = [k for k in items if k != "total"]
            _bars(ax, [label(k) for k in keys], {"": [items[k] for k in keys]}, scale, {"": "#555555"})
            total = items.get("total")
            if total is not None:
                title += f"\ntotal {usd_m(total.mean)} {fmt_interval(total, 'usd')}"
        else:
            sides = [s for s in SIDES if any(k.startswith(s + ".") for k in items)] or _sides({section: items})
            subs = list(dict.fromkeys(k.split(".", 1)[1] for k in items if "." in k))
            if section != "output_lost":
                subs = [s for s in subs if s != "total"] + (["total"] if "total" in subs else [])
            else:
                subs = [s for s in subs if s != "total"]
            _bars(ax, [label(s) for s in subs],
                  {SIDE_SHORT.get(side, side): [items.get(f"{side}.{s}", Stat(math.nan)) for s in subs]
                   for side in sides}, scale, {SIDE_SHORT.get(s, s): SIDE_COLOURS.get(s, "grey") for s in sides})
        ax.set_title(title, fontsize=10, loc="left")
    for ax in axes[len(panels):]:
        ax.set_visible(False)
    window = f"{impact.window}" if impact.window else ""
    fig.suptitle(f"{impact.scenario} against {_short(impact.counterfactual)}: what it costs\n"
                 f"{window}; mean of {impact.replications} paired replication"
                 f"{'s' if impact.replications != 1 else ''}, bars show 95% intervals; losses are positive",
                 fontsize=11)
    return fig


def _short(counterfactual: str) -> str:
    """"no_delay: ..." -> "a port with no waiting"; "the scenario 'baseline', with ..." -> "baseline"."""
    if counterfactual.startswith("no_delay"):
        return "a port with no waiting"
    return counterfactual.split(",")[0].removeprefix("the scenario ").strip("'")


def _bars(ax, names, groups: dict, scale: float, colours: dict):
    """Horizontal bars, one group per side, with interval whiskers where there are intervals."""
    y = np.arange(len(names))
    height = 0.8 / max(len(groups), 1)
    for g, (group, stats) in enumerate(groups.items()):
        offset = (g - (len(groups) - 1) / 2) * height
        means = np.array([s.mean / scale for s in stats])
        low = np.array([(s.mean - s.low) / scale if s.low is not None else 0.0 for s in stats])
        high = np.array([(s.high - s.mean) / scale if s.high is not None else 0.0 for s in stats])
        ax.barh(y + offset, means, height=height * 0.92, color=colours[group], alpha=0.85, label=group or None,
                xerr=[np.maximum(low, 0), np.maximum(high, 0)], error_kw={"capsize": 2, "lw": 0.8})
    ax.set_yticks(y, names, fontsize=8.5)
    ax.invert_yaxis()
    ax.axvline(0, color="black", lw=0.8)
    ax.tick_params(axis="x", labelsize=8)
    ax.grid(axis="x", alpha=0.3)
    if len(groups) > 1:
        ax.legend(fontsize=8, loc="best", framealpha=0.9)


def figure_bytes(impact: Impact, kind: str = "png") -> bytes:
    """The figure encoded as PNG or PDF."""
    fig = figure(impact)
    buffer = io.BytesIO()
    fig.savefig(buffer, format=kind, metadata={"Software": None} if kind == "png" else {"Creator": None})
    return buffer.getvalue()


# -------------------------------------------------------------------------------- the page
STYLE = """body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;max-width:1100px;
margin:24px auto;padding:0 16px;color:#222;line-height:1.4}h1{font-size:22px;margin-bottom:4px}
h2{font-size:17px;margin-top:26px;border-bottom:1px solid #ccc}table{border-collapse:collapse;margin:8px 0}
td,th{padding:3px 10px;border-bottom:1px solid #eee;text-align:right}td:first-child,th:first-child{text-align:left}
.headline td{font-size:16px}.headline td.value{font-weight:600}.meta td{text-align:left;font-size:13px}
.caveats li{margin-bottom:4px}.note{color:#555;font-size:13px}img{max-width:100%}"""


def _table(rows, head) -> str:
    cells = "".join("<tr>" + "".join(f"<td{a}>{c}</td>" for c, a in row) + "</tr>" for row in rows)
    return f"<table><tr>{''.join(f'<th>{h}</th>' for h in head)}</tr>{cells}</table>"


def _section_table(impact: Impact, section: str) -> str:
    items = impact.sections[section]
    unit = SECTIONS[section][1]
    rows = []
    for key, stat in items.items():
        side, _, sub = key.rpartition(".")
        name = label(sub) if not side else f"{SIDE_SHORT.get(side, side)}: {label(sub)}"
        rows.append([(html.escape(name), ""), (fmt(stat, unit), f" data-key='{section}.{key}'"),
                     (fmt_interval(stat, unit), "")])
    return _table(rows, ["", "mean", "95% interval"])


def page_body(impact: Impact, figure_png: bytes, level: int = 2) -> str:
    """One impact's part of a page: headline, figure, tables, other changes, caveats."""
    h = f"h{level}"
    over = impact.window.over if impact.window else "over the run"
    parts = []
    if impact.description:
        parts.append(f"<p>{html.escape(impact.description)}</p>")
    rows = [[(html.escape(name), ""),
             (fmt(stat, unit), f" class='value' data-key='{key}' data-mean='{stat.mean!r}'"),
             (fmt_interval(stat, unit), "")] for key, name, stat, unit in impact.headline()]
    parts.append(f"<{h}>Headline: {html.escape(impact.scenario)} against {html.escape(_short(impact.counterfactual))}"
                 f"</{h}>")
    parts.append(_table(rows, ["", "mean", "95% interval"]).replace("<table>", "<table class='headline'>", 1))
    if impact.caveats:
        parts.append(f"<{h}>Caveats</{h}><ul class='caveats'>"
                     + "".join(f"<li>{html.escape(c)}</li>" for c in impact.caveats) + "</ul>")
    encoded = base64.b64encode(figure_png).decode()
    parts.append(f"<img alt='Cost of delay by component; output, value added and jobs lost by side' "
                 f"src='data:image/png;base64,{encoded}'>")
    for section, (title, _unit) in SECTIONS.items():
        if impact.sections.get(section):
            money = " ($M)" if SECTIONS[section][1] == "usd" else ""
            parts.append(f"<{h}>{title}{money}, {html.escape(over)}</{h}>" + _section_table(impact, section))
    if impact.other:
        rows = [[(html.escape(k), ""), (fmt(s, _unit_of(k)), f" data-key='other.{k}'"),
                 (fmt_interval(s, _unit_of(k)), "")] for k, s in impact.other.items()]
        parts.append(f"<{h}>Other changes (scenario minus counterfactual; not losses)</{h}>"
                     + _table(rows, ["summary key", "change", "95% interval"]))
    return "\n".join(parts)


def page(title: str, meta: list[tuple[str, str]], bodies: list[str], note: str = "") -> str:
    """The whole self-contained page."""
    meta_rows = "".join(f"<tr><td><b>{html.escape(k)}</b></td><td>{html.escape(v)}</td></tr>" for k, v in meta)
    return ("<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'>"
            f"<title>{html.escape(title)}</title><style>{STYLE}</style></head><body>"
            f"<h1>{html.escape(title)}</h1><table class='meta'>{meta_rows}</table>"
            + (f"<p class='note'>{html.escape(note)}</p>" if note else "")
            + "\n".join(bodies) + "</body></html>\n")


CONVENTION = ("Sign convention: a loss is positive and called \"lost\"; the cost of delay is positive when delay "
              "costs money. Intervals are 95% t-intervals over paired replications (the same seeds with and "
              "without the difference). Jobs come from lost output through input-output multipliers, as the "
              "published border-delay studies count them.")


def meta_rows(impact: Impact, created: str | None = None) -> list[tuple[str, str]]:
    """Scenario, counterfactual, window, seeds and code version, as the page's header shows them."""
    seeds = impact.seeds
    seed_text = ", ".join(map(str, seeds)) if len(seeds) <= 6 else f"{seeds[0]}-{seeds[-1]} ({len(seeds)} seeds)"
    rows = [("Scenario", impact.scenario), ("Counterfactual", impact.counterfactual)]
    if impact.window:
        rows.append(("Measured window", f"{impact.window}, after a warm-up of {impact.window.warmup_days} days"))
    rows += [("Replications", f"{impact.replications} (seeds {seed_text})"), ("Code version", impact.code_version)]
    rows.append(("Written", created or dt.datetime.now(dt.UTC).isoformat(timespec="seconds")))
    return rows


def write(folder, impact: Impact, title: str | None = None) -> dict[str, Path]:
    """Write report.html, report.png and report.pdf for one impact into `folder`; return their paths."""
    from calexico.running import storage

    folder = Path(folder)
    png = figure_bytes(impact, "png")
    text = page(title or f"What delay costs: {impact.scenario}", meta_rows(impact),
                [page_body(impact, png)], CONVENTION)
    paths = {"html": folder / "report.html", "png": folder / "report.png", "pdf": folder / "report.pdf"}
    storage.atomic_write(paths["png"], png)
    storage.atomic_write(paths["pdf"], figure_bytes(impact, "pdf"))
    storage.atomic_write(paths["html"], text.encode())
    return paths


def files(impact: Impact, title: str | None = None) -> dict[str, bytes]:
    """The three files as bytes (for a run folder written as one set)."""
    png = figure_bytes(impact, "png")
    text = page(title or f"What delay costs: {impact.scenario}", meta_rows(impact), [page_body(impact, png)],
                CONVENTION)
    return {"report.html": text.encode(), "report.png": png, "report.pdf": figure_bytes(impact, "pdf")}


# --------------------------------------------------------------------------------- a batch
@dataclasses.dataclass(frozen=True)
class _Event:
    kind: str
    start: dt.date
    end: dt.date


def _events(manifest: dict, scenario: str) -> tuple:
    """A batch scenario's events as its manifest records them."""
    out = []
    for e in manifest.get("scenarios", {}).get(scenario, {}).get("events", []) or []:
        try:
            out.append(_Event(str(e["kind"]), dt.date.fromisoformat(str(e["start"])),
                              dt.date.fromisoformat(str(e["end"]))))
        except (KeyError, TypeError, ValueError):
            continue
    return tuple(out)


def batch_impacts(folder) -> tuple[list[Impact], dict]:
    """A batch's impacts, scenario by scenario: against each run's no-delay twin when the spec paired
    them (`paired = true`), else against the batch's first scenario with the same seeds.

    Raises:
        ParameterError: a batch with neither (one scenario, unpaired): there is no counterfactual.

    """
    from calexico.running import results
    from model.parameters import ParameterError

    folder = Path(folder)
    table = results.load(folder)
    manifest = results.load_manifest(folder)
    ok = table[table["status"] == "ok"]
    names = list(dict.fromkeys(ok["scenario"]))
    code = str(manifest.get("code_version", "unknown"))
    described = {k: (v or {}).get("description", "") for k, v in (manifest.get("scenarios") or {}).items()
                 if isinstance(v, dict)}
    paired_runs = any(c.startswith("impact_vs_no_delay.") for c in table.attrs.get("outcomes", []))
    if paired_runs:
        impacts = [from_paired_batch(table, s, events=_events(manifest, s), description=described.get(s, ""),
                                     code_version=code) for s in names]
    elif len(names) >= 2:
        impacts = [from_comparison(table, s, names[0], events=_events(manifest, names[0]) + _events(manifest, s),
                                   description=described.get(s, ""), code_version=code) for s in names[1:]]
    else:
        raise ParameterError(str(folder), "runs", f"one scenario ({', '.join(names) or 'none ok'}), unpaired",
                             "a batch with `paired = true` in its spec (impacts against no delay) or two or more "
                             "scenarios (impacts against the first)")
    if ok["point"].nunique() > 1:
        for impact in impacts:
            impact.caveats.append(f"Pooled over {ok['point'].nunique()} design points: the interval includes "
                                  "the spread of the design, not only of the seeds.")
    return impacts, manifest


def write_batch(folder) -> Path:
    """Write a batch's one-page report, report.html (and figures/impact_<scenario>.png); return its path."""
    from calexico.running import storage

    folder = Path(folder)
    impacts, manifest = batch_impacts(folder)
    figures = folder / "figures"
    figures.mkdir(exist_ok=True)
    rows, bodies = [], []
    for impact in impacts:
        png = figure_bytes(impact, "png")
        storage.atomic_write(figures / f"impact_{Path(impact.scenario).stem}.png", png)
        headline = {key: (stat, unit) for key, _, stat, unit in impact.headline()}
        rows.append([(html.escape(impact.scenario), "")] + [
            (f"{fmt(*headline[k])} {fmt_interval(*headline[k])}" if k in headline else "–", f" data-key='{k}'")
            for k in BATCH_COLUMNS])
        bodies.append(f"<h2>{html.escape(impact.scenario)}</h2>" + page_body(impact, png, level=3))
    first = impacts[0]
    over = first.window.over if first.window else "over the run"
    summary = (f"<h2>Impacts by scenario, {html.escape(over)} (mean [95% interval])</h2>"
               + _table(rows, ["scenario", "cost of delay", "output lost, US", "output lost, Mexico",
                               "value added lost, US", "value added lost, Mexico", "jobs lost, US",
                               "jobs lost, Mexico"]))
    spec = manifest.get("spec") or {}
    meta = [("Batch", str(folder.name)), ("Description", str(spec.get("description", "")) if isinstance(spec, dict)
                                            else ""),
            ("Counterfactual", first.counterfactual), ("Code version", first.code_version)]
    if first.window:
        meta.append(("Measured window", f"{first.window}, after a warm-up of {first.window.warmup_days} days"))
    text = page(f"What delay costs: batch {folder.name}", meta, [summary, *bodies], CONVENTION)
    path = folder / "report.html"
    storage.atomic_write(path, text.encode())
    return path


BATCH_COLUMNS = ("cost.total", "output_lost.us.total", "output_lost.mx.total", "value_added_lost.us.total",
                 "value_added_lost.mx.total", "jobs_lost.us.total", "jobs_lost.mx.total")
