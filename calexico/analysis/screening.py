"""`calexico sensitivity`: which labelled assumptions the headline impacts depend on.

A study's factors come from the parameter data file, each over its documented low-high range
(model/data/parameters.toml: by default every parameter labelled an assumption); its outcomes
from calexico/data/sensitivity_outcomes.toml, dotted paths into a run's impact against the
no-delay counterfactual (same seed and parameters: common random numbers). Every design point
and replication is one paired run of the batch machinery (calexico.running.batch): written to disk the
moment it ends, resumable after a kill, on a local pool, Dask or any concurrent.futures
executor, with a progress bar, a manifest, and failures recorded instead of stopping the study.
The indices are calexico.analysis.sensitivity's (SALib; replication means; the seed's noise share).

A study folder holds: study.json (what was asked), design.csv (SALib's design), manifest.json
and runs/ (the batch), then indices.csv, noise.csv, runs.csv, sensitivity.md and figures/.
"""

import json
import math
import tomllib
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

import numpy as np
import pandas as pd

from calexico.analysis import data_worth, sensitivity
from calexico.analysis.sensitivity import Factor
from calexico.running import batch, provenance, runs, scenarios
from model.parameters import PROVENANCE_KEYS, SPECS, ParameterError, ranged_specs, resolve

METHODS = ("morris", "sobol", "oat")
DATA = Path(__file__).resolve().parents[1] / "data"
OUTCOMES_FILE = DATA / "sensitivity_outcomes.toml"
GROUPS_FILE = DATA / "sensitivity_groups.toml"
FACTOR_SETS = {"assumptions": ("assumption",), "all": PROVENANCE_KEYS}


# ----------------------------------------------------------------------------- outcomes
@dataclass(frozen=True)
class Headline:
    """An outcome of a study: a name, a label, and the dotted path into a run's impact."""

    name: str
    path: str
    label: str = ""

    def read(self, impact: dict) -> float:
        """The outcome of one paired run."""
        return float(_get(impact, self.path))


def _get(tree: dict, path: str):
    node = tree
    for part in path.split("."):
        if not isinstance(node, dict) or part not in node:
            raise KeyError(path)
        node = node[part]
    return node


def _number_at(tree: dict, path: str) -> bool:
    try:
        value = _get(tree, path)
    except KeyError:
        return False
    return isinstance(value, int | float) and not isinstance(value, bool)


def impact_shape(scenario: str = "baseline") -> dict:
    """The impact dict of a one-day paired run: the keys this version's impact has."""
    loaded = scenarios.load(scenario)
    quick = {"simulation.warmup_days": 0}
    result = runs.run(loaded, 0, 1, quick)
    return runs.impact(result, runs.run(loaded, 0, 1, quick, no_delay=True))


def catalogue(path: Path = OUTCOMES_FILE) -> list[dict]:
    """The outcome entries of the data file: name, label, paths."""
    return tomllib.loads(Path(path).read_text())["outcomes"]


def choose_outcomes(names: list[str] | None, impact: dict) -> list[Headline]:
    """The study's outcomes: the catalogue's that exist in `impact`, or the named ones.

    A name is a catalogue name or a dotted path to a number in the impact dict.
    """
    entries = {e["name"]: e for e in catalogue()}
    chosen = []
    for name in names or list(entries):
        entry = entries.get(name)
        if entry is not None:
            path = next((p for p in entry["paths"] if _number_at(impact, p)), None)
            if path is None and names:
                raise ParameterError("--outcomes", name, entry["paths"],
                                     "an outcome this version's impact has (its paths are missing)")
            if path is not None:
                chosen.append(Headline(name, path, entry.get("label", name)))
        elif _number_at(impact, name):
            chosen.append(Headline(name.replace(".", "_"), name, f"impact on {name}"))
        else:
            raise ParameterError("--outcomes", "outcome", name,
                                 f"one of {sorted(entries)} or a dotted path to a number in the impact"
                                 f" (e.g. costs_usd.spoilage)")
    if len({h.name for h in chosen}) != len(chosen):
        raise ParameterError("--outcomes", "outcomes", names, "distinct outcomes")
    return chosen


