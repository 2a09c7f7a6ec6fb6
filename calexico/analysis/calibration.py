"""`calexico calibrate`: fit the parameters no source gives to the fit targets.

Method: simulated method of moments. Each calibrated parameter is paired with the fit target
that identifies it (table `PAIRS`); the residual of a target is log(simulated / observed)
divided by log(1 + tolerance), so every target counts in units of its own tolerance, and the
parameters are searched in log space by `scipy.optimize.least_squares` (trust region) with a
forward-difference Jacobian estimated once per round and held fixed (the chord method: the
residuals are nearly linear in log parameters, and it saves a model run per parameter per step).
Every evaluation runs the same seeds (common random numbers), so
the objective moves only with the parameters, not with the noise, and finite differences are
meaningful. Standard errors are the simulation error carried through the Jacobian (the delta
method): SE = sqrt(diag(J^+ S J^+T)), where S is the variance of the mean residuals over the
replications; the BTS counts are complete counts with no sampling error of their own.

Parameters the targets cannot identify are left alone and said so in the report: the primary
inspection minutes of lines with no wait target, and the behavioural elasticities (no
before/after data).
"""

import math
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy.optimize import least_squares

from calexico.analysis import targets, validate
from calexico.running import runs, scenarios, storage
from model.parameters import SPECS

# Calibrated parameter -> (target quantity, period) that identifies it, and why.
PAIRS = {
    "manufacturing.loads_per_job_year": (("trucks", "2024"), "plants' loads set the northbound trucks"),
    "trucking.backhaul_share": (("loaded_share", "2024"),
                                "returning loaded instead of empty sets the loaded share"),
    "crossers.west_pedestrians_per_day": (("west_pedestrians", "2024-02..2024-12"),
                                          "non-commuters are most of the West pedestrians"),
    "crossers.west_pov_per_day": (("west_vehicles", "2024"), "non-commuters are most of the West POVs"),
    "crossers.east_pedestrians_per_day": (("east_pedestrians", "2024-02..2024-12"),
                                          "non-commuters are most of the East pedestrians"),
    "crossers.east_pov_per_day": (("east_vehicles", "2024"), "non-commuters are most of the East POVs"),
    "labour.farm_daily_crossing_share": (("pedestrian_swing", "2024"),
                                         "the share of hired cross-border crews crossing each day sets the "
                                         "winter rise of pedestrians"),
    "agriculture.workers_per_load": (("field_workers_us_mean", "2024"),
                                     "crew demand per load sets the farm employment"),
    # The crossers' waits: a long general line draws officers to every general lane, so the
    # general lanes' processing sets their worst hour; CBP's priorities set how much faster the
    # trusted lanes run; the officers left after them set the pedestrians' wait.
    "lines.west_pov_general.primary_min": (("west_pov_general_peak_hour_wait_min", "2024"),
                                           "at the peak every general lane is staffed: processing sets the wait"),
    "officers.trusted_priority": (("west_pov_ready_peak_hour_wait_min", "2024"),
                                  "the Ready lanes' weight sets their booths when officers are short"),
    "officers.sentri_priority": (("west_pov_sentri_peak_hour_wait_min", "2024"),
                                 "the SENTRI lanes' weight sets their booths when officers are short"),
    "officers.west_passenger_day": (("west_pedestrian_peak_hour_wait_min", "2024"),
                                    "the day shift's officers left after the vehicle lanes staff the pedestrians"),
    "officers.west_passenger_night": (("west_pedestrian_night_wait_mean_min", "2024-01..2024-03"),
                                      "the night shift's officers serve the farm crews' early crossing"),
}
LOW = 1e-3  # lower bound for log space where a parameter's minimum is 0
# Forward-difference step in log parameters (15%): officers and processing minutes move waits by
# whole booths, and the waits move the counts through the crossers' choices, so a step must span
# the booth thresholds to give the slope of the response, not of one threshold (5% steps gave
# Jacobians of the wrong sign).
STEP = 0.15
ROUNDS = 5  # Jacobian re-estimations at most
MAX_STEP = 0.3  # a round moves each log parameter by at most this (about 35%): waits near a
# line's capacity respond to a booth more than linearly, so a long step lands where the
# round's Jacobian no longer holds
TOLERANCE_SHARE = 0.1  # stop when every fit target is within a tenth of its tolerance


@dataclass
class Fit:
    """A calibration result: fitted values, standard errors and the fit's diagnostics."""

    values: dict
    se: dict
    start: dict
    residuals: dict
    jacobian: list
    evaluations: int
    seeds: list
    days: int | None
    message: str


def paired_targets(target_list, keys=None) -> dict:
    """The fit target of each calibrated parameter (PAIRS), from a list of targets."""
    by_id = {(t.quantity, t.period): t for t in target_list if t.role == "fit"}
    out = {}
    for key in keys or PAIRS:
        ident = PAIRS[key][0]
        if ident not in by_id:
            raise KeyError(f"no fit target {ident} for {key}")
        out[key] = by_id[ident]
    return out


