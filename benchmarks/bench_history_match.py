"""History-match benchmark: model runs per second as a wave runs them (a full year, every target
measured), the emulators' fit time at the default size, the sampling and share-of-space cost, the
coordinator's memory, and from them the time a full match with the default settings takes.

Run: .venv/bin/python benchmarks/bench_history_match.py [--runs 8] [--workers 2] [--fits 6]

Nothing here is a full match: the runs are timed on a few points, the emulators on synthetic
outputs of the default design's size (every factor, the default points, the same fitting code),
and the estimate multiplies them out, so it takes a few minutes on a shared machine.
"""

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np
import psutil

from calexico.analysis import history_matching as hm
from calexico.analysis import targets
from calexico.cli import build_parser
from calexico.running import batch, pools, scenarios


def defaults() -> dict:
    """The defaults of `calexico history-match` (read from its parser, so the estimate follows them)."""
    args = build_parser().parse_args(["history-match", "--out", "x"])
    return {"waves": args.waves, "points": args.points, "reps": args.reps, "max_rank": args.max_rank}


def runs_per_second(n: int, workers: int, tmp: Path) -> float:
    """Full-year runs with every used target measured, as a wave runs them, on `workers` processes."""
    obs, _ = hm.observations(targets.load())
    plan = hm.Plan(hm.choose_factors("assumptions+calibrated"), points=max(n, 8))
    U = hm.first_design(plan)[:n]
    spec = hm.wave_spec(plan, scenarios.load("baseline"), U, obs, 1)
    spec.replications = 1
    executor = pools.local_executor(workers)
    try:
        warm = hm.wave_spec(hm.Plan(plan.factors, days=1, points=8), scenarios.load("baseline"), U[:1],
                            obs, 0)
        warm.replications = 1
        batch.run_batch(warm, tmp / "warm", executor=executor, workers=workers, progress=False)  # start the pool
        start = time.perf_counter()
        done = batch.run_batch(spec, tmp / "runs", executor=executor, workers=workers, progress=False)
        elapsed = time.perf_counter() - start
    finally:
        executor.shutdown()
    assert done["failed"] == 0, done["errors"]
    return n / elapsed


def cpu_per_run() -> float:
    """CPU seconds of one full-year run with every target measured, in this process: what a worker
    spends on a run when it has a core to itself (the machine's other users do not count here).
    """
    obs, _ = hm.observations(targets.load())
    measure = hm.Measure(tuple(o.target for o in obs))
    scenario = scenarios.load("baseline")
    measure(scenario, 0, 1, {})  # compile the kernels first
    start = time.process_time()
    measure(scenario, 1, None, {})
    return time.process_time() - start


def emulator_cost(points: int, fits: int, targets_used: int, seed: int = 0) -> tuple[float, float, float]:
    """Seconds per emulator fit at the default size; seconds to rule on one candidate point with a
    wave of `targets_used` emulators; and the sampling's share of that work.

    The synthetic outputs have the shape the model's have: a few factors matter, smoothly, the rest
    add a little noise.
    """
    d = len(hm.choose_factors("assumptions+calibrated"))
    rng = np.random.default_rng(seed)
    U = rng.random((points, d))
    emulators, fit_s = [], []
    for i in range(fits):
        w = rng.normal(0, 1, 4)
        cols = rng.choice(d, 4, replace=False)
        y = 10 + U[:, cols] @ w + 0.5 * np.sin(3 * U[:, cols[0]]) + rng.normal(0, 0.02, points)
        start = time.perf_counter()
        emulators.append(hm.fit_emulator(f"synthetic {i}", U, y))
        fit_s.append(time.perf_counter() - start)
    candidates = rng.random((5000, d))
    start = time.perf_counter()
    for em in emulators:
        em.predict(candidates)
    per_candidate = (time.perf_counter() - start) / len(emulators) / len(candidates) * targets_used
    return float(np.median(fit_s)), per_candidate, d


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=8, help="full-year runs to time")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--fits", type=int, default=6, help="emulators to fit at the default size")
    args = parser.parse_args()
    me = psutil.Process()
    rss_start = me.memory_info().rss / 2**20
    d = defaults()
    obs, _ = hm.observations(targets.load())
    T = len(obs)
    with tempfile.TemporaryDirectory() as tmp:
        rate = runs_per_second(args.runs, args.workers, Path(tmp))
    rss_runs = me.memory_info().rss / 2**20
    cpu_s = cpu_per_run()
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1):  # as history_match fits them
        fit_s, per_candidate, factors = emulator_cost(d["points"], args.fits, T)
    rss_end = me.memory_info().rss / 2**20
    runs = d["waves"] * d["points"] * d["reps"]
    run_s = runs / rate
    fits_s = d["waves"] * T * fit_s
    # Sampling: a later wave draws until it has 4 x points survivors (at most 200,000 draws), each
    # judged by every earlier wave; the share of space judges 20,000 points per wave.
    draws = sum(min(200_000, 4 * d["points"] / 0.05) * (k - 1) for k in range(2, d["waves"] + 1))
    sample_s = (draws + d["waves"] * hm.MC_SAMPLE) * per_candidate
    total = run_s + fits_s + sample_s
    idle_total = runs * cpu_s / args.workers + fits_s + sample_s
    print(f"runs: {rate:.2f} full-year runs/s on {args.workers} workers as measured ({T} targets measured per run);"
          f" {cpu_s:.2f} CPU s per run, so {args.workers / cpu_s:.2f} runs/s on {args.workers} idle cores")
    print(f"emulators: {fit_s:.2f} s per fit ({d['points']} points, {factors} factors; median of {args.fits});"
          f" {T} per wave")
    print(f"implausibility: {1e6 * per_candidate:.0f} us per candidate point with {T} emulators")
    print(f"coordinator RSS: {rss_start:.0f} MB at start, {rss_runs:.0f} MB after the runs,"
          f" {rss_end:.0f} MB after the emulators")
    print(f"full match with the defaults ({d['waves']} waves x {d['points']} points x {d['reps']} seeds ="
          f" {runs} runs) on {args.workers} workers: runs {run_s / 60:.1f} min + emulators {fits_s / 60:.1f} min"
          f" + sampling {sample_s / 60:.1f} min (if 5% of a wave's draws survive) = {total / 60:.1f} min"
          f" (target <= 60); {idle_total / 60:.1f} min on {args.workers} idle cores")


if __name__ == "__main__":
    main()
