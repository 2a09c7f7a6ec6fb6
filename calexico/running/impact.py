"""The impact of delay: a scenario minus its no-delay twin, and its mean and 95% interval over
paired replications.

Why paired: replication r runs the scenario and its no-delay counterfactual with the same seed,
so demand, weather and inspection draws are shared and the difference isolates the waiting; the
interval is a t-interval over the per-seed differences (as `calexico compare` does between two
scenarios, with the same `t_interval`).
"""

import math

import numpy as np
from scipy.special import stdtrit

COUNTERFACTUAL = ("no_delay: nobody waits in line at the two Calexico ports; inspection still takes its time; "
                  "Otay Mesa and San Luis keep their waits")
# Impact key -> (run-summary key, sign). Output and value added lost are the counterfactual's
# minus the scenario's (positive for a loss); jobs are a change in the jobs the output supports
# (negative = jobs lost). A section the run summaries lack is skipped.
SECTIONS = {
    "costs_usd": ("costs_usd", 1.0),
    "output_lost_usd": ("output_usd", -1.0),
    "value_added_lost_usd": ("value_added_usd", -1.0),
    "jobs": ("io_jobs", 1.0),
    "jobs_by_sector": ("io_jobs_by_sector", 1.0),
    "agent_jobs_response": ("agent_jobs", 1.0),
    "northbound_trucks": ("northbound_trucks", 1.0),
    "trade_value_usd": ("trade_value_usd", 1.0),
    "visitor_spending_usd": ("visitor_spending_usd", 1.0),
}
STATS = ("mean", "ci95_low", "ci95_high")


def difference(summary: dict, counterfactual: dict) -> dict:
    """One seed's impact: the scenario's summary minus its counterfactual's, section by section.

    Output lost gets each side's total too, summed seed by seed, so that it has an interval of its
    own (a sum of the sectors' intervals would not be one).
    """
    out = {name: _subtract(summary[key], counterfactual[key], sign)
           for name, (key, sign) in SECTIONS.items() if key in summary and key in counterfactual}
    for sectors in out.get("output_lost_usd", {}).values():
        sectors["total"] = sum(v for k, v in sectors.items() if k != "total")
    return out


def _subtract(a, b, sign: float):
    if isinstance(a, dict):
        return {k: _subtract(a[k], b[k], sign) for k in a if k in b}
    return sign * (float(a) - float(b))


def t_interval(values, level: float = 0.95) -> tuple[float, float, float]:
    """Mean and two-sided t-interval of independent values (NaN bounds for fewer than two)."""
    x = np.asarray(values, float)
    n = len(x)
    if n == 0:
        return math.nan, math.nan, math.nan
    mean = float(x.mean())
    if n < 2:
        return mean, math.nan, math.nan
    half = float(stdtrit(n - 1, 0.5 + level / 2) * x.std(ddof=1) / math.sqrt(n))  # t quantile
    return mean, mean - half, mean + half


def interval(values) -> dict:
    """{"mean", "ci95_low", "ci95_high"} of values (bounds None for a single replication)."""
    mean, low, high = t_interval(values, 0.95)
    return {"mean": mean, "ci95_low": None if math.isnan(low) else low,
            "ci95_high": None if math.isnan(high) else high}


def aggregate(impacts: list[dict]) -> dict:
    """Per-seed impacts (same shape) -> the same shape with an interval at every leaf."""
    first = impacts[0]
    if isinstance(first, dict):
        return {k: aggregate([i[k] for i in impacts]) for k in first if all(k in i for i in impacts)}
    return interval(impacts)


def impact_vs_no_delay(pairs: list[tuple[dict, dict]], seeds: list[int]) -> dict:
    """The summary's `impact_vs_no_delay` from (scenario, counterfactual) summaries, one pair a seed."""
    return {
        "counterfactual": COUNTERFACTUAL,
        "replications": len(pairs),
        "seeds": list(seeds),
        **aggregate([difference(s, c) for s, c in pairs]),
    }