def _moments(scenario, fit_targets, values: dict, seeds, days) -> np.ndarray:
    """Scaled residuals (targets x seeds) for trial parameter values."""
    overrides = {k: (int(round(v)) if isinstance(SPECS[k].default, int) else float(v)) for k, v in values.items()}
    out = np.zeros((len(fit_targets), len(seeds)))
    for j, seed in enumerate(seeds):
        run = validate.run_year(scenario, seed, days=days, overrides=overrides)
        for i, t in enumerate(fit_targets):
            sim = validate.statistic(t, run)
            if sim is None:
                raise ValueError(f"the run does not cover the period of target {t.name!r}")
            out[i, j] = math.log(max(sim, 1e-12) / t.value) / math.log(1 + t.tolerance)
    return out


def fit(scenario, pairs: dict, seeds=(0, 1), days=None, start=None, max_evaluations=12,
        verbose=False) -> Fit:
    """Fit each parameter of `pairs` (dotted key -> Target), all at once, to the targets.

    Args:
        scenario: the loaded scenario (its overrides apply).
        pairs: the parameters to fit and the target that identifies each (see `paired_targets`).
        seeds: the common random numbers of every evaluation.
        days: a short run (tests); None runs the scenario's year.
        start: starting values (default: the scenario's current values).
        max_evaluations: a cap on least_squares steps per round (each is len(seeds) runs).
        verbose: print each evaluation's largest residual.

    """
    keys = list(pairs)
    fit_targets = list(pairs.values())
    params = scenario.params
    start = {k: float((start or {}).get(k, params[k])) for k in keys}
    lo = np.log([max(SPECS[k].min or 0.0, LOW) for k in keys])
    hi = np.log([SPECS[k].max for k in keys])
    x0 = np.clip(np.log([max(start[k], LOW) for k in keys]), lo + 1e-9, hi - 1e-9)
    cache = {}

    def residuals(x):
        key = tuple(np.round(x, 12))
        if key not in cache:
            cache[key] = _moments(scenario, fit_targets, dict(zip(keys, np.exp(x), strict=True)), seeds, days)
            if verbose:
                print(f"  evaluation {len(cache)}: largest |residual| {np.abs(cache[key].mean(axis=1)).max():.3f}"
                      " tolerances", flush=True)
        return cache[key].mean(axis=1)

    def jacobian(x):
        """Forward differences of the residuals in log parameters (a 15% step)."""
        r0 = residuals(x)
        jac = np.zeros((r0.size, x.size))
        for j in range(x.size):
            step = np.zeros_like(x)
            step[j] = STEP if x[j] + STEP <= hi[j] else -STEP
            jac[:, j] = (residuals(x + step) - r0) / step[j]
        return jac

    # The chord method: the Jacobian is estimated once per round and held fixed inside
    # least_squares, which saves len(keys) model runs per iteration; a round ends when the
    # residuals stop falling, and the next round re-estimates the Jacobian where the last ended.
    x = x0
    for _ in range(ROUNDS):
        jac = jacobian(x)
        near = (np.maximum(lo, x - MAX_STEP), np.minimum(hi, x + MAX_STEP))  # a trust region per round
        result = least_squares(residuals, x, jac=lambda _x, j=jac: j, bounds=near, xtol=1e-4, ftol=1e-3,
                               max_nfev=max_evaluations)
        x = result.x
        if np.abs(residuals(x)).max() < TOLERANCE_SHARE:
            break
    jac = jacobian(x)
    result.x = x
    per_seed = _moments(scenario, fit_targets, dict(zip(keys, np.exp(result.x), strict=True)), seeds, days)
    if len(seeds) > 1:
        cov_m = np.atleast_2d(np.cov(per_seed)) / len(seeds)
        pinv = np.linalg.pinv(jac)
        se_log = np.sqrt(np.clip(np.diag(pinv @ cov_m @ pinv.T), 0.0, None))
    else:
        se_log = np.full(len(keys), math.nan)
    values = np.exp(result.x)
    return Fit(
        values={k: _rounded(k, v) for k, v in zip(keys, values, strict=True)},
        se={k: float(v * s) for k, v, s in zip(keys, values, se_log, strict=True)},
        start=start,
        residuals={t.name: float(r) for t, r in zip(fit_targets, per_seed.mean(axis=1), strict=True)},
        jacobian=jac.tolist(), evaluations=len(cache), seeds=list(seeds), days=days, message=result.message)


def _rounded(key, value):
    """Values as shipped: integers stay integers, others keep 4 significant figures."""
    if isinstance(SPECS[key].default, int):
        return int(round(value))
    return float(f"{value:.4g}")


