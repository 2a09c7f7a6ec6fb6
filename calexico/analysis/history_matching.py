"""`calexico history-match`: which parameter sets are consistent with everything observed.

History matching (Craig et al. 1997; Vernon, Goldstein & Bower 2010; Andrianakis et al. 2015;
hmer, Iskauskas et al. 2024) in waves. Each wave runs the model at design points (wave 1: a
Latin hypercube over every factor's range and the shipped defaults; later waves: points drawn
inside what the earlier waves left, half of them around the runs that came closest), fits an
emulator per observed quantity to the runs, checks it by leave-one-out,
and rules out the parameter sets whose implausibility

    I_i(x) = |z_i - E[f_i(x)]| / sqrt(Var_obs + Var_discrepancy + Var_seed + Var_emulator(x))

exceeds the cut-off (3: Pukelsheim's three-sigma rule holds for any unimodal distribution) in
its k-th largest value over the targets (k = 1 the maximum, 2 the second maximum). Everything
is compared on the log scale (z = log of the observed value), so the errors are relative SDs
(calexico/data/history_matching.toml says which and why).

The observed quantities are the project's target registry (calexico/data/targets.csv: fit and
check targets, whatever others add to it) and the statistics are calexico.analysis.validate's, computed
from the same runs `calexico validate` makes: a target or a statistic added there is used here
with no change of code. Runs go through the batch machinery (calexico.running.batch, one file per run,
`--resume` after a kill, a local pool, Dask or SLURM), with common seeds at every point.

The emulator is scikit-learn's Gaussian process (see docs/history_matching.md for why): a
linear regression on the few factors that matter for the quantity (chosen by the lasso), and
a Gaussian process with one length scale per chosen factor and a nugget on what the regression
leaves; the nugget carries the effect of the factors left out and the seed's noise.

A folder holds: match.json (what was asked), observations.csv (the targets used, their errors,
and the ones left out with the reason), wave_K/ (design.csv, manifest.json and runs/ of the
batch, emulators.csv, implausibility.csv, emulators.png), waves.csv, plausible.csv (model-run
plausible sets), plausible_fit.csv (each set's fit to every target), nonimplausible.csv (an
emulator sample of the region left, for `calexico sensitivity --plausible`), figures/, report.md.
"""

import json
import math
import time
import tomllib
import warnings
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from calexico.analysis import targets, validate
from calexico.analysis.sensitivity import Factor
from calexico.running import batch, pools, provenance, runs, scenarios, storage
from model.parameters import SPECS, ParameterError, ranged_specs

DATA = Path(__file__).resolve().parent.parent / "data"
ERRORS_FILE = DATA / "history_matching.toml"
FACTOR_SETS = {"assumptions+calibrated": ("assumption", "calibrated"), "assumptions": ("assumption",),
               "calibrated": ("calibrated",)}
PERIOD_KINDS = ("year", "month", "range", "any")
RULE_KEYS = {"names", "quantities", "periods", "years", "use", "observation", "discrepancy", "reason"}
MC_SAMPLE = 20_000  # uniform points that measure the share of the space left
# The quantities a plausible set must reproduce within their tolerances (the counts the calibration
# fits). The waits the calibration also fits are held by their implausibility alone: the press's
# ranges are wider than the calibration's goal for them (history_matching.toml).
COUNTED = {"trucks", "loaded_share", "west_pedestrians", "east_pedestrians", "west_vehicles", "east_vehicles",
           "pedestrian_swing", "field_workers_us_mean"}
LOCAL_STEP = 0.05  # SD of a draw around a design point, in the unit cube
NEAREST = 10  # design points that came closest, around which a later wave draws half its points
FLOOR = 1e-3  # a simulated value below FLOOR x observed counts as FLOOR x observed on the log scale


# ----------------------------------------------------------------------------- observations
@dataclass(frozen=True)
class Observation:
    """A target of the registry with its errors on the log scale."""

    target: targets.Target
    observation_sd: float
    discrepancy_sd: float
    reason: str

    @property
    def name(self) -> str:
        """The target's name (unique in the registry)."""
        return self.target.name

    @property
    def z(self) -> float:
        """The observed value on the log scale."""
        return math.log(self.target.value)

    @property
    def var_fixed(self) -> float:
        """Observation error and model discrepancy (log scale, relative SDs squared)."""
        return self.observation_sd ** 2 + self.discrepancy_sd ** 2

    def log(self, simulated) -> np.ndarray:
        """Simulated values on the log scale (a value near zero is floored at FLOOR x observed)."""
        return np.log(np.maximum(np.asarray(simulated, float), FLOOR * self.target.value))


def _period_kind(t: targets.Target) -> str:
    first, _, last = t.period.partition("..")
    return "range" if last else ("year" if len(first) == 4 else "month")


def load_rules(path=None) -> tuple[dict, list[dict]]:
    """The default and the rules of an errors file, checked (a mistake names file, key and value)."""
    path = Path(path) if path else ERRORS_FILE
    where = str(path)
    if not path.is_file():
        raise ParameterError("command line", "--errors", where, "an existing TOML file of target errors")
    try:
        raw = tomllib.loads(path.read_text())
    except tomllib.TOMLDecodeError as err:
        raise ParameterError(where, "(syntax)", str(err), "valid TOML") from None
    if set(raw) - {"default", "rules"} or "default" not in raw:
        raise ParameterError(where, "tables", sorted(raw), "a [default] table and [[rules]] tables")
    default = _checked_rule(raw["default"], where, "default", default=True)
    rules = [_checked_rule(r, where, f"rules[{i}]") for i, r in enumerate(raw.get("rules", []))]
    return default, rules


