"""Scenario discovery: the boxes of uncertain factors where an outcome crosses a threshold.

The method is PRIM (Friedman and Fisher 1999) as EMA Workbench implements it: it peels the
factor space down to a box where the condition holds often (density) while keeping most of the
cases where it holds (coverage). A researcher reads each box as a story, e.g. "the region loses
more than N jobs when staffing is below 0.8 and secondary referral above 10%".

    table = explore(study, n=200, workers=2)                   # a Latin hypercube, replication means
    y = condition(table, "jobs_lost_mx", above=200)
    found = find_boxes(table[study.factor_names], y)
    found.boxes, found.limits                                 # coverage, density; the box edges
"""

import logging
import warnings
from concurrent.futures import Executor
from dataclasses import dataclass

import numpy as np
import pandas as pd

from calexico.analysis.sensitivity import Study, evaluate, latin_design, point_means
from model.parameters import ParameterError


def explore(study: Study, n: int, executor: Executor | None = None, workers: int = 1,
            seed: int = 0) -> pd.DataFrame:
    """Run a Latin hypercube of n points (each `replications` times, common random numbers):
    one row per point with the factor values and the replication means of the outcomes.
    """
    runs_table = evaluate(study, latin_design(study, n, seed), executor, workers)
    return point_means(study, runs_table)


def condition(table: pd.DataFrame, outcome: str, above: float | None = None,
              below: float | None = None) -> np.ndarray:
    """The cases of interest: outcome > above (or outcome < below), as a boolean array."""
    if outcome not in table.columns:
        raise ParameterError("scenario discovery", "outcome", outcome, f"one of {list(table.columns)}")
    if (above is None) == (below is None):
        raise ParameterError("scenario discovery", "threshold", (above, below),
                             "exactly one of above or below")
    values = table[outcome].to_numpy()
    return values > above if above is not None else values < below


@dataclass
class Discovery:
    """PRIM's answer: the boxes, their edges, and the peeling trajectories they were chosen from."""

    boxes: pd.DataFrame
    limits: pd.DataFrame
    trajectories: pd.DataFrame


def find_boxes(x: pd.DataFrame, y: np.ndarray, n_boxes: int = 1, min_coverage: float = 0.5,
               density_tolerance: float = 0.05, peel_alpha: float = 0.05, mass_min: float = 0.05) -> Discovery:
    """Find up to n_boxes boxes where y holds.

    Each box is a point on its peeling trajectory with coverage at least `min_coverage`
    (coverage: the share of all cases of interest inside the box; density: the share of the
    box's points that are of interest; mass: the share of all points in the box): of those within
    `density_tolerance` of the best density, the one that restricts the fewest factors, because
    late peeling steps add restrictions that buy little density and are hard to read.

    Args:
        x: the factors, one row per design point.
        y: the condition per point (see `condition`).
        n_boxes: boxes to look for; the search stops early when no restricted box on the next
            trajectory reaches `min_coverage` (of the cases not yet covered).
        min_coverage: the least coverage a chosen box may have.
        density_tolerance: how much density to give up for a box with fewer restrictions.
        peel_alpha: the share of points PRIM peels away per step.
        mass_min: the smallest mass a box may have.

    """
    y = np.asarray(y, dtype=bool)
    if len(y) != len(x):
        raise ParameterError("scenario discovery", "y", len(y), f"one condition per row of x ({len(x)})")
    if not y.any():
        raise ParameterError("scenario discovery", "condition", 0,
                             "at least one case where the condition holds (lower the threshold)")
    # Integer factors as floats: EMA Workbench 3.0 pastes half-integers into int64 columns and fails.
    x = x.reset_index(drop=True).apply(lambda c: c.astype(float) if c.dtype.kind in "iu" else c)
    prim = _prim(x, y, peel_alpha, mass_min)
    boxes, limits, trajectories = [], [], []
    for number in range(1, n_boxes + 1):
        box = prim.find_box()
        if box is None:
            break
        trajectory = box.peeling_trajectory.copy()
        ok = trajectory[(trajectory["coverage"] >= min_coverage) & (trajectory["res_dim"] > 0)]
        if ok.empty:
            break  # nothing left worth a box
        near_best = ok[ok["density"] >= ok["density"].max() - density_tolerance]
        chosen = int(near_best.sort_values(["res_dim", "density"], ascending=[True, False]).index[0])
        box.select(chosen)
        trajectories.append(trajectory.assign(box=number, chosen=trajectory.index == chosen))
        edges = _restricted(box.box_lims[chosen], prim.box_init)
        limits.append(edges.assign(box=number))
        boxes.append({"box": number, "coverage": float(box.coverage), "density": float(box.density),
                      "mass": float(box.mass), "res_dim": int(box.res_dim),
                      "cases_of_interest": int(y.sum()), "points": len(y),
                      "description": " and ".join(_phrase(r) for r in edges.itertuples()) or "everywhere"})
    columns = ["box", "factor", "low", "high", "range_low", "range_high"]
    limits = pd.concat(limits, ignore_index=True)[columns] if limits else pd.DataFrame(columns=columns)
    return Discovery(pd.DataFrame(boxes), limits,
                     pd.concat(trajectories, ignore_index=True) if trajectories else pd.DataFrame())


def _prim(x, y, peel_alpha, mass_min):
    """EMA Workbench's Prim, imported late (it is slow to import and warns about ipyparallel)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from ema_workbench.analysis import prim

        logging.getLogger("EMA").setLevel(logging.WARNING)
        return prim.Prim(x, y, peel_alpha=peel_alpha, mass_min=mass_min)


def _restricted(lims: pd.DataFrame, init: pd.DataFrame) -> pd.DataFrame:
    """The factors a box restricts: its edges beside the full range."""
    rows = []
    for factor in lims.columns:
        low, high = lims[factor].iloc[0], lims[factor].iloc[1]
        full_low, full_high = init[factor].iloc[0], init[factor].iloc[1]
        if isinstance(low, set):  # a categorical factor: the set of levels kept
            if low != full_low:
                rows.append({"factor": factor, "low": sorted(low), "high": sorted(low),
                             "range_low": sorted(full_low), "range_high": sorted(full_low)})
        elif low > full_low or high < full_high:
            rows.append({"factor": factor, "low": low, "high": high, "range_low": full_low,
                         "range_high": full_high})
    return pd.DataFrame(rows, columns=["factor", "low", "high", "range_low", "range_high"])


def _phrase(row) -> str:
    if isinstance(row.low, list):
        return f"{row.factor} in {row.low}"
    if row.low > row.range_low and row.high < row.range_high:
        return f"{row.low:.3g} <= {row.factor} <= {row.high:.3g}"
    if row.low > row.range_low:
        return f"{row.factor} >= {row.low:.3g}"
    return f"{row.factor} <= {row.high:.3g}"
