"""Sensitivity study benchmark: design points per second for full-year paired runs, the
coordinator's memory at 10% and 100% of a study, the ratio to the Boltzmann yardstick, and what
that means for the issue's full study (every assumption, 10 trajectories, 2 replications).

A small Morris study over a spread of the assumptions (every K-th in the data file) runs through
the same path as `calexico sensitivity` (calexico.analysis.screening.run_study: batch runs on a local
pool, analysis, report). Prints figures; asserts nothing (the machines are shared and noisy).

Run: .venv/bin/python benchmarks/bench_sensitivity.py [--every 12] [--trajectories 2] [--reps 2]
     [--days N] [--workers 2]
"""

import argparse
import sys
import tempfile
import time
from pathlib import Path

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_model import measure  # noqa: E402  (the Boltzmann yardstick, in a fresh process)

from calexico.analysis import screening  # noqa: E402
from calexico.running import batch, pools  # noqa: E402

TARGET_MIN = 30.0  # the target for the full study with 2 workers


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--every", type=int, default=12, help="take every K-th assumption as a factor")
    parser.add_argument("--trajectories", type=int, default=2)
    parser.add_argument("--reps", type=int, default=2)
    parser.add_argument("--days", type=int, default=None, help="measured days (default: the full year)")
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()

    yardstick_s = measure("yardstick")["seconds"]
    every = screening.choose_factors("assumptions")
    factors = every[::args.every]
    outcomes = screening.choose_outcomes(None, screening.impact_shape())
    plan = screening.Plan(factors, outcomes, "morris", days=args.days, replications=args.reps,
                          trajectories=args.trajectories)
    points = args.trajectories * (len(factors) + 1)
    total = points * args.reps
    coordinator = psutil.Process()
    memory_mb, done = {}, [0]

    def sample(status):
        done[0] += 1
        for share in (0.1, 1.0):
            if share not in memory_mb and done[0] >= share * total:
                memory_mb[share] = coordinator.memory_info().rss / 2**20

    with tempfile.TemporaryDirectory() as tmp:
        # Start the pool's server (it imports the model once) before timing, as a long study amortises it.
        executor = pools.local_executor(args.workers)
        try:
            warm = batch.check_spec({"replications": args.workers, "days": 1,
                                     "parameters": {"simulation.warmup_days": 0}}, "warm-up")
            batch.run_batch(warm, Path(tmp) / "warm", executor=executor, workers=args.workers, progress=False)
            cpu_before = worker_cpu_s(coordinator)
            start = time.perf_counter()
            summary = screening.run_study(plan, Path(tmp) / "study", executor=executor, workers=args.workers,
                                          progress=False, on_done=sample, report=False)
            runs_s = time.perf_counter() - start
            cpu_s = worker_cpu_s(coordinator) - cpu_before
        finally:
            executor.shutdown()
        assert summary["failed"] == 0, summary["errors"]
        start = time.perf_counter()
        from calexico.analysis import sensitivity_report

        floor = __import__("pandas").read_csv(Path(tmp) / "study" / "noise.csv")[["outcome", "noise_floor"]]
        sensitivity_report.write(Path(tmp) / "study", plan, summary["result"], floor)
        report_s = time.perf_counter() - start
        after_report_mb = coordinator.memory_info().rss / 2**20

    rate = points / runs_s
    per_point = runs_s / points
    full_factors = len(every)
    # The full study screens the groups of calexico/data/sensitivity_groups.toml (the command's default).
    full_screened = len({f.group or f.name for f in screening.choose_groups(every)[0]})
    full_points = 10 * (full_screened + 1)
    full_min = full_points / rate / 60
    days = args.days or "full-year (366 + warm-up)"
    print(f"Morris study: {len(factors)} of {full_factors} assumptions (every {args.every}th), "
          f"{args.trajectories} trajectories, {args.reps} replications, {days} days, {args.workers} workers")
    print(f"  {points} design points, {total} paired runs ({2 * total} model runs) in {runs_s:.1f} s; "
          f"analysis and report {report_s:.1f} s")
    print(f"  design points per second: {rate:.3f} ({per_point:.2f} s per point, "
          f"{runs_s / (2 * total) * args.workers:.2f} s per model run per worker)")
    print(f"  Boltzmann yardstick: {yardstick_s:.2f} s; one design point = {per_point / yardstick_s:.2f} yardsticks")
    grow = memory_mb.get(1.0, float("nan")) - memory_mb.get(0.1, float("nan"))
    print(f"  coordinator memory: {memory_mb.get(0.1, float('nan')):.0f} MB at 10%, "
          f"{memory_mb.get(1.0, float('nan')):.0f} MB at 100% (growth {grow:+.0f} MB, target within 50 MB); "
          f"{after_report_mb:.0f} MB after the report")
    verdict = "ok" if full_min <= TARGET_MIN else "OVER"
    print(f"  full study ({full_factors} factors in {full_screened} groups and lone factors, 10 trajectories: "
          f"{full_points} points x {args.reps} "
          f"replications, paired) at this rate: {full_min:.1f} min (target {TARGET_MIN:.0f}) {verdict}")
    # Wall time counts other people's jobs on a shared machine; the workers' CPU time does not.
    cpu_per_run = cpu_s / (2 * total)
    cpu_min = full_points * args.reps * 2 * cpu_per_run / args.workers / 60
    print(f"  workers' CPU time: {cpu_s:.1f} s, {cpu_per_run:.2f} s per model run; the full study on "
          f"{args.workers} free cores: {cpu_min:.1f} min (target {TARGET_MIN:.0f}) "
          f"{'ok' if cpu_min <= TARGET_MIN else 'OVER'}")


def worker_cpu_s(coordinator) -> float:
    """User + system CPU seconds of every live process under the coordinator (the pool's workers)."""
    total = 0.0
    for child in coordinator.children(recursive=True):
        try:
            cpu = child.cpu_times()
            total += cpu.user + cpu.system
        except psutil.NoSuchProcess:
            continue
    return total


if __name__ == "__main__":
    main()
