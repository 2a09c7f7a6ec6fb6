"""`calexico validate`: how the model matches the world, target by target, with pictures.

Why: a researcher cites a model only when they can see which numbers it was fitted to, which
it reproduces without being fitted, and how far off it is. This runs the model over several
seeds, compares every target in `data/targets.csv` (observed, simulated mean and 95% interval,
error, within tolerance), draws simulated against observed monthly series, and checks the
port's queue kernel against queueing theory (Erlang C). Fit targets out of tolerance make the
command fail (exit 1); check targets are reported, never fail it.
"""

import calendar
import datetime as dt
import math
import re
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from calexico.analysis import targets
from calexico.formatting import money
from calexico.running import provenance, runs
from calexico.running.scenarios import Scenario
from model import BorderModel

# (target quantity, daily column, BTS port, BTS measure, label)
MONTHLY = (("trucks", "northbound_trucks", "Calexico East", "Trucks", "Calexico East NB trucks"),
           ("west_pedestrians", "west_pedestrians", "Calexico", "Pedestrians", "Calexico West NB peds"),
           ("east_pedestrians", "east_pedestrians", "Calexico East", "Pedestrians", "Calexico East NB peds"),
           ("west_vehicles", "west_vehicles", "Calexico", "Personal Vehicles", "Calexico West NB POVs"),
           ("east_vehicles", "east_vehicles", "Calexico East", "Personal Vehicles", "Calexico East NB POVs"))
SUM_COLUMNS = {q: col for q, col, *_ in MONTHLY}
# Waits: (daily mean column, the daily count that weights it).
WAIT_COLUMNS = {
    "commercial_wait_mean_min": "northbound_trucks",
    # The truckers' crossing: certified loads against the FAST lane, the rest against standard.
    "certified_crossing_time_mean_min": "east_commercial_fast_released",
    "standard_crossing_time_mean_min": "east_commercial_standard_released",
    "mx_export_time_in_port_mean_min": ("east_mx_export_standard_released", "east_mx_export_express_released"),
    "west_pov_general_wait_mean_min": "west_pov_general_served",
    "west_pedestrian_night_wait_mean_min": "west_pedestrian_night_served",
}
# Waits as crossers report them, one line's, means over weekdays: the day's worst daytime hour
# (a typical range in the press is what people meet at the busy hours) and the morning (a
# snapshot taken one morning).
PEAK, MORNING = "_peak_hour_wait_min", "_morning_wait_min"


def is_wait(quantity: str) -> bool:
    """Whether a target's quantity is a wait or crossing time (the wait checks of the summary)."""
    return quantity in WAIT_COLUMNS or quantity.endswith((PEAK, MORNING))
WINTER, SUMMER = (2, 3, 12), (6, 7, 8, 9)  # January 2024 pedestrians are not reported by BTS
FIGURES = "figures"


@dataclass
class YearRun:
    """One replication of one calendar year: the measured daily table and extra tallies."""

    year: int
    seed: int
    daily: pd.DataFrame
    extras: dict = field(default_factory=dict)


def run_year(scenario: Scenario, seed: int, year: int | None = None, days: int | None = None,
             overrides: dict | None = None) -> YearRun:
    """Run the scenario for its own year, or with its inputs moved to another calendar year.

    Args:
        scenario: the loaded scenario.
        seed: random seed (the same seeds across evaluations give common random numbers).
        year: run this calendar year instead of the scenario's (inputs stay the scenario's).
        days: measured days (a short run; only targets inside it can be compared).
        overrides: further dotted-key parameters (the calibration's trial values).

    """
    if year is not None:
        overrides = {**(overrides or {}), "simulation.start_date": f"{year}-01-01",
                     "simulation.days": 366 if calendar.isleap(year) else 365}
    params = runs.model_params(scenario, days, overrides)
    model = BorderModel(params, seed=seed, events=scenario.events)
    imperial = [g for g in model.growers if not g.exports_north]
    per_load = model.params["agriculture.value_per_load_usd"]
    ag_value = 0.0
    while model.days_done < model.n_days:
        measured = model.days_done >= model.warmup_days
        model.step()
        if measured:
            ag_value += sum(g.harvested_loads for g in imperial) * per_load
    daily = runs.daily_table(model)
    daily = daily[daily["measured"]].set_index("date")
    start = dt.date.fromisoformat(model.params["simulation.start_date"])
    return YearRun(start.year, seed, daily, {"imperial_ag_value_usd": ag_value})