def _checked_rule(rule, where: str, key: str, default: bool = False) -> dict:
    if not isinstance(rule, dict):
        raise ParameterError(where, key, rule, "a table")
    allowed = {"observation", "discrepancy", "reason"} if default else RULE_KEYS
    for k in rule:
        if k not in allowed:
            raise ParameterError(where, f"{key}.{k}", rule[k], f"one of {sorted(allowed)}")
    for k in ("observation", "discrepancy"):
        v = rule.get(k)
        ok = v == "tolerance" or (isinstance(v, int | float) and not isinstance(v, bool) and 0 <= v < 5)
        if not ok:
            raise ParameterError(where, f"{key}.{k}", v, '"tolerance" or a relative SD from 0 to 5')
    if not isinstance(rule.get("reason"), str) or not rule["reason"].strip():
        raise ParameterError(where, f"{key}.reason", rule.get("reason"), "the reason for these errors (text)")
    if default:
        return rule
    if ("names" in rule) == ("quantities" in rule):
        raise ParameterError(where, key, sorted(rule), "exactly one of names or quantities")
    for k in ("names", "quantities"):
        if k in rule and (not isinstance(rule[k], list) or not all(isinstance(x, str) for x in rule[k])):
            raise ParameterError(where, f"{key}.{k}", rule[k], "a list of text")
    for q in rule.get("quantities", []):
        if q != "*" and q not in targets.QUANTITIES:
            raise ParameterError(where, f"{key}.quantities", q, f'"*" or one of {list(targets.QUANTITIES)}')
    if rule.get("periods", "any") not in PERIOD_KINDS:
        raise ParameterError(where, f"{key}.periods", rule["periods"], f"one of {list(PERIOD_KINDS)}")
    years = rule.get("years", [])
    if not isinstance(years, list) or not all(isinstance(y, int) and not isinstance(y, bool) for y in years):
        raise ParameterError(where, f"{key}.years", years, "a list of calendar years")
    if not isinstance(rule.get("use", True), bool):
        raise ParameterError(where, f"{key}.use", rule["use"], "true or false")
    return rule


def _matches(rule: dict, t: targets.Target) -> bool:
    if "names" in rule and t.name not in rule["names"]:
        return False
    if "quantities" in rule and "*" not in rule["quantities"] and t.quantity not in rule["quantities"]:
        return False
    if rule.get("periods", "any") not in ("any", _period_kind(t)):
        return False
    return not rule.get("years") or t.year in rule["years"]


def _sds(rule: dict, tolerance: float) -> tuple[float, float]:
    """(observation SD, discrepancy SD), resolving "tolerance" (three SDs of the two together)."""
    total = tolerance / 3
    obs, disc = rule["observation"], rule["discrepancy"]
    if obs == "tolerance" and disc == "tolerance":
        return total / math.sqrt(2), total / math.sqrt(2)
    if obs == "tolerance":
        return math.sqrt(max(total ** 2 - disc ** 2, 0.0)), float(disc)
    if disc == "tolerance":
        return float(obs), math.sqrt(max(total ** 2 - obs ** 2, 0.0))
    return float(obs), float(disc)


def observations(target_list, errors_path=None) -> tuple[list[Observation], list[tuple[targets.Target, str]]]:
    """The targets used, each with its errors, and those left out with the reason."""
    default, rules = load_rules(errors_path)
    names = [t.name for t in target_list]
    if len(set(names)) != len(names):
        twice = sorted({n for n in names if names.count(n) > 1})
        raise ParameterError("targets", "name", twice[0], "a name used by one target only")
    used, left = [], []
    for t in target_list:
        rule = next((r for r in rules if _matches(r, t)), default)
        if not rule.get("use", True):
            left.append((t, rule["reason"]))
            continue
        if t.value <= 0:
            left.append((t, "an observed value of 0 or less has no log"))
            continue
        obs, disc = _sds(rule, t.tolerance)
        used.append(Observation(t, obs, disc, rule["reason"]))
    return used, left


# ----------------------------------------------------------------------------- the model as seen by the match
@dataclass(frozen=True)
class Measure:
    """Every used target's statistic from one run (a batch `measure`: picklable, runs in a worker)."""

    targets: tuple

    def __call__(self, scenario, seed: int, days, parameters: dict) -> dict:
        """{"targets": {name: simulated value}}; targets the run does not cover are left out."""
        sims = validate.simulate(scenario, list(self.targets), [seed], days=days, overrides=parameters)
        values = {}
        for t in self.targets:
            for run in sims.get(t.year, []):
                v = validate.statistic(t, run)
                if v is not None and math.isfinite(v):
                    values[t.name] = float(v)
        return {"targets": values}


def choose_factors(selection: str) -> list[Factor]:
    """The factors: every labelled assumption and calibrated value over its range, or a TOML file."""
    if selection in FACTOR_SETS:
        return [Factor(k, s.range) for k, s in ranged_specs(FACTOR_SETS[selection]).items()
                if not isinstance(s.default, bool | str)]
    from calexico.analysis import screening

    return screening.choose_factors(selection)


