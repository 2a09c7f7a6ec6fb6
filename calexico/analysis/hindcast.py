"""`calexico hindcast`: the model month by month from 2019, with every dated change at the two
ports (`model/data/history.toml`), against what BTS counted.

Why: a model that claims to predict the effect of a staffing cut or a new bridge should first
reproduce what happened when the ports changed before. The run is continuous from the warm-up
before the first month to the last (queues, inventories, fleets and plants' jobs carry over);
the changes land on their dates. Only the demand streams' annual levels are set from BTS's
annual totals (history.toml says how); the months within each year and the responses to the
dated events are what this tests.

Replications run as a batch (`calexico.running.batch`: resumable, on any executor); each run's
record holds its monthly sums. The outputs: `monthly.csv` (model mean, its 95% t-interval over
replications, BTS), `fit.csv` (MAPE and bias by series, overall, by year and around each event),
a figure per port, and `report.md`.
"""

import calendar
import datetime as dt
import json
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from calexico.analysis import targets
from calexico.running import batch, runs, scenarios
from model import BorderModel
from model import history as model_history
from model.parameters import ParameterError, resolve

# (port, measure, daily column of the model, BTS port name, BTS measure); None: BTS has no count.
SERIES = (
    ("calexico_east", "trucks", "northbound_trucks", "Calexico East", "Trucks"),
    ("calexico_east", "personal_vehicles", "east_vehicles", "Calexico East", "Personal Vehicles"),
    ("calexico_east", "pedestrians", "east_pedestrians", "Calexico East", "Pedestrians"),
    ("calexico_west", "personal_vehicles", "west_vehicles", "Calexico", "Personal Vehicles"),
    ("calexico_west", "pedestrians", "west_pedestrians", "Calexico", "Pedestrians"),
    # Trucks the model sends around Calexico East; BTS counts each port's trucks, not these.
    ("otay_mesa", "trucks_diverted", "diverted_otay_mesa", None, None),
    ("san_luis", "trucks_diverted", "diverted_san_luis", None, None),
)
PORT_TITLES = {"calexico_east": "Calexico East", "calexico_west": "Calexico West",
               "otay_mesa": "Otay Mesa", "san_luis": "San Luis"}
MEASURE_TITLES = {"trucks": "northbound trucks", "personal_vehicles": "northbound personal vehicles",
                  "pedestrians": "northbound pedestrians", "trucks_diverted": "trucks diverted there by the model"}
EVENT_MONTHS = 3  # months before and after an event the fit compares
SAME_ORDER = 3.0  # model and observed changes are of the same order if within this factor
CLEAR_CHANGE = 0.05  # an observed change smaller than this is called no clear change
BASE_SEED = 2024
# What a run of the hindcast showed, in words: written by hand after a run (`calexico hindcast --docs`
# puts it in the section it writes), so it lives in one file, beside the data, and is rewritten
# when the model or the history changes what the tables say.
READING_FILE = Path(__file__).resolve().parents[1] / "data" / "hindcast_reading.md"
FIRST, LAST = "2019-01", "2024-12"
BATCH = "batch"


def month_range(first: str, last: str) -> tuple[dt.date, dt.date]:
    """The first and last day of a span of months given as YYYY-MM (checked)."""
    days = []
    for option, text in (("--from", first), ("--to", last)):
        try:
            year, month = (int(x) for x in str(text).split("-"))
            days.append(dt.date(year, month, 1))
        except ValueError:
            raise ParameterError("command line", option, text, "a month as YYYY-MM") from None
    start, end_month = days
    if end_month < start:
        raise ParameterError("command line", "--to", last, f"a month not before --from {first}")
    if start < dt.date(2019, 1, 1) or end_month > dt.date(2024, 12, 1):
        raise ParameterError("command line", "--from/--to", f"{first}..{last}",
                             "months from 2019-01 to 2024-12 (the BTS counts and the dated inputs shipped)")
    end = dt.date(end_month.year, end_month.month, calendar.monthrange(end_month.year, end_month.month)[1])
    return start, end


def plan_parameters(first: str, last: str) -> dict:
    """The runs' parameters: the history on, from the first day of `first` to the last of `last`."""
    start, end = month_range(first, last)
    return {"simulation.history": True, "simulation.start_date": start.isoformat(),
            "simulation.days": (end - start).days + 1}


