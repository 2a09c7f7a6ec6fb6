"""How fast is the model? Prints figures; asserts nothing (the machines are shared and noisy).

Times Mesa's own Boltzmann wealth example (10,000 agents, 100 steps) as the machine's
yardstick, then a default baseline year and a 1:1-scale baseline year (one agent per commuter),
and prints each as a ratio to the yardstick with agent-steps per second and peak memory. Each
model run is in a fresh subprocess so that its peak memory is its own.

The machines are shared and their speed drifts from minute to minute, so each of the N rounds
times the three in turn and gives its own ratios; the target is judged on the median of the
rounds' ratios, each taken from runs a few seconds apart (the ratio of the best times, taken
minutes apart, is printed beside it).

Usage: python benchmarks/bench_model.py [--repeats N]
"""

import argparse
import json
import statistics
import subprocess
import sys
import time

CHILD = r"""
import json, resource, sys, time
kind = sys.argv[1]
if kind == "yardstick":
    from mesa.examples.basic.boltzmann_wealth_model.model import BoltzmannScenario, BoltzmannWealth
    t = time.perf_counter()
    m = BoltzmannWealth(BoltzmannScenario(n=10000, width=100, height=100, rng=1))
    for _ in range(100):
        m.step()
    seconds, agent_steps = time.perf_counter() - t, 10000 * 100
else:
    from model import BorderModel
    # Load the compiled queue kernel once (a one-off per process, cached on disk).
    BorderModel(seed=0, params={"simulation.days": 2, "simulation.warmup_days": 0}).run()
    params = {"simulation.workers_per_agent": 1} if kind == "one_to_one" else {}
    t = time.perf_counter()
    m = BorderModel(params, seed=1).run()
    seconds = time.perf_counter() - t
    agent_steps = len(m.agents) * m.n_days
print(json.dumps({"seconds": seconds, "agent_steps": agent_steps,
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def measure(kind: str) -> dict:
    out = subprocess.run([sys.executable, "-c", CHILD, kind], capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=1, help="rounds of the three runs")
    args = parser.parse_args()
    started = time.perf_counter()
    kinds = ("yardstick", "default_year", "one_to_one")
    rounds = [{kind: measure(kind) for kind in kinds} for _ in range(args.repeats)]
    targets = {"yardstick": None, "default_year": 0.15, "one_to_one": 1.5}
    print(f"{'run':14s} {'seconds':>8s} {'ratio':>6s} {'(range)':>13s} {'best/best':>9s} {'target':>7s} "
          f"{'agent-steps/s':>14s} {'peak MB':>8s}")
    best_yard = min(r["yardstick"]["seconds"] for r in rounds)
    for kind in kinds:
        ratios = [r[kind]["seconds"] / r["yardstick"]["seconds"] for r in rounds]
        best = min((r[kind] for r in rounds), key=lambda run: run["seconds"])
        ratio, target = statistics.median(ratios), targets[kind]
        verdict = "" if target is None else ("  ok" if ratio <= target else "  OVER")
        spread = f"{min(ratios):.3f}-{max(ratios):.3f}"
        print(f"{kind:14s} {best['seconds']:8.2f} {ratio:6.3f} {spread:>13s} {best['seconds'] / best_yard:9.3f} "
              f"{'' if target is None else target:>7} {best['agent_steps'] / best['seconds']:14,.0f} "
              f"{best['peak_mb']:8.0f}{verdict}")
    print(f"(seconds: the best of {args.repeats}; ratio: the median of the rounds' ratios, with their range; "
          f"1:1 peak memory target: under 1,500 MB; benchmark took {time.perf_counter() - started:.0f} s)")


if __name__ == "__main__":
    main()