# ----------------------------------------------------------------------------- emulators
@dataclass
class Emulator:
    """A Gaussian-process emulator of one target's log mean over seeds, on the unit cube."""

    name: str
    active: list[int]
    constant: float | None = None
    coef: np.ndarray | None = None
    intercept: float = 0.0
    gp: object = None
    inflation: float = 1.0
    diagnostics: dict = field(default_factory=dict)

    def predict(self, U: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Mean and variance (inflated by the leave-one-out check) at points U (rows in [0, 1]^d)."""
        if self.constant is not None:
            return np.full(len(U), self.constant), np.zeros(len(U))
        Xa = U[:, self.active]
        mean_gp, sd = self.gp.predict(Xa, return_std=True)
        return Xa @ self.coef + self.intercept + mean_gp, self.inflation * sd ** 2


def fit_emulator(name: str, U: np.ndarray, y: np.ndarray, max_active: int = 8, seed: int = 0) -> Emulator:
    """Fit an emulator of y (one value per design point) and check it by leave-one-out.

    The active factors are the lasso's largest coefficients (LassoCV on standardised inputs);
    the linear part is refitted on them by least squares, and the Gaussian process (a constant
    times an anisotropic squared exponential, plus a white-noise nugget) models the rest. The
    leave-one-out standardised errors of the Gaussian process (closed form, Rasmussen &
    Williams 2006, eq. 5.12) inflate the emulator's variance when they are too wide.
    """
    from scipy.linalg import cho_solve
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.gaussian_process import GaussianProcessRegressor
    from sklearn.gaussian_process.kernels import RBF, ConstantKernel, WhiteKernel
    from sklearn.linear_model import LassoCV

    start = time.perf_counter()
    n, d = U.shape
    if np.ptp(y) < 1e-12:
        return Emulator(name, [], constant=float(y.mean()),
                        diagnostics={"target": name, "points": n, "active": "", "loo_r2": 1.0, "loo_within_3sd": 1.0,
                                     "loo_rms_z": 0.0, "inflation": 1.0, "nugget_share": 0.0,
                                     "fit_s": time.perf_counter() - start})
    Xs = (U - 0.5) * math.sqrt(12)
    ys = (y - y.mean()) / y.std()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        lasso = LassoCV(cv=min(5, n), alphas=30, random_state=seed, max_iter=5000).fit(Xs, ys)
    order = np.argsort(-np.abs(lasso.coef_), kind="stable")
    active = [int(j) for j in order[:max_active] if abs(lasso.coef_[j]) > 0]
    if not active:
        corr = np.abs([np.corrcoef(U[:, j], y)[0, 1] if np.ptp(U[:, j]) > 0 else 0 for j in range(d)])
        active = [int(j) for j in np.argsort(-np.nan_to_num(corr), kind="stable")[:min(2, d)]]
    Xa = U[:, active]
    A = np.column_stack([Xa, np.ones(n)])
    beta = np.linalg.lstsq(A, y, rcond=None)[0]
    resid = y - A @ beta
    kernel = (ConstantKernel(1.0, (1e-3, 1e3)) * RBF(np.full(len(active), 0.5), (0.05, 20.0))
              + WhiteKernel(0.05, (1e-6, 2.0)))
    gp = GaussianProcessRegressor(kernel, normalize_y=True, n_restarts_optimizer=1, random_state=seed)
    with warnings.catch_warnings():  # a length scale or nugget at its bound is expected, and reported
        warnings.simplefilter("ignore", ConvergenceWarning)
        gp.fit(Xa, resid)
    # Leave-one-out in closed form with the fitted hyperparameters.
    K_inv = cho_solve((gp.L_, True), np.eye(n))
    scale = float(np.atleast_1d(gp._y_train_std)[0])
    alpha = gp.alpha_.ravel()
    loo_var = scale ** 2 / np.diag(K_inv)
    loo_mean = y - scale * alpha / np.diag(K_inv)
    z = (y - loo_mean) / np.sqrt(loo_var)
    inflation = max(1.0, float(np.mean(z ** 2)))
    sst = float(((y - y.mean()) ** 2).sum())
    params = gp.kernel_.get_params()
    nugget = float(params["k2__noise_level"])
    signal = float(params["k1__k1__constant_value"])
    em = Emulator(name, active, None, beta[:-1], float(beta[-1]), gp, inflation)
    em.diagnostics = {"target": name, "points": n, "active": ";".join(map(str, active)),
                      "loo_r2": 1 - float(((y - loo_mean) ** 2).sum()) / sst if sst > 0 else 1.0,
                      "loo_within_3sd": float(np.mean(np.abs(z) <= 3)), "loo_rms_z": float(np.sqrt(np.mean(z ** 2))),
                      "inflation": inflation, "nugget_share": nugget / (nugget + signal),
                      "fit_s": time.perf_counter() - start}
    em.loo = (loo_mean, np.sqrt(loo_var * inflation))
    return em


# ----------------------------------------------------------------------------- implausibility
def implausibility(z: np.ndarray, mean: np.ndarray, var_fixed: np.ndarray, var_seed: np.ndarray,
                   var_emulator: np.ndarray) -> np.ndarray:
    """I = |z - E[f(x)]| / sqrt(Var_obs + Var_discrepancy + Var_seed + Var_emulator), elementwise.

    Args are broadcast: points along the first axis, targets along the last.
    """
    return np.abs(z - mean) / np.sqrt(var_fixed + var_seed + var_emulator)


def kth_max(imp: np.ndarray, k: int = 1) -> np.ndarray:
    """The k-th largest implausibility of each row (over targets); the smallest if fewer than k."""
    if imp.shape[1] == 0:
        return np.zeros(len(imp))
    k = min(k, imp.shape[1])
    return -np.partition(-imp, k - 1, axis=1)[:, k - 1]


@dataclass
class Wave:
    """One wave's emulators and the seed variance of each target."""

    number: int
    emulators: list[Emulator]
    observations: list[Observation]
    var_seed: np.ndarray

    def implausibilities(self, U: np.ndarray) -> np.ndarray:
        """Points x targets: each target's implausibility under this wave's emulators."""
        if not self.emulators:
            return np.zeros((len(U), 0))
        out = np.empty((len(U), len(self.emulators)))
        for i, (em, ob) in enumerate(zip(self.emulators, self.observations, strict=True)):
            mean, var = em.predict(U)
            out[:, i] = implausibility(ob.z, mean, ob.var_fixed, self.var_seed[i], var)
        return out


# ----------------------------------------------------------------------------- the plan
@dataclass
class Plan:
    """What a history match varies, compares and runs: everything that fixes its result.

    Args:
        factors: the Factors (a parameter key and its range each).
        scenario: the base scenario of every run.
        days: measured days per run (None: the scenario's year); only targets a run covers are used.
        waves: waves of runs, emulators and cuts.
        points: design points per wave.
        reps: seeds per point (the same seeds at every point: common random numbers); 2 or more,
            because the seed's variance is measured from them.
        base_seed: every run's seed derives from it (calexico.running.batch).
        design_seed: the seed of the designs, the emulator fits and the samples.
        cutoff: the implausibility cut-off.
        max_rank: 1 rules out on the largest implausibility over targets, 2 on the second largest.
        max_active: the most factors an emulator uses.
        candidates: uniform draws at most when sampling a wave inside the region left.
        targets_path, errors_path: the target registry and the errors file (None: the shipped ones).
        fixed: overrides every run shares.

    """

    factors: list[Factor]
    scenario: str = "baseline"
    days: int | None = None
    waves: int = 4
    points: int = 200
    reps: int = 2
    base_seed: int = 0
    design_seed: int = 0
    cutoff: float = 3.0
    max_rank: int = 2
    max_active: int = 8
    candidates: int = 200_000
    targets_path: str | None = None
    errors_path: str | None = None
    fixed: dict = field(default_factory=dict)

    def __post_init__(self):
        for name, value, low in (("--waves", self.waves, 1), ("--points", self.points, 8), ("--reps", self.reps, 2),
                                 ("--days", self.days, 1), ("--max-rank", self.max_rank, 1),
                                 ("--max-active", self.max_active, 1), ("--seed", self.base_seed, 0)):
            if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < low):
                raise ParameterError("command line", name, value, f"a whole number, {low} or more")
        if not (isinstance(self.cutoff, int | float) and math.isfinite(self.cutoff) and self.cutoff > 0):
            raise ParameterError("command line", "--cutoff", self.cutoff, "a number above 0 (3 is usual)")
        if not self.factors:
            raise ParameterError("command line", "--factors", [], "at least one factor")
        for f in self.factors:
            f.check("history-match factor")
        scenarios.load(self.scenario)

    def to_json(self) -> dict:
        """The plan as plain data (match.json)."""
        out = asdict(self)
        out["factors"] = [{"name": f.name, "bounds": list(f.bounds)} for f in self.factors]
        return json.loads(json.dumps(out, default=str))

    def values(self, u: np.ndarray) -> dict:
        """The parameter overrides of one point of the unit cube."""
        return {f.name: f.value(f.bounds[0] + float(x) * (f.bounds[1] - f.bounds[0]))
                for f, x in zip(self.factors, u, strict=True)}