# ----------------------------------------------------------------------------- factors
def choose_factors(selection: str) -> list[Factor]:
    """Factors over their documented ranges: 'assumptions', 'all', or a TOML file naming them.

    The file holds `factors = ["dotted.key", ...]` (each over its documented range) and/or a
    table `[bounds]` of `"dotted.key" = [low, high]` (a range of your own, within min/max).
    """
    if selection in FACTOR_SETS:
        specs = ranged_specs(FACTOR_SETS[selection])
        return [Factor(key, spec.range) for key, spec in specs.items()]
    path = Path(selection)
    where = str(path)
    if not path.is_file():
        raise ParameterError("--factors", "--factors", selection,
                             f"one of {sorted(FACTOR_SETS)} or a TOML file of factors")
    try:
        raw = tomllib.loads(path.read_text())
    except tomllib.TOMLDecodeError as err:
        raise ParameterError(where, "(syntax)", str(err), "valid TOML") from None
    for key in raw:
        if key not in ("factors", "bounds"):
            raise ParameterError(where, key, raw[key], "one of ['bounds', 'factors']")
    keys, bounds = raw.get("factors", []), raw.get("bounds", {})
    if not isinstance(keys, list) or not all(isinstance(k, str) for k in keys):
        raise ParameterError(where, "factors", keys, "a list of dotted parameter keys")
    if not isinstance(bounds, dict):
        raise ParameterError(where, "bounds", bounds, 'a table of "dotted.key" = [low, high]')
    factors = []
    for key in keys:
        spec = SPECS.get(key)
        if spec is None or spec.range is None:
            ranged = "a parameter with a documented low-high range (calexico parameters)"
            raise ParameterError(where, "factors", key, ranged if spec is None else
                                 f"{ranged}; {key} has none: give it one under [bounds]")
        factors.append(Factor(key, spec.range))
    for key, pair in bounds.items():
        ok = (isinstance(pair, list) and len(pair) == 2
              and all(isinstance(b, int | float) and not isinstance(b, bool) and math.isfinite(b) for b in pair))
        if key not in SPECS or not ok or isinstance(SPECS[key].default, bool | str):
            raise ParameterError(where, f"bounds.{key}", pair, "[low, high] for a numeric parameter key")
        factors = [f for f in factors if f.name != key] + [Factor(key, tuple(pair))]
    if not factors:
        raise ParameterError(where, "factors", [], "at least one factor")
    for f in factors:
        f.check(where)
    return factors


def choose_groups(factors: list[Factor], selection: str = "default") -> tuple[list[Factor], dict]:
    """The factors with their Morris groups, and each group's label, reason and members.

    `selection` is "default" (calexico/data/sensitivity_groups.toml), "none" (every factor on its
    own) or a TOML file of the same shape. A factor joins the first group whose members match it;
    a group keeps only factors of one source status, and a group with a single factor is no group.
    """
    if selection == "none":
        return [replace(f, group=None) for f in factors], {}
    path = GROUPS_FILE if selection == "default" else Path(selection)
    where = str(path)
    if not path.is_file():
        raise ParameterError("--groups", "--groups", selection, "default, none, or a TOML file of groups")
    try:
        raw = tomllib.loads(path.read_text())
    except tomllib.TOMLDecodeError as err:
        raise ParameterError(where, "(syntax)", str(err), "valid TOML") from None
    tables = raw.get("groups")
    if not isinstance(tables, list) or set(raw) - {"groups"}:
        raise ParameterError(where, "groups", tables, "[[groups]] tables, each with name, label, members, reason")
    for i, g in enumerate(tables):
        ok = (isinstance(g, dict) and set(g) == {"name", "label", "members", "reason"}
              and all(isinstance(g[k], str) and g[k] for k in ("name", "label", "reason"))
              and isinstance(g["members"], list) and g["members"] and all(isinstance(m, str) for m in g["members"]))
        if not ok:
            raise ParameterError(where, f"groups[{i}]", g,
                                 "a table with name, label, reason (text) and members (a list of dotted keys)")
        if g["name"] in SPECS:
            raise ParameterError(where, f"groups[{i}].name", g["name"], "a name that is not a parameter key")
    if len({g["name"] for g in tables}) != len(tables):
        raise ParameterError(where, "groups", [g["name"] for g in tables], "distinct group names")
    chosen = {}
    for f in factors:
        g = next((g for g in tables if any(data_worth.matches(f.name, m) for m in g["members"])), None)
        if g is not None:
            chosen.setdefault((g["name"], data_worth.status(f.name)), []).append(f.name)
    groups, named = {}, {}
    chosen = {key: members for key, members in chosen.items() if len(members) > 1}
    for (name, kind), members in chosen.items():
        mixed = sum(n == name for n, _ in chosen) > 1  # members of several statuses: one group each
        label = f"{name}.{kind}" if mixed else name
        g = next(g for g in tables if g["name"] == name)
        groups[label] = {"label": g["label"], "reason": g["reason"], "members": members, "status": kind}
        named.update(dict.fromkeys(members, label))
    return [replace(f, group=named.get(f.name)) for f in factors], groups


