"""Global sensitivity analysis of the model: factors and outcomes as plain data, SALib designs,
replications with common random numbers, and results as pandas tables.

A study declares its factors (a dotted parameter key with bounds or levels) and its outcomes (a
dotted path into the run summary, optionally as a difference against the paired no-delay run).
Every design point runs `replications` times with the seeds `first_seed + r`, the same for every
point (common random numbers), so two points differ by their parameters and not by their luck.
Indices are computed on the replication mean; the seed's share of the variance and the indices
of single replications are reported beside them (docs/sensitivity.md says why).

    study = Study(factors=[Factor("port.staffing_share", (0.6, 1.2)), Factor("dummy", dummy=True)],
                  outcomes=["impact.jobs.total_us"], days=60, replications=3)
    result = morris(study, trajectories=10, workers=2)
    result.indices          # one row per outcome and factor: mu_star with its CI, sigma
    result.noise            # the seed's variance beside the design's
    result.spread()         # the indices recomputed on single replications
"""

import math
from collections.abc import Callable, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from SALib.analyze import morris as morris_analyze
from SALib.analyze import sobol as sobol_analyze
from SALib.sample import latin
from SALib.sample import morris as morris_sample
from SALib.sample import sobol as sobol_sample

from calexico.running import runs, scenarios
from calexico.running.scenarios import Scenario
from model.outcomes import DAILY_COLUMNS, summarise
from model.parameters import SPECS, ParameterError, resolve

DISTS = ("unif", "triang", "norm", "truncnorm", "lognorm")


@dataclass(frozen=True)
class Factor:
    """An uncertain input: a dotted parameter key and its range (or levels).

    Args:
        name: a key of model.parameters.SPECS, or any label when `dummy` is true.
        bounds: (low, high) for a uniform factor, or SALib's parameters for `dist`; integer
            parameters are rounded to the nearest integer.
        levels: discrete values (numbers, booleans or strings) instead of bounds; sampled uniformly.
        dist: a SALib distribution name (used by Sobol and Latin hypercube designs; Morris and
            one-at-a-time screening use the bounds as a uniform grid). Values outside the
            parameter's allowed range are clipped to it.
        dummy: a factor the model never sees: its index measures the method's own noise floor.
        group: the Morris group the factor moves with (None: screened on its own). Factors of a
            group take their steps together and share one index (Campolongo et al. 2007), so a
            study of many like assumptions costs one trajectory step per group, not per factor.

    """

    name: str
    bounds: tuple | None = None
    levels: tuple | None = None
    dist: str = "unif"
    dummy: bool = False
    group: str | None = None

    @property
    def salib_bounds(self) -> list:
        """The range SALib samples: the bounds, or [0, n) over the indices of the levels."""
        if self.levels is not None:
            return [0.0, float(len(self.levels))]
        return [float(b) for b in (self.bounds or (0.0, 1.0))]

    def value(self, u: float):
        """The parameter value for a sampled number `u`."""
        if self.levels is not None:
            return self.levels[min(int(u), len(self.levels) - 1)]
        spec = SPECS.get(self.name)
        if spec is None:
            return float(u)
        low = spec.min if spec.min is not None else -math.inf
        high = spec.max if spec.max is not None else math.inf
        u = min(max(float(u), low), high)
        return int(round(u)) if type(spec.default) is int else u

    def check(self, where: str = "sensitivity factor", parameter: bool = True):
        """Refuse a factor that names no parameter or leaves the parameter's allowed range.

        `parameter=False` checks only the shape (for a study of a test function, not the model).
        """
        if self.dummy:
            return
        if (self.bounds is None) == (self.levels is None):
            raise ParameterError(where, self.name, (self.bounds, self.levels),
                                 "exactly one of bounds or levels")
        if self.dist not in DISTS:
            raise ParameterError(where, f"{self.name}.dist", self.dist, f"one of {list(DISTS)}")
        spec = SPECS.get(self.name)
        if spec is None and parameter:
            raise ParameterError(where, "name", self.name,
                                 "a dotted parameter key of model/data/parameters.toml")
        if spec is None:
            return
        if self.levels is not None:
            for level in self.levels:
                spec.check(level, where)
            return
        if len(self.bounds) < 2 or (self.dist == "unif" and not self.bounds[0] < self.bounds[1]):
            raise ParameterError(where, f"{self.name}.bounds", self.bounds, "(low, high) with low < high")
        if self.dist == "unif":
            for b in self.bounds:
                spec.check(self.value(b) if type(spec.default) is int else float(b), where)