@dataclass(frozen=True)
class Measure:
    """One run's monthly sums of every series (a batch `measure`: picklable, runs in a worker)."""

    def __call__(self, scenario, seed: int, days, parameters: dict) -> dict:
        """{"months": [YYYY-MM], "series": {daily column: [monthly sums]}} over the measured days."""
        params = runs.model_params(scenario, days, parameters)
        model = BorderModel(params, seed=seed, events=scenario.events).run()
        daily = runs.daily_table(model)
        daily = daily[daily["measured"]]
        columns = [s[2] for s in SERIES]
        monthly = daily.groupby(daily["date"].dt.to_period("M"))[columns].sum()
        return {"months": [str(m) for m in monthly.index],
                "series": {c: [float(v) for v in monthly[c]] for c in columns}}


def spec(first: str = FIRST, last: str = LAST, reps: int = 5) -> batch.Spec:
    """The hindcast as a batch: the baseline scenario with its history, `reps` common seeds."""
    if isinstance(reps, bool) or not isinstance(reps, int) or reps < 1:
        raise ParameterError("command line", "--reps", reps, "a whole number of replications, 1 or more")
    fixed = plan_parameters(first, last)
    return batch.Spec("calexico hindcast", {"hindcast": {"from": first, "to": last, "reps": reps}},
                      [scenarios.load("baseline")], [{}], replications=reps, base_seed=BASE_SEED,
                      fixed=fixed, measure=Measure())


def run(out, first: str = FIRST, last: str = LAST, reps: int = 5, workers: int = 1, executor=None,
        resume: bool = False, progress: bool = True) -> dict:
    """Run (or resume) the hindcast's batch into `out/batch`, then write the outputs to `out`."""
    out = Path(out)
    plan = spec(first, last, reps)
    summary = batch.run_batch(plan, out / BATCH, executor=executor, workers=workers, resume=resume,
                              progress=progress)
    if summary["failed"]:
        first_error = next(iter(summary["errors"].values()))
        raise RuntimeError(f"{summary['failed']} of {summary['total']} runs failed ({first_error}); "
                           "fix the cause and run the same command with --resume")
    write_outputs(out, first, last)
    return summary


# ----------------------------------------------------------------------------- the tables
def collect(folder: Path) -> tuple[list[str], dict[str, np.ndarray]]:
    """Months and, per daily column, the runs' monthly sums (replications x months)."""
    records = [json.loads(p.read_text()) for p in sorted((Path(folder) / "runs").glob("[0-9]*.json"))]
    records = [r for r in records if r["status"] == "ok"]
    if not records:
        raise RuntimeError(f"{folder}: no finished runs")
    months = records[0]["summary"]["months"]
    series = {c: np.array([r["summary"]["series"][c] for r in records]) for c in records[0]["summary"]["series"]}
    return months, series


