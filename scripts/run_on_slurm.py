"""Run a `calexico batch` or `calexico sensitivity` command on a SLURM cluster through dask-jobqueue.

Run it on the login node (or in a small SLURM job of its own), from the project's environment on
the cluster's shared file system; give the batch or study folder as an absolute path on a file
system every node can write to. It starts a Dask scheduler here whose workers are SLURM jobs
(one single-threaded model run per job), runs the command on them, and cancels the jobs at the
end. If the allocation ends or a job is cancelled, run the same command again with `--resume`:
runs that already have a result file are not run again, and the results do not depend on where
they ran (every seed comes from the spec). This is the recipe docs/batches.md describes, and
tests/test_slurm.py runs it on a one-node cluster (scripts/slurm-single-node).

    python scripts/run_on_slurm.py --queue standard --account myproject --jobs 64 -- sensitivity --out /scratch/s
    python scripts/run_on_slurm.py --jobs 8 -- batch study.toml --out /shared/scratch/study --resume
"""

import argparse
import sys
from pathlib import Path


def main(argv=None) -> int:
    """Start the SLURM cluster, run the calexico command on it, stop the cluster."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--queue", default=None, help="SLURM partition (default: the cluster's default)")
    parser.add_argument("--account", default=None, help="SLURM account to charge")
    parser.add_argument("--jobs", type=int, default=4, help="SLURM jobs, one Dask worker each")
    parser.add_argument("--memory", default="2GB", help="memory per job (a full-year run needs about 1 GB)")
    parser.add_argument("--walltime", default="02:00:00", help="time limit per job")
    parser.add_argument("--wait", type=float, default=600, help="seconds to wait for the first job to start")
    parser.add_argument("command", nargs=argparse.REMAINDER,
                        help="after --: a calexico command, e.g. -- batch spec.toml --out DIR")
    args = parser.parse_args(argv)
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command or command[0] not in ("batch", "sensitivity"):
        parser.error("give a calexico command after --: batch SPEC ... or sensitivity ...")
    if args.jobs < 1:
        parser.error("--jobs must be 1 or more")

    from dask.distributed import Client
    from dask_jobqueue import SLURMCluster

    from calexico import cli

    cluster = SLURMCluster(
        queue=args.queue, account=args.account,
        cores=1, processes=1, memory=args.memory,  # one model run per worker, single-threaded
        walltime=args.walltime, python=sys.executable,
        job_script_prologue=[f"cd {Path.cwd()}"],
        worker_extra_args=["--nthreads", "1"],
    )
    try:
        cluster.scale(jobs=args.jobs)
        with Client(cluster) as client:
            client.wait_for_workers(1, timeout=args.wait)
            return cli.main([*command, "--executor", "dask", "--scheduler", cluster.scheduler_address,
                             "--workers", str(args.jobs)])
    finally:
        cluster.close()


if __name__ == "__main__":
    sys.exit(main())
