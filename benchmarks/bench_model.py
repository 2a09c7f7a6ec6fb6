"""How fast is the model? Prints figures; asserts nothing (the machines are shared and noisy).

In one process, times Mesa's own Boltzmann wealth example (10,000 agents, 100 steps) as the
machine's yardstick, then a default baseline year and a 1:1-scale baseline year (one agent per
commuter), and prints each as a ratio to the yardstick with agent-steps per second and peak
memory. Each model run is in a fresh subprocess so that its peak memory is its own.

Usage: python benchmarks/bench_model.py [--repeats N]
"""

import argparse
import json
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
    parser.add_argument("--repeats", type=int, default=1, help="best of N for each figure")
    args = parser.parse_args()
    started = time.perf_counter()
    results = {}
    for kind in ("yardstick", "default_year", "one_to_one"):
        runs = [measure(kind) for _ in range(args.repeats)]
        results[kind] = min(runs, key=lambda r: r["seconds"])
    yard = results["yardstick"]["seconds"]
    targets = {"yardstick": None, "default_year": 0.15, "one_to_one": 1.5}
    print(f"{'run':14s} {'seconds':>8s} {'ratio':>6s} {'target':>7s} {'agent-steps/s':>14s} {'peak MB':>8s}")
    for kind, r in results.items():
        ratio = r["seconds"] / yard
        target = targets[kind]
        verdict = "" if target is None else ("  ok" if ratio <= target else "  OVER")
        print(f"{kind:14s} {r['seconds']:8.2f} {ratio:6.3f} {'' if target is None else target:>7} "
              f"{r['agent_steps'] / r['seconds']:14,.0f} {r['peak_mb']:8.0f}{verdict}")
    print(f"(1:1 peak memory target: under 1,500 MB; benchmark took {time.perf_counter() - started:.0f} s)")


if __name__ == "__main__":
    main()