# ----------------------------------------------------------------------------- designs
def first_design(plan: Plan) -> np.ndarray:
    """Wave 1: a Latin hypercube over the unit cube, and the shipped defaults as its last point
    (so the match says whether the model as it ships is plausible, and later waves can draw
    around it if it came close).
    """
    from scipy.stats import qmc

    lhs = qmc.LatinHypercube(d=len(plan.factors), seed=plan.design_seed).random(plan.points - 1)
    return np.vstack([lhs, shipped_point(plan)])


def shipped_point(plan: Plan) -> np.ndarray:
    """The shipped default of each factor in the unit cube (the middle for a factor with no default)."""
    u = np.full(len(plan.factors), 0.5)
    for j, f in enumerate(plan.factors):
        spec = SPECS.get(f.name)
        if spec is None or f.levels is not None or isinstance(spec.default, bool | str):
            continue
        low, high = (float(b) for b in f.bounds)
        if high > low:
            u[j] = min(1.0, max(0.0, (float(spec.default) - low) / (high - low)))
    return u


def nonimplausible(waves: list[Wave], U: np.ndarray, plan: Plan) -> np.ndarray:
    """Which points of U no wave rules out (earlier waves first: later ones see only survivors)."""
    keep = np.ones(len(U), bool)
    for wave in waves:
        idx = np.flatnonzero(keep)
        if not len(idx):
            break
        keep[idx] = kth_max(wave.implausibilities(U[idx]), plan.max_rank) <= plan.cutoff
    return keep


