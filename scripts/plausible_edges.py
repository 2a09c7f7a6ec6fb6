"""Does a history match's interval hold every plausible set? A line search from the shipped defaults.

Moves one factor at a time to each end of its documented range, runs each point as a history
match's wave runs its points (the same seeds, every target measured), and applies the match's
own test (`run_fit`'s closeness: 1 or less is a plausible set). For each plausible point it
prints the cost of delay against the no-delay port (two paired seeds, as `make run`). A plausible
point whose cost lies outside a match's "what the data leave unknown" interval shows that the
interval is what the match found, not all that the data allow (docs/history_matching.md).

Usage: .venv/bin/python scripts/plausible_edges.py OUT [FACTOR ...]
    OUT: a new folder for the runs. FACTOR: factors of the default match (default: those that move
    the cost of delay most in the screen inside the plausible region, docs/screening).
"""

import argparse
import dataclasses
import sys
from pathlib import Path

import numpy as np

from calexico.analysis import history_matching as hm
from calexico.analysis import targets
from calexico.running import batch, runs, scenarios

# The 16 that move the cost of delay most in the screen inside the plausible region (docs/screening,
# indices.csv), less the simulation's own settings and the staffing share (not factors of the match).
MOST_INFLUENTIAL = ("labour.ready_share", "port.expectation_weight", "crossers.city_speed_kmh",
                    "lines.east_pov_general.primary_min", "lines.west_pedestrian.primary_min",
                    "officers.daily_variation", "region.circuity", "lines.west_pov_sentri.primary_min",
                    "labour.pedestrian_share", "labour.west_share", "lines.east_pedestrian.primary_min",
                    "agriculture.value_per_load_usd", "manufacturing.input_loads_per_output_load")
REPS = 2  # paired seeds 0 and 1, as `make run`


def cost_of_delay(overrides: dict) -> dict:
    """Mean and 95% interval of the cost of delay (USD) over the paired seeds, as `make run` gives it."""
    base = scenarios.load("baseline")
    scenario = dataclasses.replace(base, overrides={**base.overrides, **overrides})
    result = runs.run_with_impact(scenario, seed=0, reps=REPS)
    return result.summary["impact_vs_no_delay"]["costs_usd"]["total"]


def main(argv=None) -> int:
    """Run the line search and print one row per point; 2 for a user's mistake."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("factors", nargs="*", default=list(MOST_INFLUENTIAL))
    args = parser.parse_args(argv)
    plan = hm.Plan(hm.choose_factors("assumptions+calibrated"))
    names = [f.name for f in plan.factors]
    unknown = [name for name in args.factors if name not in names]
    if unknown:
        print(f"plausible_edges: FACTOR {unknown[0]!r} is not a factor of the default match "
              f"(allowed: one of the {len(names)} in `calexico history-match --factors assumptions+calibrated`)",
              file=sys.stderr)
        return 2
    if args.out.exists():
        print(f"plausible_edges: OUT {str(args.out)!r} exists; allowed: a new folder", file=sys.stderr)
        return 2
    obs, _ = hm.observations(targets.load())
    shipped = hm.shipped_point(plan)
    points, moves = [shipped], [("shipped defaults", None)]
    for name in args.factors:
        for end in (0.0, 1.0):
            u = shipped.copy()
            u[names.index(name)] = end
            points.append(u)
            moves.append((name, plan.values(u)[name]))
    design = np.vstack(points)
    spec = hm.wave_spec(plan, scenarios.load(plan.scenario), design, obs, 1)
    batch.run_batch(spec, args.out, workers=1, progress=False)
    fit = hm.run_fit(plan, obs, hm.collect(args.out, obs, len(design), plan.reps))
    print(f"{'factor':38s} {'value':>8s} {'closeness':>9s}  cost of delay, USD (2 paired seeds) or what rules it out")
    for k, (name, value) in enumerate(moves):
        closeness = float(fit["closeness"][k])
        line = f"{name:38s} {'' if value is None else f'{value:.4g}':>8s} {closeness:9.2f}  "
        if closeness <= 1.0:
            c = cost_of_delay({} if value is None else {name: value})
            line += f"{c['mean'] / 1e6:.1f}M [{c['ci95_low'] / 1e6:.1f}M, {c['ci95_high'] / 1e6:.1f}M]"
        else:
            worst = np.argsort(-fit["imp"][k])[:2]
            line += "ruled out: " + "; ".join(f"{fit['obs'][i].name} ({fit['imp'][k][i]:.1f})" for i in worst)
        print(line, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
