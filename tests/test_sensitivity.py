import dataclasses
import math
import pickle
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pandas as pd
import pytest
from SALib.test_functions import Ishigami

from calexico.analysis import discovery
from calexico.analysis import sensitivity as sa
from calexico.running import scenarios
from model.parameters import ParameterError

FAST = "simulation.warmup_days"


@dataclasses.dataclass(frozen=True)
class IshigamiRunner:
    """The Ishigami function as a study's model (A = 7, B = 0.1), deterministic."""

    def __call__(self, overrides, seed):
        x = np.array([[overrides["x1"], overrides["x2"], overrides["x3"]]])
        return {"y": float(Ishigami.evaluate(x)[0])}


def ishigami_truth(a=7.0, b=0.1):
    """Analytic first-order and total Sobol indices of the Ishigami function."""
    pi = math.pi
    v1 = 0.5 * (1 + b * pi**4 / 5) ** 2
    v2 = a**2 / 8
    v13 = 8 * b**2 * pi**8 / 225
    v = v1 + v2 + v13
    return {"x1": (v1 / v, (v1 + v13) / v), "x2": (v2 / v, v2 / v), "x3": (0.0, v13 / v)}


def short_baseline():
    """The baseline with no warm-up, so that a 10-day run takes a few hundredths of a second."""
    s = scenarios.load("baseline")
    return dataclasses.replace(s, overrides={**s.overrides, FAST: 0})


def test_sobol_reproduces_ishigami_indices_within_their_confidence_intervals():
    bounds = (-math.pi, math.pi)
    study = sa.Study([sa.Factor(f"x{i}", bounds) for i in (1, 2, 3)], outcomes=["y"], replications=1,
                     runner=IshigamiRunner())
    result = sa.sobol(study, n=1024, seed=1)
    table = result.indices.set_index("factor")
    for name, (s1, st) in ishigami_truth().items():
        assert abs(table.loc[name, "S1"] - s1) <= table.loc[name, "S1_conf"], name
        assert abs(table.loc[name, "ST"] - st) <= table.loc[name, "ST_conf"], name
    assert len(result.X) == 1024 * (3 + 2)  # N(k+2) runs without second order


@pytest.mark.parametrize("seed", [0, 1])
def test_sobol_confidence_intervals_are_the_same_for_the_same_seed(seed):
    study = sa.Study([sa.Factor(f"x{i}", (-math.pi, math.pi)) for i in (1, 2, 3)], outcomes=["y"], replications=1,
                     runner=IshigamiRunner())
    first, second = (sa.sobol(study, n=64, seed=seed).indices for _ in range(2))
    pd.testing.assert_frame_equal(first, second)


def test_sobol_with_second_order_needs_n_2k_plus_2_runs_and_reports_pairs():
    bounds = (-math.pi, math.pi)
    study = sa.Study([sa.Factor(f"x{i}", bounds) for i in (1, 2, 3)], outcomes=["y"], replications=1,
                     runner=IshigamiRunner())
    result = sa.sobol(study, n=256, second_order=True, seed=1)
    assert len(result.X) == 256 * (2 * 3 + 2)
    pair = result.second_order.set_index(["factor_a", "factor_b"]).loc[("x1", "x3")]
    assert pair["S2"] > 0.1  # x1 and x3 interact; the others do not
    assert result.second_order.set_index(["factor_a", "factor_b"]).loc[("x1", "x2"), "S2"] < 0.1


def test_a_factor_the_model_ignores_gets_a_total_index_near_zero():
    # Plants shrink after months of losses: in a 10-day run the threshold cannot matter.
    study = sa.Study([sa.Factor("port.staffing_share", (0.6, 1.2)),
                      sa.Factor("manufacturing.loss_months_to_shrink", (1, 24)),
                      sa.Factor("placebo", dummy=True)],
                     outcomes=["mean_commercial_wait_min"], scenario=short_baseline(), days=5,
                     replications=1)
    result = sa.sobol(study, n=16)
    st = result.indices.set_index("factor")["ST"]
    assert st["port.staffing_share"] > 0.2
    assert abs(st["manufacturing.loss_months_to_shrink"]) < 0.01
    assert abs(st["placebo"]) < 0.01


def test_morris_ranks_an_effective_factor_above_a_dummy_and_reports_seed_noise():
    study = sa.Study([sa.Factor("port.staffing_share", (0.6, 1.2)), sa.Factor("placebo", dummy=True)],
                     outcomes=["mean_commercial_wait_min", "impact.costs_usd.total"],
                     scenario=short_baseline(), days=10, replications=2)
    result = sa.morris(study, trajectories=4)
    assert len(result.X) == 4 * (2 + 1)  # r(k+1) points
    assert len(result.runs) == len(result.X) * 2
    mu = result.indices.set_index(["outcome", "factor"])["mu_star"]
    for name in study.outcome_names:
        assert mu[(name, "port.staffing_share")] > 0
        assert mu[(name, "placebo")] == 0
    assert {"mu_star_conf", "sigma", "rank"} <= set(result.indices.columns)
    noise = result.noise.set_index("outcome")
    assert (noise["var_between_points"] > 0).all()
    assert (noise["var_seed_of_mean"] >= 0).all()
    spread = result.spread()
    assert set(spread["index"]) >= {"mu_star", "sigma"}
    assert len(result.by_replication) == 2 * len(result.indices)