@dataclass(frozen=True)
class Outcome:
    """A number read from a run's summary.

    Args:
        name: the column name in the tables.
        path: a dotted path into the summary, e.g. "jobs.total_us" or "costs_usd.total".
        vs_no_delay: report the run minus its no-delay counterfactual with the same seed and
            parameters (the impact of waiting; an impact is always a paired difference).
        scale: a multiplier, e.g. -1 to turn an impact on jobs into jobs lost.

    """

    name: str
    path: str
    vs_no_delay: bool = False
    scale: float = 1.0

    def read(self, summary: dict, counterfactual: dict | None = None) -> float:
        """The outcome of one run (and its counterfactual when the outcome is an impact)."""
        value = _get(summary, self.path)
        if self.vs_no_delay:
            value -= _get(counterfactual, self.path)
        return self.scale * float(value)


def outcome(spec) -> Outcome:
    """An Outcome from an Outcome or a string: "jobs.total_us", or "impact.jobs.total_us" for the
    difference against the paired no-delay run.
    """
    if isinstance(spec, Outcome):
        out = spec
    elif isinstance(spec, str) and spec.startswith("impact."):
        out = Outcome(spec, spec.removeprefix("impact."), vs_no_delay=True)
    elif isinstance(spec, str):
        out = Outcome(spec, spec)
    else:
        raise ParameterError("sensitivity outcome", "outcome", spec, "a summary path or an Outcome")
    if not isinstance(_get(_summary_shape(), out.path, default=None), (int, float)):
        raise ParameterError("sensitivity outcome", out.name, out.path,
                             "a dotted path to a number in the run summary, e.g. jobs.total_us")
    return out


def _get(summary: dict, path: str, default=KeyError):
    node = summary
    for part in path.split("."):
        if not isinstance(node, dict) or part not in node:
            if default is KeyError:
                raise KeyError(path)
            return default
        node = node[part]
    return node


def _summary_shape() -> dict:
    """A summary of an empty run: the keys every summary has (to check outcome paths early)."""
    daily = pd.DataFrame({c: pd.Series(dtype=float) for c in DAILY_COLUMNS})
    daily["measured"] = daily["measured"].astype(bool)
    with np.errstate(all="ignore"):
        return summarise(daily, resolve({}, "defaults"), 0)


# The port and economy factors a first screening varies, with ranges a policy researcher would
# accept as plausible (each within the parameter's allowed range; see parameters.toml).
DEFAULT_FACTORS = (
    Factor("port.staffing_share", (0.6, 1.2)),
    Factor("lines.east_commercial_standard.primary_min", (1.2, 2.4)),
    Factor("lines.east_commercial_standard.secondary_share", (0.02, 0.15)),
    Factor("trucking.fast_share", (0.1, 0.5)),
    Factor("alternatives.otay_mesa_wait_min", (30.0, 120.0)),
    Factor("manufacturing.target_cover_days", (1.0, 7.0)),
    Factor("agriculture.quality_loss_per_hour", (0.001, 0.01)),
    Factor("labour.quit_patience_days", (10, 60)),
    Factor("crossers.wait_elasticity_per_hour", (-0.4, -0.05)),
    # The economic coefficients, with their low/high ranges from parameters.toml: prices and
    # elasticities, and the input-output layer's jobs per USD million and Type II multipliers
    # (Type I only splits indirect from induced; value-added shares do not touch jobs).
    *(Factor(key, (SPECS[key].low, SPECS[key].high)) for key in SPECS
      if key in ("manufacturing.demand_elasticity", "crossers.spending_per_person_trip_usd",
                 "agriculture.value_per_load_usd", "manufacturing.value_per_load_usd")
      or key.endswith((".direct_jobs_per_million_usd", ".type2_multiplier")) and key.startswith("input_output.")),
)
DEFAULT_OUTCOMES = (
    # Jobs lost as the published studies count them: the input-output jobs of the output lost.
    Outcome("jobs_lost_us", "io_jobs.us.total", vs_no_delay=True, scale=-1.0),
    Outcome("jobs_lost_mx", "io_jobs.mx.total", vs_no_delay=True, scale=-1.0),
    Outcome("delay_cost_usd", "costs_usd.total", vs_no_delay=True),
    Outcome("commercial_wait_min", "mean_commercial_wait_min"),
)