def sample_region(waves: list[Wave], plan: Plan, n: int, wave_number: int,
                  centres: np.ndarray | None = None) -> tuple[np.ndarray, dict]:
    """Draw n points inside the region no wave rules out.

    Half are uniform draws kept if non-implausible; half are draws around `centres` (the design
    points whose runs came closest to every observation, see `closeness`), kept if
    non-implausible: a Gaussian step of LOCAL_STEP in the unit cube. The region is thin in many
    directions at once, and uniform draws rarely land where every count holds at once; hmer's
    later waves likewise draw around the non-implausible points they have (Iskauskas et al.
    2024). When the uniform draws are too few, draws around them fill the rest.

    Returns the points (fewer than n, or none, when the region is that small) and what it took.
    """
    rng = np.random.default_rng([plan.design_seed, wave_number])
    d, drawn, kept = len(plan.factors), 0, []
    batch_size = 5000
    near = np.zeros((0, d))
    local = 0
    if centres is not None and len(centres):
        want = n // 2
        while len(near) < want and local < plan.candidates:
            U = np.clip(centres[rng.integers(len(centres), size=batch_size)]
                        + rng.normal(0, LOCAL_STEP, (batch_size, d)), 0, 1)
            local += batch_size
            near = np.concatenate([near, U[nonimplausible(waves, U, plan)]])
        if len(near) > want:
            near = near[np.sort(rng.choice(len(near), want, replace=False))]
    n_uniform = n - len(near)
    while drawn < plan.candidates and sum(len(k) for k in kept) < 4 * n_uniform:
        U = rng.random((batch_size, d))
        drawn += batch_size
        kept.append(U[nonimplausible(waves, U, plan)])
    found = np.concatenate(kept) if kept else np.zeros((0, d))
    uniform_rate = len(found) / drawn if drawn else 0.0
    while 0 < len(found) < n_uniform and local < 2 * plan.candidates:
        around = found[rng.integers(len(found), size=batch_size)]
        U = np.clip(around + rng.normal(0, LOCAL_STEP, around.shape), 0, 1)
        local += batch_size
        found = np.concatenate([found, U[nonimplausible(waves, U, plan)]])
    if len(found) > n_uniform:
        found = found[np.sort(rng.choice(len(found), n_uniform, replace=False))]
    return np.concatenate([found, near]), {"uniform_draws": drawn, "uniform_acceptance": uniform_rate,
                                           "local_draws": local, "near_best": len(near)}


# ----------------------------------------------------------------------------- running a wave
def wave_spec(plan: Plan, scenario, U: np.ndarray, obs: list[Observation], number: int) -> batch.Spec:
    """A wave as a batch: one point per design row, `reps` common seeds, the Measure of every target."""
    points = [plan.values(u) for u in U]
    for p in points:
        for k, v in p.items():
            SPECS[k].check(v, f"history-match wave {number}")
    return batch.Spec(f"history match wave {number}", {"history_match_wave": number, "plan": plan.to_json()},
                      [scenario], points, replications=plan.reps, base_seed=plan.base_seed, days=plan.days,
                      fixed=dict(plan.fixed), measure=Measure(tuple(o.target for o in obs)))


def collect(folder: Path, obs: list[Observation], points: int, reps: int) -> np.ndarray:
    """The runs' values on the log scale: points x reps x targets (NaN where a run lacks a target)."""
    out = np.full((points, reps, len(obs)), np.nan)
    problems = []
    for path in sorted((Path(folder) / "runs").glob("[0-9]*.json")):
        record = json.loads(path.read_text())
        if record["status"] != "ok":
            problems.append(f"run {record['run']}: {record['error']}")
            continue
        values = record["summary"]["targets"]
        for i, o in enumerate(obs):
            if o.name in values:
                out[record["point"], record["replication"], i] = o.log(values[o.name])
    if problems:
        raise Incomplete(f"{folder}: {len(problems)} runs failed ({'; '.join(problems[:3])}); "
                         "fix the cause and run the same command with --resume")
    return out


class Incomplete(RuntimeError):
    """Some runs of a wave failed; the emulators need every point."""


def fit_wave(number: int, U: np.ndarray, Y: np.ndarray, obs: list[Observation], plan: Plan) -> Wave:
    """The wave's emulators: one per target every run covers, fitted to the replication means."""
    keep = [i for i in range(len(obs)) if np.isfinite(Y[:, :, i]).all()]
    means = Y[:, :, keep].mean(axis=1)
    var_seed = Y[:, :, keep].var(axis=1, ddof=1).mean(axis=0)
    emulators = [fit_emulator(obs[i].name, U, means[:, j], plan.max_active, plan.design_seed)
                 for j, i in enumerate(keep)]
    return Wave(number, emulators, [obs[i] for i in keep], var_seed)