# ----------------------------------------------------------------------------- the plan
@dataclass
class Plan:
    """What a study varies, measures and runs; everything that fixes its results.

    Args:
        factors: the Factors (each a parameter key and its range).
        outcomes: the Headlines.
        method: morris, sobol or oat.
        scenario: the base scenario of every run.
        days: measured days per run (None: the scenario's, a full year).
        replications: seeds per design point (the same seeds at every point).
        base_seed: every seed derives from it (calexico.running.batch).
        trajectories, num_levels: the Morris design.
        samples: the Sobol base sample N (a power of 2): N(k + 2) points.
        points: the one-at-a-time levels per factor.
        design_seed: the seed of the design and of the bootstrap intervals.
        fixed: overrides every run shares.
        groups: the Morris groups the factors name (`choose_groups`): label, reason, members and
            status of each; other methods screen each factor alone.

    """

    factors: list[Factor]
    outcomes: list[Headline]
    method: str = "morris"
    scenario: str = "baseline"
    days: int | None = None
    replications: int = 2
    base_seed: int = 0
    trajectories: int = 10
    num_levels: int = 4
    samples: int = 16
    points: int = 3
    design_seed: int = 0
    fixed: dict = field(default_factory=dict)
    groups: dict = field(default_factory=dict)

    def __post_init__(self):
        if self.method not in METHODS:
            raise ParameterError("--method", "--method", self.method, f"one of {list(METHODS)}")
        if self.method != "morris":
            self.factors, self.groups = [replace(f, group=None) for f in self.factors], {}
        for name, value, low in (("--days", self.days, 1), ("--reps", self.replications, 1),
                                 ("--seed", self.base_seed, 0),
                                 ("--trajectories", self.trajectories, 2), ("--samples", self.samples, 2),
                                 ("--points", self.points, 2)):
            if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < low):
                raise ParameterError("command line", name, value, f"a whole number, {low} or more")
        if self.method == "sobol" and self.samples & (self.samples - 1):
            raise ParameterError("command line", "--samples", self.samples, "a power of 2 (Sobol sequences)")

    def status(self, name: str) -> str:
        """The source status of a factor or of one of the plan's groups."""
        return self.groups[name]["status"] if name in self.groups else data_worth.status(name)

    def study(self) -> sensitivity.Study:
        """The calexico.analysis.sensitivity Study (its runner runs a paired replication in this process)."""
        loaded = scenarios.load(self.scenario)
        return sensitivity.Study(self.factors, [h.name for h in self.outcomes], loaded, self.days,
                                 self.replications, 0, PairedRunner(loaded, tuple(self.outcomes), self.days),
                                 dict(self.fixed))

    def design(self, study: sensitivity.Study) -> tuple[np.ndarray, list | None]:
        """The design in SALib's units, and the one-at-a-time labels (None for other methods)."""
        if self.method == "morris":
            return sensitivity.morris_design(study, self.trajectories, self.num_levels, self.design_seed), None
        if self.method == "sobol":
            return sensitivity.sobol_design(study.problem(), self.samples, False, self.design_seed), None
        return sensitivity.oat_design(study, self.points)

    def batch_spec(self, study: sensitivity.Study, X: np.ndarray) -> batch.Spec:
        """The design as a paired batch: one point per design row, `replications` seeds each."""
        points = [{k: v for k, v in study.overrides(x).items() if k not in self.fixed} for x in X]
        spec = batch.Spec("sensitivity study", self.to_json(), [study.scenario], points,
                          replications=self.replications, base_seed=self.base_seed, days=self.days,
                          paired=True, fixed=dict(self.fixed))
        return spec

    def to_json(self) -> dict:
        """The plan as plain data (study.json)."""
        out = asdict(self)
        out["factors"] = [{"name": f.name, "bounds": list(f.bounds), "status": data_worth.status(f.name),
                           "group": f.group} for f in self.factors]
        out["outcomes"] = [asdict(h) for h in self.outcomes]
        return out