def _covers(daily: pd.DataFrame, first: dt.date, last: dt.date) -> bool:
    return len(daily) > 0 and daily.index[0].date() <= first and daily.index[-1].date() >= last


def _swing(daily: pd.DataFrame, columns) -> float:
    per_day = daily[list(columns)].sum(axis=1)
    month = daily.index.month
    summer = per_day[month.isin(SUMMER)].mean()
    return float(per_day[month.isin(WINTER)].mean() / summer) if summer > 0 else math.nan


def statistic(target: targets.Target, run: YearRun) -> float | None:
    """The simulated value of a target in one run, or None when the run does not cover its period."""
    first, last = target.days
    if not _covers(run.daily, first, last):
        return None
    d = run.daily.loc[str(first):str(last)]
    q = target.quantity
    if q in SUM_COLUMNS:
        return float(d[SUM_COLUMNS[q]].sum())
    if q in WAIT_COLUMNS:
        weight = d[list(np.atleast_1d(WAIT_COLUMNS[q]))].sum(axis=1)
        return float(np.average(d[q], weights=weight)) if weight.sum() > 0 else math.nan
    if q.endswith((PEAK, MORNING)):
        weekdays = d.loc[d.index.day_of_week < 5, q]
        return float(weekdays.mean()) if len(weekdays) else math.nan
    if q == "loaded_share":
        total = d["northbound_trucks"].sum()
        return float(d["northbound_trucks_loaded"].sum() / total) if total else math.nan
    if q.endswith("pedestrian_swing"):
        port = q.removesuffix("_pedestrian_swing")
        cols = ((f"{port}_pedestrians",) if port in ("west", "east")
                else ("west_pedestrians", "east_pedestrians"))
        return _swing(d, cols)
    if q == "field_workers_us_mean":
        return float(d["field_workers_us"].mean())
    if q == "visitor_spending_usd":
        return float(d["visitor_spending_usd"].sum()) * 365.0 / len(d) if len(d) else math.nan
    if q == "jobs_manufacturing_mx_mean":
        return float(d["jobs_manufacturing_mx"].mean())
    if q == "imperial_ag_value_usd":
        return float(run.extras["imperial_ag_value_usd"]) * 365.0 / len(d) if len(d) else math.nan
    raise KeyError(q)


def scenario_year(scenario: Scenario, overrides: dict | None = None) -> int:
    """The calendar year a scenario's run measures."""
    start = (overrides or {}).get("simulation.start_date", scenario.params["simulation.start_date"])
    return int(str(start)[:4])


def simulate(scenario: Scenario, target_list, seeds, days: int | None = None,
             overrides: dict | None = None) -> dict[int, list[YearRun]]:
    """Runs needed by the targets: the scenario's year and, for a full-year run, every other year."""
    start_year = scenario_year(scenario, overrides)
    years = {start_year}
    if days is None:
        years |= {t.year for t in target_list}
    out = {}
    for year in sorted(years):
        y = None if year == start_year else year
        out[year] = [run_year(scenario, s, year=y, days=days if y is None else None, overrides=overrides)
                     for s in seeds]
    return out


def evaluate(target_list, sims: dict[int, list[YearRun]]) -> pd.DataFrame:
    """One row per target: observed, simulated mean and 95% interval over replications, error."""
    rows = []
    for t in target_list:
        values = [statistic(t, r) for r in sims.get(t.year, [])]
        values = np.array([v for v in values if v is not None], dtype=float)
        row = {"name": t.name, "quantity": t.quantity, "period": t.period, "role": t.role, "unit": t.unit,
               "observed": t.value, "tolerance": t.tolerance, "simulated": math.nan, "low": math.nan,
               "high": math.nan, "error": math.nan, "within": None, "note": t.note}
        if values.size:
            mean = float(values.mean())
            row.update(simulated=mean, low=float(np.percentile(values, 2.5)),
                       high=float(np.percentile(values, 97.5)), error=mean / t.value - 1.0)
            row["within"] = bool(abs(row["error"]) <= t.tolerance)
        rows.append(row)
    return pd.DataFrame(rows)