def run_wave_batch(spec: batch.Spec, folder: Path, executor, workers: int, resume: bool, progress: bool):
    """Run (or finish) a wave's batch; resume also finishes a wave a kill cut short."""
    records = folder / "runs"
    again = resume or (records.is_dir() and not any(records.iterdir()))
    return batch.run_batch(spec, folder, executor=executor, workers=workers, resume=again, progress=progress)


# ----------------------------------------------------------------------------- the match
@dataclass
class Match:
    """A finished match: the waves, their tables and the plausible sets."""

    plan: Plan
    observations: list[Observation]
    left_out: list
    waves: list[Wave]
    designs: list[np.ndarray]
    values: list[np.ndarray]
    table: pd.DataFrame
    plausible: pd.DataFrame
    plausible_fit: pd.DataFrame
    mc: np.ndarray
    mc_implausibility: np.ndarray
    stopped: str = ""


def check_same_code(out: Path):
    """A match's waves run on one code: each wave's emulators learn from the runs before it, so a
    change of the model between waves (a commit, or an edit of an installed checkout, read by the
    workers each wave starts) would mix two models in one region. Refuses to go on after one.
    """
    started = json.loads((out / "match.json").read_text()).get("code_version")
    now = provenance.code_version()
    if started and now != started:
        raise ParameterError(str(out / "match.json"), "code_version", now,
                             f"the code the match started on, {started}: a match's waves run on one code "
                             "(run a new match into a new --out folder)")


def prepare(plan: Plan, out: Path, resume: bool) -> tuple[list[Observation], list]:
    """Check the folder, write match.json and observations.csv; the targets used and left out."""
    storage.check_out_folder(out)
    obs, left = observations(targets.load(plan.targets_path), plan.errors_path)
    if not obs:
        raise ParameterError(str(plan.errors_path or ERRORS_FILE), "rules", "(every target left out)",
                             "rules that use at least one target")
    previous = out / "match.json"
    asked = plan.to_json()
    if previous.exists():
        if not resume:
            raise ParameterError(str(out), "--out", str(out), "an empty or new folder (or add --resume)")
        if json.loads(previous.read_text()).get("plan") != asked:
            raise ParameterError(str(previous), "plan", "(a different match)",
                                 "the same options as the match already in this folder, or a new --out folder")
        check_same_code(out)
    elif out.is_dir() and any(out.iterdir()):
        raise ParameterError(str(out), "--out", str(out), "a new folder (this one holds something else)")
    out.mkdir(parents=True, exist_ok=True)
    record = {"plan": asked, "code_version": provenance.code_version(), "targets_used": len(obs),
              "targets_left_out": len(left)}
    runs.atomic_write(previous, storage.strict_json(record, str(previous)))
    rows = [{"name": o.name, "quantity": o.target.quantity, "period": o.target.period, "role": o.target.role,
             "observed": o.target.value, "tolerance": o.target.tolerance, "used": True,
             "observation_sd": o.observation_sd, "discrepancy_sd": o.discrepancy_sd, "reason": o.reason}
            for o in obs]
    rows += [{"name": t.name, "quantity": t.quantity, "period": t.period, "role": t.role, "observed": t.value,
              "tolerance": t.tolerance, "used": False, "observation_sd": math.nan, "discrepancy_sd": math.nan,
              "reason": reason} for t, reason in left]
    runs.atomic_write(out / "observations.csv", pd.DataFrame(rows).to_csv(index=False).encode())
    return obs, left


def history_match(plan: Plan, out, executor=None, workers: int = 1, resume: bool = False,
                  progress: bool = True, report: bool = True, on_wave=None) -> Match:
    """Run a history match into `out` (or finish one with `resume`) and write its tables and report.

    Args:
        plan: the match.
        out: its folder.
        executor: any concurrent.futures-style executor (Dask, SLURM through Dask); default a
            local process pool of `workers` (workers=1: this process).
        workers: processes for the default pool.
        resume: finish a match a kill or a failure cut short (runs on disk are not run again).
        progress: show each wave's progress bar.
        report: write report.md and the figures.
        on_wave: called with (wave number, wave row) as each wave ends.

    """
    out = Path(out)
    obs, left = prepare(plan, out, resume)
    own = executor is None and workers > 1
    if own:  # one pool for every wave: a pool takes seconds to start
        executor = pools.local_executor(workers)
    from threadpoolctl import threadpool_limits

    try:
        # One BLAS thread: the emulators' matrices are small, and on a machine whose cores run the
        # model threads only fight each other (four times slower fits on two busy cores).
        with threadpool_limits(limits=1):
            return _waves(plan, out, obs, left, executor, workers, resume, progress, report, on_wave)
    finally:
        if own:
            executor.shutdown()