def run_replication(scenario: Scenario, seed: int, days: int | None, overrides: dict,
                    outcomes: Sequence[Outcome]) -> dict[str, float]:
    """One replication of one design point: the outcomes of runs.run (and of its paired no-delay
    run when an outcome needs it). Module-level so that any executor can pickle it.
    """
    result = runs.run(scenario, seed, days, overrides)
    counterfactual = None
    if any(o.vs_no_delay for o in outcomes):
        counterfactual = runs.run(scenario, seed, days, overrides, no_delay=True).summary
    return {o.name: o.read(result.summary, counterfactual) for o in outcomes}


@dataclass(frozen=True)
class ModelRunner:
    """The model as a function of (overrides, seed): what a study evaluates at each point."""

    scenario: Scenario
    outcomes: tuple[Outcome, ...]
    days: int | None = None

    def __call__(self, overrides: dict, seed: int) -> dict[str, float]:
        """The outcomes of one replication at one point."""
        return run_replication(self.scenario, seed, self.days, overrides, self.outcomes)


@dataclass
class Study:
    """What a sensitivity study varies, what it measures and how often it replicates.

    Args:
        factors: the Factors (at least one).
        outcomes: Outcomes or summary paths (see `outcome`).
        scenario: a scenario name or a loaded Scenario, the base of every run.
        days: measured days per run (default: the scenario's).
        replications: runs per design point, seeds first_seed .. first_seed + replications - 1.
        first_seed: the first seed.
        runner: a picklable callable (overrides, seed) -> {outcome: value} that replaces the
            model (e.g. an analytic test function); None runs the model.
        fixed: parameter overrides every run shares (e.g. a shorter warm-up for a quick look).

    """

    factors: Sequence[Factor]
    outcomes: Sequence = DEFAULT_OUTCOMES
    scenario: str | Scenario = "baseline"
    days: int | None = None
    replications: int = 3
    first_seed: int = 0
    runner: Callable | None = None
    fixed: dict = field(default_factory=dict)
    _outcomes: tuple = field(init=False, repr=False)

    def __post_init__(self):
        if not self.factors:
            raise ParameterError("sensitivity study", "factors", [], "at least one Factor")
        for f in self.factors:
            f.check(parameter=self.runner is None)
        names = [f.name for f in self.factors]
        if len(set(names)) != len(names):
            raise ParameterError("sensitivity study", "factors", names, "distinct factor names")
        for key, value in self.fixed.items():
            if key not in SPECS:
                raise ParameterError("sensitivity study", key, value, "a dotted parameter key")
            SPECS[key].check(value, "sensitivity study fixed parameters")
        if not isinstance(self.replications, int) or self.replications < 1:
            raise ParameterError("sensitivity study", "replications", self.replications, "an integer >= 1")
        if self.runner is None:
            self._outcomes = tuple(outcome(o) for o in self.outcomes)
            if isinstance(self.scenario, str):
                self.scenario = scenarios.load(self.scenario)
            self.runner = ModelRunner(self.scenario, self._outcomes, self.days)
        else:
            self._outcomes = tuple(o if isinstance(o, Outcome) else Outcome(o, o) for o in self.outcomes)

    @property
    def outcome_names(self) -> list[str]:
        """The outcome columns of the tables."""
        return [o.name for o in self._outcomes]

    @property
    def factor_names(self) -> list[str]:
        """The factor columns of the tables."""
        return [f.name for f in self.factors]

    @property
    def seeds(self) -> list[int]:
        """The seed of each replication index, common to every design point."""
        return [self.first_seed + r for r in range(self.replications)]

    @property
    def screened_names(self) -> list[str]:
        """What a Morris study ranks: each group (in order of first appearance) or lone factor."""
        return list(dict.fromkeys(f.group or f.name for f in self.factors))

    def problem(self, dists: bool = True, groups: bool = False) -> dict:
        """The SALib problem definition (with the factors' groups when `groups` and any is set)."""
        problem = {"num_vars": len(self.factors), "names": self.factor_names,
                   "bounds": [f.salib_bounds for f in self.factors]}
        if dists and any(f.dist != "unif" and f.levels is None for f in self.factors):
            problem["dists"] = ["unif" if f.levels is not None else f.dist for f in self.factors]
        if groups and any(f.group for f in self.factors):
            problem["groups"] = [f.group or f.name for f in self.factors]
        return problem

    def overrides(self, x: Sequence[float]) -> dict:
        """The parameter overrides of one design row (dummy factors are left out)."""
        values = {f.name: f.value(u) for f, u in zip(self.factors, x, strict=True) if not f.dummy}
        return {**self.fixed, **values}


