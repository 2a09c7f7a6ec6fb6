"""Batch benchmark: speed-up of 2 workers over 1 on default-year runs, and the coordinator's
memory after 1,000 short runs against after 100.

Run: .venv/bin/python benchmarks/bench_batch.py [--runs 8] [--memory-runs 1000]
"""

import argparse
import tempfile
import time
from pathlib import Path

import psutil

from calexico.running import batch, pools


def timed_batch(raw: dict, workers: int, out: Path) -> float:
    start = time.perf_counter()
    executor = pools.local_executor(workers)  # the same pool kind for 1 and 2 workers
    try:
        summary = batch.run_batch(batch.check_spec(raw, "bench"), out, executor=executor, workers=workers,
                                  progress=False)
    finally:
        executor.shutdown()
    assert summary["failed"] == 0, summary["errors"]
    return time.perf_counter() - start


def speedup(runs: int, tmp: Path):
    raw = {"scenarios": ["baseline"], "replications": runs, "base_seed": 1}  # default year: 366 days + warm-up
    # Start the pool's server (it imports the model once) before timing either, so neither pays it.
    warm = {"scenarios": ["baseline"], "replications": 1, "days": 1, "parameters": {"simulation.warmup_days": 0}}
    timed_batch(warm, 1, tmp / "warm")
    one = timed_batch(raw, 1, tmp / "w1")
    two = timed_batch(raw, 2, tmp / "w2")
    print(f"{runs} default-year runs: 1 worker {one:.1f} s, 2 workers {two:.1f} s, speed-up {one / two:.2f}x"
          f" (target >= 1.8)")


def memory(runs: int, tmp: Path):
    raw = {"scenarios": ["baseline"], "replications": runs, "base_seed": 2, "days": 5,
           "parameters": {"simulation.warmup_days": 0}}
    me, rss = psutil.Process(), {}

    def sample(status):
        n = len(rss.setdefault("done", [])) + 1
        rss["done"].append(status["run"])
        if n in (100, runs):
            rss[n] = me.memory_info().rss / 2**20

    start = time.perf_counter()
    batch.run_batch(batch.check_spec(raw, "bench"), tmp / "mem", workers=2, progress=False, on_done=sample)
    print(f"coordinator RSS after 100 runs {rss[100]:.1f} MB, after {runs} runs {rss[runs]:.1f} MB:"
          f" growth {rss[runs] - rss[100]:+.1f} MB (target within 50 MB); {time.perf_counter() - start:.0f} s")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=8)
    parser.add_argument("--memory-runs", type=int, default=1000)
    args = parser.parse_args()
    print(f"CPUs: {psutil.cpu_count()}, load average before: {psutil.getloadavg()[0]:.1f}")
    with tempfile.TemporaryDirectory() as tmp:
        speedup(args.runs, Path(tmp))
        memory(args.memory_runs, Path(tmp))


if __name__ == "__main__":
    main()