def fit_markdown(result: Fit) -> str:
    """The calibration section of the report: what was fitted, to what, and how well."""
    lines = ["## Calibrated parameters", "",
             "The shipped defaults of these parameters are the result of `calexico calibrate` (simulated "
             "method of moments on `scipy.optimize.least_squares` with a chord Jacobian, log parameters, residuals "
             "log(sim/obs)/log(1+tolerance), common random numbers: seeds "
             f"{result.seeds}; {result.evaluations} model evaluations; {result.message}). "
             "SE is the simulation error carried through the Jacobian (delta method).", "",
             "| Parameter | Start | Fitted | SE | Fitted to | Why this target |", "|---|---:|---:|---:|---|---|"]
    for (k, v), target in zip(result.values.items(), result.residuals, strict=True):
        why = PAIRS[k][1] if k in PAIRS else ""
        lines.append(f"| `{k}` | {result.start[k]:.4g} | {v:.4g} | {result.se[k]:.2g} | {target} | {why} |")
    lines += ["", "Not fitted, because no target identifies them: the primary inspection minutes (no "
              "wait-time target; counts move with them only when a line saturates), secondary referral "
              "shares, and the behavioural elasticities (no before/after data). They remain labelled "
              "assumptions or placeholders in `parameters.toml`."]
    return "\n".join(lines)


def fit_range(key: str, value: float, se: float) -> tuple:
    """A calibrated parameter's sensitivity range: the fit's 95% interval, value -+ 1.96 SE, rounded
    outward to four significant figures (whole numbers for integers), within the allowed range.
    """
    spec = SPECS[key]
    lo, hi = value - 1.96 * se, value + 1.96 * se
    if isinstance(spec.default, int):
        lo, hi = math.floor(lo), math.ceil(hi)
    else:
        step = 10.0 ** (math.floor(math.log10(abs(value))) - 3) if value else 1e-4  # the fourth figure
        lo, hi = (float(f"{x:.4g}") for x in (lo, hi))
        lo, hi = min(lo, float(f"{value - step:.4g}")), max(hi, float(f"{value + step:.4g}"))
    if spec.min is not None:
        lo = max(lo, spec.min)
    if spec.max is not None:
        hi = min(hi, spec.max)
    return lo, hi


def write_parameters(values: dict, note: str, path: Path | None = None, se: dict | None = None):
    """Replace the `value`, the sensitivity range (`low`/`high`, the fit's 95% interval, when the
    fit's standard errors are given) and the `calibrated` text of calibrated entries in
    parameters.toml.

    A line-level edit of `key = { value = ..., calibrated = "..." }` inside its [section], so the
    rest of the file (comments, order, other people's edits) is untouched.
    """
    path = path or Path(__file__).resolve().parents[2] / "model" / "data" / "parameters.toml"
    text = path.read_text()
    for dotted, value in values.items():
        section, _, leaf = dotted.rpartition(".")
        if SPECS[dotted].provenance_kind != "calibrated":
            raise ValueError(f"{dotted} is not labelled calibrated in parameters.toml")
        head = re.search(rf"^\[{re.escape(section)}\]\s*$", text, flags=re.M)
        line = re.compile(rf"^({re.escape(leaf)} = \{{ value = )([^,]+)(,.*calibrated = \")([^\"]*)(\".*)$",
                          flags=re.M)
        m = line.search(text, head.end())
        nxt = re.search(r"^\[", text[head.end():], flags=re.M)
        if m is None or (nxt and m.start() > head.end() + nxt.start()):
            raise ValueError(f"{dotted} not found in {path}")
        (quantity, period), _ = PAIRS[dotted]
        shown = repr(int(value) if isinstance(SPECS[dotted].default, int) else float(value))
        why = f"fitted by calexico calibrate to target {quantity} {period} ({note})"
        middle = m.group(3)
        if se is not None:
            lo, hi = fit_range(dotted, value, se[dotted])
            middle = re.sub(r"low = [^,]+, high = [^,]+,", f"low = {lo!r}, high = {hi!r},", middle)
        text = text[:m.start()] + m.group(1) + shown + middle + why + m.group(5) + text[m.end():]
    runs.atomic_write(path, text.encode())


def main(reps: int = 2, out: Path = Path("results/calibrate"), write: bool = False, targets_path=None,
         scenario_name: str = "baseline", report_reps: int = 5) -> int:
    """Fit, print, write calibration.json and the report of the fitted model; 1 if a fit target fails."""
    scenario = scenarios.load(scenario_name)
    target_list = targets.load(targets_path)
    result = fit(scenario, paired_targets(target_list), seeds=tuple(range(reps)), verbose=True)
    print("Fitted parameters (value ± SE):")
    for k, v in result.values.items():
        print(f"  {k:40s} {result.start[k]:>10.4g} -> {v:>10.4g} ± {result.se[k]:.2g}")
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    runs.atomic_write(out / "calibration.json", storage.strict_json(result.__dict__, str(out / "calibration.json")))
    if write:
        write_parameters(result.values, "calibrated by SMM, see docs/calibration.md", se=result.se)
        print("Fitted values written to model/data/parameters.toml")
    table, code = validate.validate(scenario, reps=report_reps, out=out, targets_path=targets_path,
                                    overrides=result.values,
                                    calibration_md=fit_markdown(result))
    validate.print_table(table[table["role"] == "fit"])
    print(f"Report written to {out}/calibration.md")
    return code