def evaluate(study: Study, X: np.ndarray, executor: Executor | None = None, workers: int = 1) -> pd.DataFrame:
    """Run every design row of X `replications` times: one table row per (point, replication).

    Args:
        study: the study.
        X: the design, one row per point in SALib's units (levels as indices).
        executor: any concurrent.futures.Executor (a process pool, a Dask client's executor, e.g.
            from calexico.running.pools.dask_executor); None runs serially here, or on a process pool of
            `workers` when workers > 1.
        workers: processes to start when no executor is given.

    """
    tasks = [(p, r, seed, study.overrides(x)) for p, x in enumerate(X) for r, seed in enumerate(study.seeds)]
    calls = [(study.runner, overrides, seed) for _, _, seed, overrides in tasks]
    outputs = _map(calls, executor, workers)
    rows = []
    for (p, r, seed, _), out in zip(tasks, outputs, strict=True):
        values = {f.name: f.value(u) for f, u in zip(study.factors, X[p], strict=True)}
        rows.append({"point": p, "replication": r, "seed": seed, **values, **out})
    return pd.DataFrame(rows)


def _call(fn, overrides, seed):
    return fn(overrides, seed)


def _map(calls: list, executor: Executor | None, workers: int) -> list:
    """Results of the calls in order, on the executor, a new process pool, or here."""
    if executor is None and workers > 1:
        from calexico.running.pools import local_executor  # a forkserver pool: safe inside notebooks

        with local_executor(workers) as pool:
            return _map(calls, pool, 1)
    if executor is None:
        return [_call(*c) for c in calls]
    futures = [executor.submit(_call, *c) for c in calls]
    return [f.result() for f in futures]


def point_means(study: Study, runs_table: pd.DataFrame) -> pd.DataFrame:
    """One row per design point: the factor values and the replication mean of each outcome."""
    cols = study.factor_names
    out = runs_table.groupby("point")[study.outcome_names].mean()
    return runs_table.groupby("point")[cols].first().join(out)


def seed_noise(study: Study, runs_table: pd.DataFrame) -> pd.DataFrame:
    """How much of the spread of the point means the seed alone explains, per outcome.

    var_between_points is the variance of the replication means across the design;
    var_within_points the mean variance across replications at a point; var_seed_of_mean the
    variance the seed leaves in a replication mean (var_within_points / R); noise_share their
    ratio (near 0: the design's effects dominate; near 1: the indices describe noise).
    """
    R = study.replications
    rows = []
    for name in study.outcome_names:
        by_point = runs_table.groupby("point")[name]
        between = float(by_point.mean().var(ddof=1))
        within = float(by_point.var(ddof=1).mean()) if R > 1 else math.nan
        seed_of_mean = within / R
        rows.append({"outcome": name, "replications": R, "var_between_points": between,
                     "var_within_points": within, "var_seed_of_mean": seed_of_mean,
                     "noise_share": seed_of_mean / between if between > 0 else math.nan})
    return pd.DataFrame(rows)


