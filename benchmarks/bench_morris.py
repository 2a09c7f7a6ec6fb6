"""How long a Morris study of the default factors takes with 2 workers.

    .venv/bin/python benchmarks/bench_morris.py [--trajectories 4] [--days 30] [--replications 2]

Design points: r(k+1) with k = 10 default factors; each point runs R replications of the model
and of its paired no-delay run (the default outcomes are impacts), so model runs = 2 R r(k+1).
"""

import argparse
import time

from calexico.analysis import sensitivity as sa


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trajectories", type=int, default=4)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--replications", type=int, default=2)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    study = sa.Study(sa.DEFAULT_FACTORS, sa.DEFAULT_OUTCOMES, days=args.days, replications=args.replications)
    k = len(study.factors)
    points = args.trajectories * (k + 1)
    runs = 2 * args.replications * points
    print(f"Morris: k={k} factors, r={args.trajectories} trajectories -> {points} points x "
          f"{args.replications} replications x 2 (paired no-delay) = {runs} model runs of "
          f"{args.days} measured days (+ warm-up), {args.workers} workers")
    start = time.perf_counter()
    result = sa.morris(study, trajectories=args.trajectories, workers=args.workers)
    seconds = time.perf_counter() - start
    print(f"wall time {seconds:.1f} s ({seconds / runs * 1000:.0f} ms per model run, pool start included)")
    top = result.indices[result.indices["outcome"] == "jobs_lost_mx"].nsmallest(3, "rank")
    print("top factors for jobs_lost_mx:", ", ".join(top["factor"]))


if __name__ == "__main__":
    main()