def _waves(plan: Plan, out: Path, obs: list[Observation], left: list, executor, workers: int, resume: bool,
           progress: bool, report: bool, on_wave) -> Match:
    """The waves of a match, its plausible sets and its report (see `history_match`)."""
    scenario = scenarios.load(plan.scenario)
    rng = np.random.default_rng([plan.design_seed, 999])
    mc = rng.random((MC_SAMPLE, len(plan.factors)))
    mc_I = np.zeros(MC_SAMPLE)
    mc_alive = np.ones(MC_SAMPLE, bool)
    waves, designs, values, rows, stopped = [], [], [], [], ""
    for k in range(1, plan.waves + 1):
        folder = out / f"wave_{k}"
        if k == 1:
            U, how = first_design(plan), {"uniform_draws": 0, "uniform_acceptance": 1.0, "local_draws": 0}
        else:
            U, how = sample_region(waves, plan, plan.points, k, nearest_points(plan, obs, designs, values))
            if len(U) < 2:
                stopped = (f"wave {k}: no parameter set left to run: {how['uniform_draws']:,} uniform draws and "
                           f"{how['local_draws']:,} local ones found {len(U)} non-implausible")
                break
        design = pd.DataFrame(U, columns=[f.name for f in plan.factors])
        design.insert(0, "point", range(len(U)))
        folder.mkdir(parents=True, exist_ok=True)
        runs.atomic_write(folder / "design.csv", design.to_csv(index=False).encode())
        spec = wave_spec(plan, scenario, U, obs, k)
        check_same_code(out)
        done = run_wave_batch(spec, folder, executor, workers, resume, progress)
        if done["failed"]:
            raise Incomplete(f"{folder}: {done['failed']} of {done['total']} runs failed "
                             f"({next(iter(done['errors'].values()))}); fix the cause and run the same command "
                             "with --resume")
        Y = collect(folder, obs, len(U), plan.reps)
        wave = fit_wave(k, U, Y, obs, plan)
        if not wave.emulators:
            raise Incomplete(f"{folder}: no target is covered by every run (runs of {plan.days} days cover "
                             "none of the targets' periods)")
        waves.append(wave)
        designs.append(U)
        values.append(Y)
        # The share of the original space left: uniform points no wave so far rules out.
        I_mc = np.zeros((MC_SAMPLE, len(wave.emulators)))
        idx = np.flatnonzero(mc_alive)
        I_mc[idx] = wave.implausibilities(mc[idx])
        combined = kth_max(I_mc, plan.max_rank)
        mc_I = np.where(mc_alive, np.maximum(mc_I, combined), mc_I)
        ruled = (I_mc[idx] > plan.cutoff).mean(axis=0) if len(idx) else np.zeros(len(wave.emulators))
        mc_alive &= mc_I <= plan.cutoff
        diag = pd.DataFrame([e.diagnostics for e in wave.emulators])
        diag["var_seed"] = wave.var_seed
        diag["rules_out_share"] = ruled
        diag["active"] = [";".join(plan.factors[j].name for j in e.active) for e in wave.emulators]
        runs.atomic_write(folder / "emulators.csv", diag.to_csv(index=False).encode())
        order = np.argsort(-ruled, kind="stable")[:3]
        row = {"wave": k, "points": len(U), "runs": len(U) * plan.reps,
               "share_nonimplausible": float(mc_alive.mean()),
               "sampling_acceptance": how["uniform_acceptance"], "local_draws": how["local_draws"],
               "near_best": how.get("near_best", 0),
               "closest": float(run_fit(plan, obs, Y)["closeness"].min()),
               "emulators": len(wave.emulators), "median_loo_r2": float(diag["loo_r2"].median()),
               "loo_within_3sd": float(diag["loo_within_3sd"].mean()),
               "fit_s": float(diag["fit_s"].sum()),
               "rules_out_most": "; ".join(f"{wave.emulators[i].name} ({100 * ruled[i]:.0f}%)" for i in order)}
        rows.append(row)
        if report:
            from calexico.analysis import history_report

            history_report.emulator_figure(wave, Y, folder / "emulators.png", ruled)
        if on_wave is not None:
            on_wave(k, row)
    table = pd.DataFrame(rows)
    runs.atomic_write(out / "waves.csv", table.to_csv(index=False).encode())
    plausible, fit = plausible_sets(plan, obs, designs, values)
    runs.atomic_write(out / "plausible.csv", plausible.to_csv(index=False).encode())
    runs.atomic_write(out / "plausible_fit.csv", fit.to_csv(index=False).encode())
    sample = mc[mc_alive] if mc_alive.any() else np.zeros((0, len(plan.factors)))
    region = pd.DataFrame([plan.values(u) for u in sample], columns=[f.name for f in plan.factors])
    runs.atomic_write(out / "nonimplausible.csv", region.to_csv(index=False).encode())
    match = Match(plan, obs, left, waves, designs, values, table, plausible, fit, mc, mc_I, stopped)
    if report:
        from calexico.analysis import history_report

        history_report.write(out, match)
    return match


def run_fit(plan: Plan, obs: list[Observation], Y: np.ndarray) -> dict:
    """How the runs of a wave's points fit the observations (model runs, no emulator).

    A run mean's implausibility has no emulator variance; its seed variance is a single run's
    (reality is one draw) plus the mean's own (1/R of it). `closeness` is 1 or less exactly for a
    plausible set: the larger of its k-th largest implausibility over the cut-off and its
    largest counted error over that target's tolerance.
    """
    covered = [i for i in range(len(obs)) if np.isfinite(Y[:, :, i]).all()]
    means = Y[:, :, covered].mean(axis=1)
    var_seed = Y[:, :, covered].var(axis=1, ddof=1).mean(axis=0) * (1 + 1 / plan.reps)
    o = [obs[i] for i in covered]
    z = np.array([x.z for x in o])
    imp = implausibility(z, means, np.array([x.var_fixed for x in o]), var_seed, 0.0)
    combined = kth_max(imp, plan.max_rank)
    simulated = np.exp(Y[:, :, covered]).mean(axis=1)  # the runs' own mean, as validate reports it
    error = simulated / np.exp(z) - 1
    tol = np.array([x.target.tolerance for x in o])
    counted = np.array([x.target.role == "fit" and x.target.quantity in COUNTED for x in o])
    within = np.abs(error) <= tol
    worst_count = (np.abs(error[:, counted]) / tol[counted]).max(axis=1) if counted.any() else np.zeros(len(Y))
    return {"obs": o, "imp": imp, "combined": combined, "simulated": simulated, "error": error,
            "within": within, "counted": counted,
            "closeness": np.maximum(combined / plan.cutoff, worst_count)}