# ------------------------------------------------------------------------------ Erlang C
def erlang_c_wait_min(arrival_per_min: float, service_min: float, servers: int) -> float:
    """Mean wait in queue of an M/M/c queue (Erlang C), in minutes."""
    from scipy.special import gammaln

    a = arrival_per_min * service_min  # offered load in Erlangs
    rho = a / servers
    if rho >= 1:
        return math.inf
    k = np.arange(servers)
    terms = np.exp(k * np.log(a) - gammaln(k + 1)) if a > 0 else (k == 0).astype(float)
    last = math.exp(servers * math.log(a) - gammaln(servers + 1)) / (1 - rho)
    p_wait = last / (terms.sum() + last)
    return p_wait * service_min / (servers - a)


def erlang_check(servers=(1, 2, 4), rhos=(0.5, 0.6, 0.7, 0.8, 0.9), customers: int = 1_000_000,
                 seed: int = 7) -> pd.DataFrame:
    """The queue kernel (model.queue_kernel.serve_in_order) under stationary Poisson arrivals and
    exponential service, against Erlang C. A 5% warm-up is dropped; the interval is from 20 batch
    means.
    """
    from model.queue_kernel import serve_in_order

    rows = []
    rng = np.random.default_rng(seed)
    for c in servers:
        for rho in rhos:
            lam = rho * c  # per minute, with a 1-minute mean service
            arrival = np.cumsum(rng.exponential(1 / lam, customers))
            service = rng.exponential(1.0, customers)
            hours = int(arrival[-1] // 60) + 48
            start = serve_in_order(arrival, service, np.full(hours, c, dtype=np.int64))
            waits = (start - arrival)[customers // 20:]
            batches = np.array([b.mean() for b in np.array_split(waits, 20)])
            theory = erlang_c_wait_min(lam, 1.0, c)
            half = 2.093 * batches.std(ddof=1) / math.sqrt(len(batches))
            mean = float(waits.mean())
            rows.append({"servers": c, "utilisation": rho, "theory_min": theory, "simulated_min": mean,
                         "ci_half_min": half, "error": mean / theory - 1,
                         "within_5pct": abs(mean / theory - 1) <= 0.05})
    return pd.DataFrame(rows)


# ------------------------------------------------------------------------------ figures
def _plt():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def monthly_figure(sims: dict[int, list[YearRun]], year: int, path: Path):
    """Simulated (mean and range over replications) against observed monthly BTS series."""
    plt = _plt()
    bts = targets.bts_monthly()
    fig, axes = plt.subplots(len(MONTHLY), 1, figsize=(8, 2.2 * len(MONTHLY)), sharex=True)
    months = pd.period_range(f"{year}-01", f"{year}-12", freq="M")
    for ax, (_, col, port, measure, label) in zip(axes, MONTHLY, strict=True):
        sim = np.array([[r.daily[col][r.daily.index.to_period("M") == m].sum()
                         if _covers(r.daily, m.start_time.date(), m.end_time.date()) else np.nan
                         for m in months] for r in sims[year]])
        x = np.arange(1, 13)
        with warnings.catch_warnings():  # months a short run does not cover are left blank
            warnings.simplefilter("ignore", RuntimeWarning)
            low, high, mean = np.nanmin(sim, axis=0), np.nanmax(sim, axis=0), np.nanmean(sim, axis=0)
        ax.fill_between(x, low, high, alpha=0.3, label="simulated range")
        ax.plot(x, mean, "-o", ms=3, label="simulated mean")
        obs = [bts.get((port, measure), pd.Series(dtype=float)).get(m, np.nan) for m in months]
        ax.plot(x, obs, "ks", ms=4, label="observed (BTS)")
        ax.set_ylabel(label, fontsize=8)
        ax.set_ylim(bottom=0)
    axes[0].legend(fontsize=7, loc="lower right")
    axes[-1].set_xticks(range(1, 13), [calendar.month_abbr[m] for m in range(1, 13)])
    fig.suptitle(f"Monthly northbound crossings, {year}: model against BTS")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def years_figure(table: pd.DataFrame, path: Path):
    """Annual Calexico East trucks: observed by year against the model run on each calendar."""
    plt = _plt()
    t = table[(table["quantity"] == "trucks") & (table["period"].str.len() == 4)].sort_values("period")
    fig, ax = plt.subplots(figsize=(7, 3.5))
    x = t["period"].astype(int)
    ax.plot(x, t["observed"], "ks-", label="observed (BTS)")
    ax.errorbar(x, t["simulated"], yerr=[t["simulated"] - t["low"], t["high"] - t["simulated"]], fmt="o-",
                label="model (2024 inputs, each year's calendar)")
    ax.set_ylabel("NB trucks per year")
    ax.set_ylim(bottom=0)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def erlang_figure(check: pd.DataFrame, path: Path):
    """Mean queue wait against utilisation: kernel against Erlang C, per number of servers."""
    plt = _plt()
    fig, ax = plt.subplots(figsize=(7, 3.5))
    for c, g in check.groupby("servers"):
        line = ax.plot(g["utilisation"], g["theory_min"], "-", label=f"Erlang C, c={c}")[0]
        ax.errorbar(g["utilisation"], g["simulated_min"], yerr=g["ci_half_min"], fmt="o",
                    color=line.get_color(), label=f"kernel, c={c}")
    ax.set_xlabel("utilisation")
    ax.set_ylabel("mean wait (service times)")
    ax.set_yscale("log")
    ax.legend(fontsize=7, ncol=2)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


# ------------------------------------------------------------------------------ report
def _fmt(x: float, unit: str) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "n/a"
    if unit in ("share", "ratio"):
        return f"{x:.3f}"
    if "USD" in unit:
        return money(x, 2)
    return f"{x:,.0f}"


def table_markdown(rows: pd.DataFrame) -> str:
    """A Markdown table of targets."""
    out = ["| Target | Period | Observed | Simulated mean | 95% interval | Error | Tolerance | Within |",
           "|---|---|---:|---:|---:|---:|---:|:---:|"]
    for r in rows.itertuples():
        within = "n/a" if r.within is None else ("yes" if r.within else "**no**")
        error = "n/a" if math.isnan(r.error) else f"{100 * r.error:+.1f}%"
        out.append(f"| {r.name} | {r.period} | {_fmt(r.observed, r.unit)} | {_fmt(r.simulated, r.unit)} | "
                   f"{_fmt(r.low, r.unit)} – {_fmt(r.high, r.unit)} | {error} | "
                   f"±{100 * r.tolerance:.0f}% | {within} |")
    return "\n".join(out)


YEAR_INPUTS = """\
The model is parameterised for 2024: every input (plants and their jobs, the crop calendar and
its value, the trucking fleet, lanes and booths after the bridge project, hours of operation,
background crossers) is a 2024 figure or an assumption about 2024. A run for another year
changes only the calendar (weekdays, leap day, the month of each day); nothing of that year's
economy enters. So:

| Year | Inputs the run uses | What the comparison means |
|---|---|---|
| 2024 | the shipped 2024 defaults | the fit targets and the monthly pattern are comparable |
| 2023 | 2024 inputs, 2023 calendar | near-comparable: trucks within 1% of 2024; bridge lanes from Nov 2023 |
| 2022 | 2024 inputs, 2022 calendar | volumes comparable; the pre-bridge lanes are not modelled |
| 2021 | 2024 inputs, 2021 calendar | trucks only as a level check (COVID passenger hours until 8 Nov 2021) |
| 2020 | 2024 inputs, 2020 calendar | not comparable: COVID and the April 2020 drop are not in the model |
| 2019 | 2024 inputs, 2019 calendar | a level check: 2019's plants and fleet were smaller than the model's |

The other years therefore show how much of the year-to-year change the model does *not*
explain, not a test of it; their tolerances are wide and they never fail the command.
"""


HISTORY_MATCHING = ("Which parameter sets every target here allows, given each one's observation error and the model's "
                    "discrepancy, and the headline over those sets: [history_matching.md](history_matching.md) "
                    "(`calexico history-match`, `calexico run --plausible`).")


def _held(rows: pd.DataFrame) -> str:
    simulated = rows[rows["within"].notna()]
    return f"{int((simulated['within'] == True).sum())} of {len(simulated)}"  # noqa: E712


def report_markdown(table: pd.DataFrame, erlang: pd.DataFrame, meta: dict, figures: dict,
                    calibration_md: str = "") -> str:
    """The calibration report: fit targets, out-of-sample checks, Erlang C, and what years use."""
    fit = table[table["role"] == "fit"]
    check = table[table["role"] == "check"]
    monthly = check[check["period"].str.len() == 7]
    years = check[(check["period"].str.len() == 4) & (check["period"] != str(meta["year"]))]
    waits = check[check["quantity"].map(is_wait).astype(bool)]
    other = check[~check.index.isin(monthly.index) & ~check.index.isin(years.index) & ~check.index.isin(waits.index)]
    failed = fit[fit["within"] == False]  # noqa: E712
    lines = [
        "# Calibration and validation",
        "",
        f"Written by `calexico validate` on {meta['created']} (code {meta['code_version']}). Scenario "
        f"`{meta['scenario']}`, {meta['reps']} replications (seeds {meta['seeds']}), targets from "
        f"`{meta['targets']}`. Simulated values are the mean over replications; the interval is the "
        "2.5-97.5 percentile range of the replications; the error is simulated mean over observed minus 1.",
        "",
        f"**Fit targets within tolerance: {int((fit['within'] == True).sum())} of {len(fit)}.**"  # noqa: E712
        + (" Out of tolerance: " + "; ".join(failed["name"]) + "." if len(failed) else ""),
        "",
        f"Out-of-sample checks within tolerance: {_held(check)}; of them, the wait checks: {_held(waits)}.",
        "",
        HISTORY_MATCHING,
        "",
    ]
    if calibration_md:
        lines += [calibration_md, ""]
    lines += [
        "## Fit targets (seen by `calexico calibrate`)", "", table_markdown(fit), "",
        "## Out-of-sample checks (never seen by the fit)", "",
        f"### The {meta['year']} monthly pattern", "",
        "The fit sees only annual totals; the months below test the model's seasonality (crop calendar, "
        "farm crews, weekday and Sunday closures).", "",
        f"![monthly series]({figures['monthly']})", "", table_markdown(monthly), "",
        "### Other years", "", YEAR_INPUTS, "", f"![trucks by year]({figures['years']})", "",
        table_markdown(years), "",
        "### Waits", "",
        "Published waits, none of them used to fit: CBP's definition (joining the line to reaching a primary "
        "booth), mostly old surveys or press ranges, so the tolerances are wide. The model's passenger-vehicle "
        "waits rest on assumed primary minutes (no processing time is published); where they miss, that is "
        "the gap to fill with CBP's wait-time history.", "", table_markdown(waits), "",
        "### Other checks", "",
        "The seasonal swing per port, and regional totals that the model takes as inputs (manufacturing "
        "jobs, the value of the Imperial harvest): these check that delay and crew shortages do not "
        "erode what the inputs impose.", "", table_markdown(other), "",
        "## The queue kernel against queueing theory (Erlang C)", "",
        "`model.queue_kernel.serve_in_order` with stationary Poisson arrivals and exponential service "
        "(mean 1 minute), one million customers per case, the first 5% dropped as warm-up; the interval "
        "is a 95% t-interval over 20 batch means. Theory: the Erlang C mean wait in queue of M/M/c.", "",
        f"![Erlang C]({figures['erlang']})", "",
        "| Servers | Utilisation | Erlang C (min) | Kernel (min) | 95% CI half-width | Error | Within 5% |",
        "|---:|---:|---:|---:|---:|---:|:---:|",
    ]
    for r in erlang.itertuples():
        ok = "yes" if r.within_5pct else "**no**"
        lines.append(f"| {r.servers} | {r.utilisation:.1f} | {r.theory_min:.3f} | {r.simulated_min:.3f} | "
                     f"{r.ci_half_min:.3f} | {100 * r.error:+.1f}% | {ok} |")
    lines += ["", "## Notes on the targets", ""]
    for r in table.drop_duplicates("note").itertuples():
        if r.note:
            lines.append(f"- {r.name}: {r.note}")
    return "\n".join(lines) + "\n"


CALIBRATED_SECTION = re.compile(r"^## Calibrated parameters[ \t]*\n.*?(?=^#{1,2} |^<!-- |\Z)", re.M | re.S)
DOCS_REPORT = Path(__file__).resolve().parents[2] / "docs" / "calibration.md"


def calibrated_section_of(text: str) -> str:
    """The calibrated-parameters section of a report (`calexico calibrate`'s), up to the next
    heading of its level or above, or the hindcast's marker; '' if it has none.
    """
    found = CALIBRATED_SECTION.search(text)
    return found.group(0).rstrip("\n") if found else ""


def shipped_calibration_md() -> str:
    """The calibrated-parameters section of docs/calibration.md: the fit of the shipped values, which
    a validation without a new fit reports (not the section of a report in the output folder, which
    may be of a fit never written to parameters.toml).
    """
    return calibrated_section_of(DOCS_REPORT.read_text()) if DOCS_REPORT.is_file() else ""


def keep_hindcast_section(text: str, out: Path) -> str:
    """The report with the hindcast section (`calexico hindcast --docs`) of the calibration.md it
    replaces, or else of docs/calibration.md, so that rewriting the report keeps it.
    """
    from calexico.analysis import hindcast

    for previous in (out / "calibration.md", DOCS_REPORT):
        section = hindcast.section_of(previous.read_text()) if previous.is_file() else ""
        if section:
            return hindcast.with_section(text, section)
    return text


def validate(scenario: Scenario, reps: int = 5, out: Path | str = "results/validate", targets_path=None,
             days: int | None = None, overrides: dict | None = None, calibration_md: str = "",
             erlang: bool = True) -> tuple[pd.DataFrame, int]:
    """Run, compare, draw and write the report; returns (table, exit code: 1 if a fit target fails)."""
    target_list = targets.load(targets_path)
    seeds = list(range(reps))
    # The code version before anything is written: a report written into the repository (docs/)
    # would otherwise call the code that made it dirty.
    code_version = provenance.code_version()
    sims = simulate(scenario, target_list, seeds, days=days, overrides=overrides)
    table = evaluate(target_list, sims)
    year = scenario_year(scenario, overrides)
    out = Path(out)
    (out / FIGURES).mkdir(parents=True, exist_ok=True)
    figures = {k: f"{FIGURES}/calibration_{k}.png" for k in ("monthly", "years", "erlang")}
    erlang_table = erlang_check() if erlang else erlang_check(customers=20_000)
    monthly_figure(sims, year, out / figures["monthly"])
    years_figure(table, out / figures["years"])
    erlang_figure(erlang_table, out / figures["erlang"])
    meta = {"created": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
            "code_version": code_version, "scenario": scenario.name, "reps": reps,
            "seeds": seeds, "year": year,
            "targets": str(targets_path) if targets_path else "calexico/data/targets.csv"}
    # A validation without a new fit reports the fit of the shipped values.
    calibration_md = calibration_md or shipped_calibration_md()
    text = keep_hindcast_section(report_markdown(table, erlang_table, meta, figures, calibration_md), out)
    runs.atomic_write(out / "calibration.md", text.encode())
    runs.atomic_write(out / "validation.csv", table.to_csv(index=False).encode())
    fit = table[table["role"] == "fit"]
    return table, int(bool((fit["within"] == False).any()))  # noqa: E712


def print_table(table: pd.DataFrame):
    """The table for the terminal, with how many targets of each kind hold."""
    for role, title in (("fit", "Fit targets"), ("check", "Checks (out of sample)")):
        rows = table[table["role"] == role]
        if not len(rows):
            continue
        waits = rows[rows["quantity"].map(is_wait).astype(bool)]
        print(f"{title}: {_held(rows)} within tolerance" + (f" (wait checks: {_held(waits)})" if len(waits) else "")
              + ":")
        for r in rows.itertuples():
            if r.within is None:
                print(f"  {r.name:62s} {'not simulated by this run':>40s}")
                continue
            flag = "ok " if r.within else "OUT"
            print(f"  {r.name:62s} obs {_fmt(r.observed, r.unit):>12s} sim {_fmt(r.simulated, r.unit):>12s}"
                  f" {100 * r.error:+6.1f}% (±{100 * r.tolerance:.0f}%) {flag}")