@dataclass(frozen=True)
class PairedRunner:
    """One replication at one point, in this process: the run, its no-delay twin, the outcomes."""

    scenario: scenarios.Scenario
    outcomes: tuple[Headline, ...]
    days: int | None = None

    def __call__(self, overrides: dict, seed: int) -> dict[str, float]:
        """The outcomes of the paired run with these overrides and seed."""
        result = runs.run(self.scenario, seed, self.days, overrides)
        impact = runs.impact(result, runs.run(self.scenario, seed, self.days, overrides, no_delay=True))
        return {h.name: h.read(impact) for h in self.outcomes}


# ----------------------------------------------------------------------------- running
class Incomplete(RuntimeError):
    """Some runs of the study failed or are missing; the indices need every point."""


def prepare(plan: Plan, out: Path, resume: bool) -> tuple[sensitivity.Study, np.ndarray, list | None, batch.Spec]:
    """Check the folder and every run's parameters, write study.json and design.csv, and return
    the study, design and batch.

    Why every run's parameters first: a value the schema refuses (e.g. `--days 100000`) would
    otherwise fail each run after study.json is written, and the corrected command would then
    find the folder taken by a study that never ran.
    """
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise ParameterError("command line", "--out", str(out), "a folder (this is a file)")
    study = plan.study()
    X, labels = plan.design(study)
    spec = plan.batch_spec(study, X)
    days = {"simulation.days": spec.days} if spec.days else {}
    for point in spec.points:
        resolve({**study.scenario.overrides, **spec.fixed, **point, **days}, "command line")
    asked = json.loads(json.dumps(plan.to_json(), default=str))
    previous = out / "study.json"
    records = out / "runs"
    if not previous.exists() and records.is_dir() and any(records.iterdir()):
        raise ParameterError(str(out), "--out", str(out), "a new folder (this one holds another batch)")
    if previous.exists():
        if not resume:
            raise ParameterError(str(out), "--out", str(out), "an empty or new folder (or add --resume)")
        old = json.loads(previous.read_text())
        if old.get("plan") != asked:
            raise ParameterError(str(previous), "plan", "(a different study)",
                                 "the same options as the study already in this folder, or a new --out folder")
    out.mkdir(parents=True, exist_ok=True)
    record = {"plan": asked, "code_version": provenance.code_version(), "design_rows": len(X),
              "runs": len(X) * plan.replications, "model_runs": 2 * len(X) * plan.replications}
    runs.atomic_write(previous, json.dumps(record, indent=2).encode())
    design = pd.DataFrame(X, columns=study.factor_names)
    design.insert(0, "point", range(len(X)))
    runs.atomic_write(out / "design.csv", design.to_csv(index=False).encode())
    return study, X, labels, spec