def nearest_points(plan: Plan, obs: list[Observation], designs, values, k: int = NEAREST) -> np.ndarray:
    """The k design points of all waves so far whose runs came closest (lowest `closeness`)."""
    U = np.concatenate(designs)
    score = np.concatenate([run_fit(plan, obs, Y)["closeness"] for Y in values])
    return U[np.argsort(score, kind="stable")[:k]]


def plausible_sets(plan: Plan, obs: list[Observation], designs, values) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The model-run plausible sets: design points of any wave whose runs (not an emulator) are within
    the cut-off and fit every counted target within its tolerance; and each set's fit to every target.
    """
    sets, fits = [], []
    for w, (U, Y) in enumerate(zip(designs, values, strict=True), start=1):
        f = run_fit(plan, obs, Y)
        o, imp, within, counted = f["obs"], f["imp"], f["within"], f["counted"]
        fit_role = np.array([x.target.role == "fit" for x in o])
        for p in np.flatnonzero(f["closeness"] <= 1):
            worst = int(np.argmax(imp[p]))
            sets.append({"set": len(sets), "wave": w, "point": int(p), "implausibility": float(f["combined"][p]),
                         "max_implausibility": float(imp[p].max()), "worst_target": o[worst].name,
                         "counted_targets_within": int(within[p, counted].sum()),
                         "fit_targets_within": int(within[p, fit_role].sum()),
                         "targets_within": int(within[p].sum()), "targets": len(o), **plan.values(U[p])})
            for i, x in enumerate(o):
                fits.append({"set": len(sets) - 1, "target": x.name, "role": x.target.role,
                             "observed": x.target.value, "simulated": float(f["simulated"][p, i]),
                             "error": float(f["error"][p, i]), "tolerance": x.target.tolerance,
                             "within": bool(within[p, i]), "implausibility": float(imp[p, i])})
    plausible = pd.DataFrame(sets)
    if plausible.empty:
        plausible = pd.DataFrame(columns=["set", "wave", "point", "implausibility", "max_implausibility",
                                          "worst_target", "counted_targets_within", "fit_targets_within",
                                          "targets_within", "targets", *[f.name for f in plan.factors]])
    fit = pd.DataFrame(fits, columns=["set", "target", "role", "observed", "simulated", "error", "tolerance",
                                      "within", "implausibility"])
    return plausible, fit


# ----------------------------------------------------------------------------- reading a finished match
def load_plausible(folder, sets: int | None = None) -> tuple[list[dict], pd.DataFrame]:
    """The plausible sets of a finished match as parameter overrides (the best `sets` of them).

    Raises:
        ParameterError: the folder holds no finished match, or the match found no plausible set.

    """
    folder = Path(folder)
    path = folder / "plausible.csv"
    match = folder / "match.json"
    if not path.is_file() or not match.is_file():
        raise ParameterError("command line", "--plausible", str(folder),
                             "the folder of a finished `calexico history-match` (with plausible.csv)")
    table = pd.read_csv(path)
    if table.empty:
        raise ParameterError(str(path), "plausible sets", 0,
                             "a match that found at least one plausible set (see its report.md)")
    if sets is not None:
        if sets < 1:
            raise ParameterError("command line", "--sets", sets, "a whole number, 1 or more")
        table = table.sort_values(["implausibility", "set"]).head(sets).sort_values("set")
    names = [f["name"] for f in json.loads(match.read_text())["plan"]["factors"]]
    overrides = [{n: int(round(r[n])) if type(SPECS[n].default) is int else float(r[n]) for n in names}
                 for _, r in table.iterrows()]
    return overrides, table


def plausible_ranges(folder) -> dict[str, tuple[float, float]]:
    """Each factor's range inside the region left: the 2.5-97.5 percentiles of the model-run
    plausible sets, or of the emulators' non-implausible sample when fewer than 10 sets were found.

    Why the sets first: the region is thin and oblique in many directions, so a box around the
    emulators' sample holds most of the space (on the officers model, 94% of the median factor's
    range), while every plausible set has been run and fits.
    """
    folder = Path(folder)
    sample_path = folder / "nonimplausible.csv"
    _, sample = load_plausible(folder)
    if len(sample) < 10 and sample_path.is_file() and len(pd.read_csv(sample_path)) >= 10:
        sample = pd.read_csv(sample_path)
    names = [f["name"] for f in json.loads((folder / "match.json").read_text())["plan"]["factors"]]
    out = {}
    for n in names:
        lo, hi = np.percentile(sample[n].to_numpy(float), [2.5, 97.5])
        out[n] = (float(lo), float(hi))
    return out