def test_replications_share_seeds_across_design_points():
    study = sa.Study([sa.Factor("port.staffing_share", (0.8, 1.0))], outcomes=["northbound_trucks"],
                     scenario=short_baseline(), days=3, replications=3, first_seed=7)
    table = sa.evaluate(study, np.array([[0.8], [1.0]]))
    assert table.groupby("point")["seed"].apply(list).tolist() == [[7, 8, 9], [7, 8, 9]]


def test_results_do_not_depend_on_the_executor():
    study = sa.Study([sa.Factor("port.staffing_share", (0.8, 1.0)), sa.Factor("placebo", dummy=True)],
                     outcomes=["mean_commercial_wait_min"], scenario=short_baseline(), days=3, replications=2)
    X = np.array([[0.8, 0.1], [1.0, 0.9]])
    serial = sa.evaluate(study, X)
    with ThreadPoolExecutor(2) as pool:
        threaded = sa.evaluate(study, X, executor=pool)
    pd.testing.assert_frame_equal(serial, threaded)
    runner = pickle.loads(pickle.dumps(study.runner))  # what a process pool or Dask ships
    assert runner(study.overrides(X[1]), 1)["mean_commercial_wait_min"] == serial.iloc[3]["mean_commercial_wait_min"]


def test_fixed_parameters_reach_every_run():
    study = sa.Study([sa.Factor("placebo", dummy=True)], outcomes=["days"], scenario="baseline", days=2,
                     replications=1, fixed={FAST: 0, "simulation.days": 3})
    assert study.overrides([0.5]) == {FAST: 0, "simulation.days": 3}
    with pytest.raises(ParameterError):
        sa.Study([sa.Factor("placebo", dummy=True)], outcomes=["days"], fixed={FAST: -1})


def test_one_at_a_time_effects_are_paired_differences_from_the_base():
    study = sa.Study([sa.Factor("port.staffing_share", (0.6, 1.2)),
                      sa.Factor("lines.east_commercial_standard.booths", levels=(1, 2, 3))],
                     outcomes=["mean_commercial_wait_min"], scenario=short_baseline(), days=5, replications=2)
    result = sa.oat(study, points=3)
    t = result.indices
    booths = t[t["factor"] == "lines.east_commercial_standard.booths"].set_index("level")
    assert booths.loc[2, "effect"] == 0 and booths.loc[2, "effect_se"] == 0  # the base, same seeds
    assert booths.loc[1, "effect"] > 0 > booths.loc[3, "effect"]  # fewer booths, longer waits
    staffing = t[t["factor"] == "port.staffing_share"].set_index("level")["mean"]
    assert staffing.loc[0.6] > staffing.loc[1.2]
    swing = sa.oat_swing(result)
    assert set(swing["factor"]) == set(study.factor_names)


@pytest.mark.parametrize("factor", [
    sa.Factor("port.no_such_key", (0.0, 1.0)),
    sa.Factor("port.staffing_share", (0.5, 4.0)),  # above the allowed 3.0
    sa.Factor("port.staffing_share", (1.0, 0.5)),
    sa.Factor("port.staffing_share"),
    sa.Factor("port.staffing_share", (0.5, 1.0), dist="cauchy"),
    sa.Factor("lines.east_commercial_standard.booths", levels=(1, -2)),
])
def test_bad_factors_are_refused_with_a_parameter_error(factor):
    with pytest.raises(ParameterError):
        sa.Study([factor], outcomes=["jobs.total_us"])


def test_an_outcome_that_is_not_in_the_summary_is_refused():
    with pytest.raises(ParameterError, match="jobs.total_moon"):
        sa.Study([sa.Factor("port.staffing_share", (0.5, 1.0))], outcomes=["jobs.total_moon"])
    assert sa.outcome("impact.jobs.total_us").vs_no_delay


def test_prim_finds_the_box_where_the_condition_holds():
    rng = np.random.default_rng(0)
    x = pd.DataFrame({"staffing": rng.uniform(0, 1, 400), "fast": rng.uniform(0, 1, 400),
                      "noise": rng.uniform(0, 1, 400), "booths": rng.integers(1, 5, 400)})
    table = x.assign(jobs_lost=np.where((x.staffing < 0.3) & (x.fast < 0.5), 500.0, 10.0))
    y = discovery.condition(table, "jobs_lost", above=100)
    found = discovery.find_boxes(x, y, n_boxes=2)
    box = found.boxes.iloc[0]
    assert box["coverage"] >= 0.8 and box["density"] >= 0.8
    limits = found.limits.set_index("factor")
    assert set(limits.index) == {"staffing", "fast"}
    assert limits.loc["staffing", "high"] == pytest.approx(0.3, abs=0.05)
    assert found.trajectories["chosen"].sum() == 1


def test_discovery_refuses_a_condition_that_never_holds():
    table = pd.DataFrame({"a": [0.1, 0.2], "jobs_lost": [1.0, 2.0]})
    with pytest.raises(ParameterError):
        discovery.find_boxes(table[["a"]], discovery.condition(table, "jobs_lost", above=10))
    with pytest.raises(ParameterError):
        discovery.condition(table, "jobs_found", above=1)