def run_study(plan: Plan, out, executor=None, workers: int = 1, resume: bool = False, progress: bool = True,
              on_done=None, report: bool = True) -> dict:
    """Run a study into `out` (or finish one with `resume`), analyse it and write the report.

    Args:
        plan: the study.
        out: the study folder.
        executor: any concurrent.futures-style executor (a Dask client's executor); default a
            local process pool of `workers` (workers=1: this process).
        workers: processes for the default pool.
        resume: run only the runs without a successful record.
        progress: show the batch's progress bar.
        on_done: called with each run's status as it ends (e.g. to sample memory).
        report: write sensitivity.md and its figures.

    Returns:
        The batch summary ({"total", "ran", "ok", "failed", "skipped", "errors"}), with
        "result" (a calexico.analysis.sensitivity.Result) when every run succeeded.

    """
    out = Path(out)
    study, X, labels, spec = prepare(plan, out, resume)
    summary = batch.run_batch(spec, out, executor=executor, workers=workers, resume=resume,
                              progress=progress, on_done=on_done)
    if summary["failed"]:
        return summary
    table = collect(plan, study, X, out)
    result, floor = analyse(plan, study, X, labels, table)
    write_tables(out, result, floor)
    if report:
        from calexico.analysis import sensitivity_report

        sensitivity_report.write(out, plan, result, floor)
    summary["result"] = result
    return summary


def collect(plan: Plan, study: sensitivity.Study, X: np.ndarray, out: Path) -> pd.DataFrame:
    """The runs table from the run records: one row per point and replication, outcomes only."""
    rows, problems = [], []
    for path in sorted((Path(out) / "runs").glob("[0-9]*.json")):
        record = json.loads(path.read_text())
        if record["status"] != "ok":
            problems.append(f"run {record['run']}: {record['error']}")
            continue
        impact = record["summary"]["impact_vs_no_delay"]
        rows.append({"point": record["point"], "replication": record["replication"], "seed": record["seed"],
                     **{h.name: h.read(impact) for h in plan.outcomes}})
    expected = len(X) * plan.replications
    if problems or len(rows) != expected:
        raise Incomplete(f"{out}: {len(rows)} of {expected} runs succeeded"
                         + (f" ({'; '.join(problems[:3])})" if problems else "")
                         + "; run the same command with --resume")
    table = pd.DataFrame(rows).sort_values(["point", "replication"], ignore_index=True)
    values = pd.DataFrame([{f.name: f.value(u) for f, u in zip(study.factors, x, strict=True)} for x in X])
    return table.join(values, on="point")[["point", "replication", "seed", *study.factor_names,
                                            *study.outcome_names]]


def analyse(plan: Plan, study: sensitivity.Study, X: np.ndarray, labels, table: pd.DataFrame):
    """The indices and the seed-noise floor of each outcome."""
    if plan.method == "morris":
        result = sensitivity.analyse_morris(study, X, table, plan.num_levels, plan.design_seed)
        floor = sensitivity.morris_noise_floor(study, X, table, plan.num_levels)
    elif plan.method == "sobol":
        result = sensitivity.analyse_sobol(study, X, table, False, plan.design_seed)
        floor = result.noise[["outcome", "noise_share"]].rename(columns={"noise_share": "noise_floor"})
    else:
        result = sensitivity.analyse_oat(study, X, labels, table)
        se = result.indices.groupby("outcome")["effect_se"].median()
        floor = pd.DataFrame({"outcome": se.index, "noise_floor": 2 * se.to_numpy()})
    result.indices.insert(2, "status", result.indices["factor"].map(plan.status))
    return result, floor


def write_tables(out: Path, result: sensitivity.Result, floor: pd.DataFrame):
    """indices.csv, noise.csv (with the floor) and runs.csv."""
    out = Path(out)
    runs.atomic_write(out / "indices.csv", result.indices.to_csv(index=False).encode())
    noise = result.noise.merge(floor, on="outcome", how="left")
    runs.atomic_write(out / "noise.csv", noise.to_csv(index=False).encode())
    runs.atomic_write(out / "runs.csv", result.runs.to_csv(index=False).encode())


# ----------------------------------------------------------------------------- data worth collecting