def _interval(values: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Mean over replications and its 95% t-interval (the mean itself with one replication)."""
    mean = values.mean(axis=0)
    n = values.shape[0]
    if n < 2:
        return mean, mean.copy(), mean.copy()
    from scipy import stats

    half = stats.t.ppf(0.975, n - 1) * values.std(axis=0, ddof=1) / math.sqrt(n)
    return mean, mean - half, mean + half


def monthly_table(months: list[str], series: dict[str, np.ndarray]) -> pd.DataFrame:
    """monthly.csv: port, measure, month, model, model_ci95_low, model_ci95_high, observed."""
    bts = targets.bts_monthly()
    rows = []
    for port, measure, column, bts_port, bts_measure in SERIES:
        mean, low, high = _interval(series[column])
        for i, month in enumerate(months):
            observed = np.nan
            if bts_port is not None:
                try:
                    observed = float(bts.loc[pd.Period(month, "M"), (bts_port, bts_measure)])
                except KeyError:
                    observed = np.nan  # BTS has no count that month (Jan 2024 pedestrians)
            rows.append({"port": port, "measure": measure, "month": month, "model": mean[i],
                         "model_ci95_low": low[i], "model_ci95_high": high[i], "observed": observed})
    return pd.DataFrame(rows)


def _errors(rows: pd.DataFrame) -> dict:
    """MAPE and bias (%) of model against observed over the rows with a count."""
    rows = rows[rows["observed"].notna() & (rows["observed"] > 0)]
    if not len(rows):
        return {"months": 0, "mape_pct": np.nan, "bias_pct": np.nan}
    rel = rows["model"] / rows["observed"] - 1.0
    return {"months": len(rows), "mape_pct": 100 * float(rel.abs().mean()), "bias_pct": 100 * float(rel.mean())}


def event_windows(event_date: dt.date) -> tuple[list[str], list[str]]:
    """The three whole months before an event's month and the three after it (YYYY-MM)."""
    month = pd.Period(event_date, "M")
    return ([str(month - k) for k in range(EVENT_MONTHS, 0, -1)],
            [str(month + k) for k in range(1, EVENT_MONTHS + 1)])


FIT_COLUMNS = ("port", "measure", "scope", "period", "months", "mape_pct", "bias_pct", "observed_change_pct",
               "model_change_pct", "same_sign", "same_order", "clear_observed_change")


def fit_table(monthly: pd.DataFrame, events=None) -> pd.DataFrame:
    """fit.csv: per series, the error overall, by year, and around each dated event.

    Around an event: MAPE and bias over the six months, and the change from the three months
    before to the three after (mean of after over mean of before, minus 1) in the model and in
    BTS, whether they have the same sign and the same order (within a factor of SAME_ORDER).
    """
    events = model_history.load().events() if events is None else events
    rows = []
    for (port, measure), group in monthly.groupby(["port", "measure"], sort=False):
        if group["observed"].notna().sum() == 0:
            continue
        base = {"port": port, "measure": measure}
        span = f"{group['month'].iloc[0]}..{group['month'].iloc[-1]}"
        rows.append({**base, "scope": "overall", "period": span, **_errors(group)})
        for year, in_year in group.groupby(group["month"].str[:4]):
            rows.append({**base, "scope": "year", "period": year, **_errors(in_year)})
        by_month = group.set_index("month")
        for event in events:
            before, after = event_windows(event.date)
            if not (set(before) | set(after)) <= set(by_month.index):
                continue  # the window is not all inside the hindcast
            window = by_month.loc[before + after].reset_index()
            b, a = by_month.loc[before], by_month.loc[after]
            model_change = a["model"].mean() / b["model"].mean() - 1.0
            observed_change = a["observed"].mean() / b["observed"].mean() - 1.0
            same_sign = bool(np.sign(model_change) == np.sign(observed_change))
            ratio = model_change / observed_change if observed_change else np.nan
            rows.append({**base, "scope": "event", "period": f"{event.date.isoformat()} {event.event}",
                         **_errors(window), "observed_change_pct": 100 * observed_change,
                         "model_change_pct": 100 * model_change, "same_sign": same_sign,
                         "same_order": bool(same_sign and 1 / SAME_ORDER <= ratio <= SAME_ORDER),
                         "clear_observed_change": bool(abs(observed_change) >= CLEAR_CHANGE)})
    return pd.DataFrame(rows, columns=FIT_COLUMNS)


# ----------------------------------------------------------------------------- figures and report
def figure(monthly: pd.DataFrame, port: str, path: Path, events=None):
    """The port's series: the model's 95% band and mean against BTS, the dated events marked."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    events = model_history.load().events() if events is None else events
    rows = monthly[monthly["port"] == port]
    measures = list(dict.fromkeys(rows["measure"]))
    fig = Figure(figsize=(10, 2.6 * len(measures) + 0.6), layout="constrained")
    FigureCanvasAgg(fig)
    axes = fig.subplots(len(measures), 1, squeeze=False, sharex=True)[:, 0]
    first, last = pd.Period(rows["month"].iloc[0], "M"), pd.Period(rows["month"].iloc[-1], "M")
    for ax, measure in zip(axes, measures, strict=True):
        r = rows[rows["measure"] == measure]
        x = pd.PeriodIndex(r["month"], freq="M").to_timestamp() + pd.Timedelta(days=14)
        ax.fill_between(x, r["model_ci95_low"] / 1e3, r["model_ci95_high"] / 1e3, color="tab:blue", alpha=0.3,
                        label="model, 95% interval")
        ax.plot(x, r["model"] / 1e3, color="tab:blue", lw=1.2, label="model, mean")
        if r["observed"].notna().any():
            ax.plot(x, r["observed"] / 1e3, color="black", lw=1.2, marker=".", ms=3, label="BTS")
        for k, event in enumerate(e for e in events if first <= pd.Period(e.date, "M") <= last):
            ax.axvline(pd.Timestamp(event.date), color="tab:red", lw=0.8, ls="--")
            if ax is axes[0]:
                ax.annotate(event.event, (pd.Timestamp(event.date), 1.0), xycoords=("data", "axes fraction"),
                            rotation=90, fontsize=6.5, va="top", ha="right", color="tab:red",
                            xytext=(-1, -2 - 0 * k), textcoords="offset points")
        ax.set_ylabel("thousand / month")
        ax.set_title(f"{PORT_TITLES[port]}: {MEASURE_TITLES[measure]}", fontsize=10, loc="left")
        ax.set_ylim(bottom=0)
        ax.grid(alpha=0.3)
    axes[0].legend(loc="lower left", fontsize=8)
    fig.savefig(path, dpi=110)


def figures(monthly: pd.DataFrame, folder: Path, events=None) -> dict[str, str]:
    """A figure per port (the diverted trucks' ports together): name -> file name."""
    folder.mkdir(parents=True, exist_ok=True)
    files = {}
    for port in ("calexico_east", "calexico_west", "otay_mesa", "san_luis"):
        if (monthly["port"] == port).any():
            files[port] = f"hindcast_{port}.png"
            figure(monthly, port, folder / files[port], events)
    return files


def year_table(fit: pd.DataFrame) -> str:
    """The monthly MAPE (bias) by year of each Calexico series, as a markdown table."""
    years = fit[fit["scope"] == "year"]
    overall = fit[fit["scope"] == "overall"]
    periods = sorted(years["period"].unique())
    lines = ["| series | " + " | ".join(periods) + " | all |", "|---|" + "---:|" * (len(periods) + 1)]
    for (port, measure), g in years.groupby(["port", "measure"], sort=False):
        cells = {r.period: f"{r.mape_pct:.1f} ({r.bias_pct:+.1f})" for r in g.itertuples()}
        o = overall[(overall["port"] == port) & (overall["measure"] == measure)].iloc[0]
        lines.append(f"| {PORT_TITLES[port]} {MEASURE_TITLES[measure]} | "
                     + " | ".join(cells.get(p, "") for p in periods) + f" | {o.mape_pct:.1f} ({o.bias_pct:+.1f}) |")
    return "\n".join(lines)


def event_table(fit: pd.DataFrame) -> str:
    """Each dated event's change (3 months after over 3 before), model against BTS, as markdown."""
    ev = fit[fit["scope"] == "event"]
    lines = ["| event | series | BTS change | model change | same sign | same order |",
             "|---|---|---:|---:|:---:|:---:|"]
    for r in ev.itertuples():
        clear = "" if r.clear_observed_change == True else " (no clear change)"  # noqa: E712
        lines.append(f"| {r.period} | {PORT_TITLES[r.port]} {r.measure.replace('_', ' ')} | "
                     f"{r.observed_change_pct:+.1f}%{clear} | {r.model_change_pct:+.1f}% | "
                     f"{'yes' if r.same_sign == True else '**no**'} | {'yes' if r.same_order == True else '**no**'} |")  # noqa: E712
    return "\n".join(lines)


def report_markdown(fit: pd.DataFrame, meta: dict, figure_files: dict, figure_dir: str = "figures",
                    heading: str = "#", intro: str = "") -> str:
    """The hindcast's report (also the hindcast section of docs/calibration.md, with heading '##' and
    the report's own first paragraph as `intro`).
    """
    ev = fit[(fit["scope"] == "event") & (fit["clear_observed_change"] == True)]  # noqa: E712
    sign, order = int(ev["same_sign"].sum()), int(ev["same_order"].sum())
    overall = fit[fit["scope"] == "overall"]["period"]
    span = overall.iloc[0].replace("..", " to ") if len(overall) else ""
    lines = [
        f"{heading} Hindcast, {span}",
        "",
        intro or f"Written by `calexico hindcast` on {meta['created']} (code {meta['code_version']}): the baseline "
        f"scenario with `simulation.history = true`, {meta['reps']} replications (common seeds from base seed "
        f"{BASE_SEED}), run continuously from a {meta['warmup_days']}-day warm-up before {meta['from']}; "
        "the dated changes of `model/data/history.toml` (lanes, hours, the travel restriction, the vaccination "
        "requirement) land on their dates. The model's interval is the 95% t-interval of the replications' "
        "mean; observed counts are BTS Border Crossing/Entry Data (public domain).",
        "",
        "What is set from data and not tested: one level per demand stream and year (freight, commuters, "
        "visitors by car and on foot), each from BTS's annual totals as history.toml documents. The 2024 "
        "calibration is untouched. Nothing else is fitted to 2019-2023: the months within each year and the "
        "responses to the dated events are what this tests. Calexico West has no truck lanes (BTS counts none "
        "there), so the Calexico series are five: trucks, personal vehicles and pedestrians at East, personal "
        "vehicles and pedestrians at West.",
        "",
        f"{heading}# Monthly error by year", "",
        "MAPE of the monthly counts, % (bias, %: model over BTS minus 1, averaged over months):", "",
        year_table(fit), "",
        f"{heading}# The dated events", "",
        f"The change from the three whole months before an event's month to the three after it, model "
        f"against BTS; same order means within a factor of {SAME_ORDER:g}. Of the {len(ev)} event-series "
        f"pairs with a clear observed change (at least {100 * CLEAR_CHANGE:.0f}%), the model has the sign "
        f"of {sign} and the order of {order}.", "",
        event_table(fit), "",
        READING_FILE.read_text().rstrip(), "",
        f"{heading}# Figures", "",
    ]
    for port, name in figure_files.items():
        lines += [f"![{PORT_TITLES[port]}]({figure_dir}/{name})", ""]
    return "\n".join(lines) + "\n"


def write_outputs(out, first: str = FIRST, last: str = LAST) -> dict:
    """monthly.csv, fit.csv, figures/ and report.md from the batch in `out/batch`."""
    from calexico.running import provenance

    out = Path(out)
    months, series = collect(out / BATCH)
    monthly = monthly_table(months, series)
    fit = fit_table(monthly)
    files = figures(monthly, out / "figures")
    manifest = json.loads((out / BATCH / "manifest.json").read_text())
    reps = len({r["replication"] for r in manifest["runs"]})
    meta = {"from": first, "to": last, "reps": reps,
            "created": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
            "code_version": manifest.get("code_version", provenance.code_version()),
            "warmup_days": resolve({})["simulation.warmup_days"]}
    runs.atomic_write(out / "monthly.csv", monthly.to_csv(index=False).encode())
    runs.atomic_write(out / "fit.csv", fit.to_csv(index=False).encode())
    runs.atomic_write(out / "report.md", report_markdown(fit, meta, files).encode())
    return {"monthly": monthly, "fit": fit, "figures": files, "meta": meta}


# ----------------------------------------------------------------------------- the docs
START_MARK, END_MARK = "<!-- hindcast: start (written by calexico hindcast --docs) -->", "<!-- hindcast: end -->"


def section_of(text: str) -> str:
    """The hindcast section of a document (markers included), or '' if it has none."""
    start, end = text.find(START_MARK), text.find(END_MARK)
    return text[start:end + len(END_MARK)] if 0 <= start < end else ""


def with_section(text: str, section: str) -> str:
    """The document with its hindcast section replaced by `section` (appended if it had none)."""
    old = section_of(text)
    if old:
        return text.replace(old, section)
    return text.rstrip("\n") + "\n\n" + section + "\n" if section else text


def write_docs_section(out, doc) -> Path:
    """Write the hindcast's report as a section of `doc` (between markers, so `calexico validate`
    keeps it) and its figures into `figures/` next to it.
    """
    import shutil

    out, doc = Path(out), Path(doc)
    fit = pd.read_csv(out / "fit.csv")
    report = (out / "report.md").read_text()
    meta_line = report.splitlines()[2] if len(report.splitlines()) > 2 else ""
    (doc.parent / "figures").mkdir(parents=True, exist_ok=True)
    files = {}
    for png in sorted((out / "figures").glob("hindcast_*.png")):
        shutil.copyfile(png, doc.parent / "figures" / png.name)
        files[png.stem.removeprefix("hindcast_")] = png.name
    body = report_markdown(fit, {}, files, "figures", heading="##", intro=meta_line)
    section = f"{START_MARK}\n{body.rstrip()}\n{END_MARK}"
    text = doc.read_text() if doc.exists() else ""
    runs.atomic_write(doc, with_section(text, section).encode())
    return doc