@dataclass
class Result:
    """A study's tables: the indices, the seed's noise beside them, and every run."""

    method: str
    indices: pd.DataFrame
    noise: pd.DataFrame
    runs: pd.DataFrame
    X: np.ndarray
    by_replication: pd.DataFrame | None = None
    second_order: pd.DataFrame | None = None

    def spread(self) -> pd.DataFrame:
        """Each index's mean, standard deviation, minimum and maximum over single replications."""
        if self.by_replication is None or self.by_replication.empty:
            return pd.DataFrame()
        value_cols = [c for c in self.by_replication.columns
                      if c not in ("outcome", "factor", "replication") and not c.endswith("_conf")]
        long = self.by_replication.melt(["outcome", "factor", "replication"], value_cols, "index")
        return (long.groupby(["outcome", "factor", "index"])["value"]
                .agg(["mean", "std", "min", "max"]).reset_index())


def _per_outcome(study: Study, runs_table: pd.DataFrame, analyse) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The indices on replication means, and on each single replication."""
    means = point_means(study, runs_table)
    tables, singles = [], []
    for name in study.outcome_names:
        tables.append(analyse(means[name].to_numpy()).assign(outcome=name))
        if study.replications > 1:
            for r, single in runs_table.groupby("replication"):
                y = single.sort_values("point")[name].to_numpy()
                singles.append(analyse(y).assign(outcome=name, replication=r))
    order = lambda t: t[["outcome", *[c for c in t.columns if c != "outcome"]]]  # noqa: E731
    main = order(pd.concat(tables, ignore_index=True))
    single = order(pd.concat(singles, ignore_index=True)) if singles else pd.DataFrame()
    return main, single


def morris(study: Study, trajectories: int = 10, num_levels: int = 4, executor: Executor | None = None,
           workers: int = 1, seed: int = 0, conf_level: float = 0.95) -> Result:
    """Morris elementary effects: r(k+1) design points, each run `replications` times (k counts
    each group of factors once; a group's factors step together and share one index).

    `mu_star`, the mean absolute elementary effect, is in outcome units (SALib divides each change
    of the outcome by the step as a share of the factor's range, so it approximates the change
    across the whole range) and ranks the factors; `mu_star_conf` is its bootstrap CI half-width;
    `sigma` large against `mu_star` marks interactions or non-linearity.
    """
    X = morris_design(study, trajectories, num_levels, seed)
    table = evaluate(study, X, executor, workers)
    return analyse_morris(study, X, table, num_levels, seed, conf_level)


def morris_design(study: Study, trajectories: int = 10, num_levels: int = 4, seed: int = 0) -> np.ndarray:
    """A Morris design: `trajectories` one-at-a-time paths of k + 1 points each (k: groups and lone factors)."""
    return morris_sample.sample(study.problem(dists=False, groups=True), trajectories, num_levels=num_levels,
                                seed=seed)


def analyse_morris(study: Study, X: np.ndarray, table: pd.DataFrame, num_levels: int = 4, seed: int = 0,
                   conf_level: float = 0.95) -> Result:
    """Morris indices of a runs table (one row per point and replication) on the design X."""
    problem = study.problem(dists=False, groups=True)
    names = study.screened_names

    def analyse(y):
        if np.ptp(y) == 0:
            zeros = np.zeros(len(names))
            si = {"mu": zeros, "mu_star": zeros, "sigma": zeros, "mu_star_conf": zeros}
        else:
            si = morris_analyze.analyze(problem, X, y, num_resamples=1000, conf_level=conf_level,
                                        num_levels=num_levels, seed=seed)
        # For a group of several factors SALib gives no sigma (NaN): its members step together.
        return pd.DataFrame({"factor": names, "mu": si["mu"], "mu_star": si["mu_star"],
                             "mu_star_conf": si["mu_star_conf"], "sigma": si["sigma"]})

    indices, single = _per_outcome(study, table, analyse)
    indices["rank"] = indices.groupby("outcome")["mu_star"].rank(ascending=False, method="min").astype(int)
    return Result("morris", indices, seed_noise(study, table), table, X, single)


def morris_noise_floor(study: Study, X: np.ndarray, table: pd.DataFrame, num_levels: int = 4) -> pd.DataFrame:
    """The mu_star a factor with no effect would show from the seed alone, per outcome.

    Each elementary effect is the change of the replication mean between two neighbouring points
    of a trajectory, over the step. With common random numbers the seed's part of that change is
    what varies across replications: var_r(y_r(b) - y_r(a)) / R is the variance the seed leaves
    in the mean change. Pooled over every step, an effect that is pure noise is normal with that
    variance, and its mean absolute value, sqrt(2/pi) * sd / step, is the floor. Factors whose
    mu_star is not clearly above it cannot be told apart from the seed. Needs R >= 2.
    """
    k, R = len(study.screened_names), study.replications
    step = num_levels / (2 * (num_levels - 1))  # SALib's Morris step in units of the range
    rows = []
    for name in study.outcome_names:
        y = table.pivot(index="point", columns="replication", values=name).sort_index().to_numpy()
        if R < 2 or len(y) != len(X):
            rows.append({"outcome": name, "noise_floor": math.nan, "steps": 0})
            continue
        paths = y.reshape(-1, k + 1, R)
        change = np.diff(paths, axis=1).reshape(-1, R)  # one row per step, one column per seed
        var_of_mean = change.var(axis=1, ddof=1) / R
        floor = math.sqrt(2 / math.pi) * math.sqrt(float(var_of_mean.mean())) / step
        rows.append({"outcome": name, "noise_floor": floor, "steps": len(change)})
    return pd.DataFrame(rows)


def sobol_indices(problem: dict, y: np.ndarray, second_order: bool = False, conf_level: float = 0.95,
                  seed: int = 0) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    """Sobol indices of outputs y on a Saltelli/Sobol design: S1 and ST with bootstrap CIs, S2."""
    names = problem["names"]
    if np.ptp(y) == 0:
        zeros = np.zeros(len(names))
        table = pd.DataFrame({"factor": names, "S1": zeros, "S1_conf": zeros, "ST": zeros, "ST_conf": zeros})
        pairs = [(a, b) for i, a in enumerate(names) for b in names[i + 1:]]
        s2 = pd.DataFrame([{"factor_a": a, "factor_b": b, "S2": 0.0, "S2_conf": 0.0} for a, b in pairs])
        return table, s2 if second_order else None
    with np.errstate(all="ignore"):
        # A Generator, not the int: SALib's Sobol analysis ignores a seed of 0 (`if seed:`) and
        # would draw its bootstrap from numpy's global state, so the CIs would change run to run.
        si = sobol_analyze.analyze(problem, y, calc_second_order=second_order, num_resamples=1000,
                                   conf_level=conf_level, seed=np.random.default_rng(seed))
    table = pd.DataFrame({"factor": names, "S1": si["S1"], "S1_conf": si["S1_conf"],
                          "ST": si["ST"], "ST_conf": si["ST_conf"]})
    s2 = None
    if second_order:
        rows = [{"factor_a": names[i], "factor_b": names[j],
                 "S2": si["S2"][i, j], "S2_conf": si["S2_conf"][i, j]}
                for i in range(len(names)) for j in range(i + 1, len(names))]
        s2 = pd.DataFrame(rows)
    return table, s2


def sobol_design(problem: dict, n: int, second_order: bool = False, seed: int = 0) -> np.ndarray:
    """A Saltelli/Sobol design: n(k+2) rows, or n(2k+2) with second order (n a power of 2)."""
    return sobol_sample.sample(problem, n, calc_second_order=second_order, seed=seed)


def sobol(study: Study, n: int = 64, second_order: bool = False, executor: Executor | None = None,
          workers: int = 1, seed: int = 0, conf_level: float = 0.95) -> Result:
    """Sobol first-order (S1) and total (ST) indices with bootstrap CIs, S2 optional."""
    X = sobol_design(study.problem(), n, second_order, seed)
    table = evaluate(study, X, executor, workers)
    return analyse_sobol(study, X, table, second_order, seed, conf_level)


def analyse_sobol(study: Study, X: np.ndarray, table: pd.DataFrame, second_order: bool = False, seed: int = 0,
                  conf_level: float = 0.95) -> Result:
    """Sobol indices of a runs table (one row per point and replication) on the design X."""
    problem = study.problem()
    indices, single = _per_outcome(study, table,
                                   lambda y: sobol_indices(problem, y, second_order, conf_level, seed)[0])
    s2 = None
    if second_order:
        means = point_means(study, table)
        s2 = pd.concat([sobol_indices(problem, means[o].to_numpy(), True, conf_level, seed)[1]
                        .assign(outcome=o) for o in study.outcome_names], ignore_index=True)
    return Result("sobol", indices, seed_noise(study, table), table, X, single, s2)


def base_point(study: Study) -> np.ndarray:
    """The one-at-a-time base: each factor's default if inside its range, else the range's middle."""
    x = []
    for f in study.factors:
        default = SPECS[f.name].default if f.name in SPECS else None
        if f.levels is not None:
            x.append(float(f.levels.index(default)) if default in f.levels else 0.0)
        elif default is not None and f.bounds[0] <= default <= f.bounds[1]:
            x.append(float(default))
        else:
            x.append(sum(f.salib_bounds) / 2)
    return np.array(x)


def oat(study: Study, points: int = 5, executor: Executor | None = None, workers: int = 1) -> Result:
    """Extended one-at-a-time screening: each factor alone over its levels (or `points` evenly
    spaced values) from the base point, all other factors at base.

    `effect` is the mean over replications of (run at level - run at base with the same seed), so
    its standard error `effect_se` holds only the seed noise left after common random numbers.
    """
    X, labels = oat_design(study, points)
    table = evaluate(study, X, executor, workers)
    return analyse_oat(study, X, labels, table)


def oat_design(study: Study, points: int = 5) -> tuple[np.ndarray, list]:
    """The one-at-a-time design (row 0 the base) and each row's (factor, level) label."""
    base = base_point(study)
    design, labels = [base], [("base", None)]
    for i, f in enumerate(study.factors):
        grid = range(len(f.levels)) if f.levels is not None else np.linspace(*f.salib_bounds[:2], points)
        for u in grid:
            x = base.copy()
            x[i] = u
            design.append(x)
            labels.append((f.name, f.value(u)))
    return np.array(design), labels


def analyse_oat(study: Study, X: np.ndarray, labels: list, table: pd.DataFrame) -> Result:
    """One-at-a-time effects of a runs table on the design from `oat_design`."""
    base_runs = table[table["point"] == 0].set_index("replication")
    rows = []
    for p, (name, level) in enumerate(labels):
        if p == 0:
            continue
        at = table[table["point"] == p].set_index("replication")
        for o in study.outcome_names:
            diff = at[o] - base_runs[o]
            rows.append({"factor": name, "level": level, "outcome": o, "mean": at[o].mean(),
                         "effect": diff.mean(),
                         "effect_se": diff.std(ddof=1) / math.sqrt(len(diff)) if len(diff) > 1 else math.nan})
    return Result("oat", pd.DataFrame(rows), seed_noise(study, table), table, X)


def oat_swing(result: Result) -> pd.DataFrame:
    """Per factor and outcome: the range of the one-at-a-time effects (a tornado table)."""
    g = result.indices.groupby(["outcome", "factor"])["effect"]
    out = pd.DataFrame({"low": g.min(), "high": g.max()})
    out["swing"] = out["high"] - out["low"]
    return out.reset_index().sort_values(["outcome", "swing"], ascending=[True, False], ignore_index=True)


def latin_design(study: Study, n: int, seed: int = 0) -> np.ndarray:
    """A Latin hypercube design of n points (for scenario discovery)."""
    return latin.sample(study.problem(), n, seed=seed)


def top_factors(result: Result, outcome_name: str, k: int = 3, index: str | None = None) -> list[str]:
    """The k most influential factors for one outcome (by mu_star, or ST)."""
    index = index or ("mu_star" if result.method == "morris" else "ST")
    t = result.indices[result.indices["outcome"] == outcome_name].sort_values(index, ascending=False)
    return t["factor"].head(k).tolist()
