"""Where runs execute: a local process pool that is safe with threads and notebooks, or a Dask cluster.

Why a module of its own: single runs (`calexico.running.runs`, a scenario's replications on two
cores) and batches (`calexico.running.batch`) both start pools, and both must end their workers
with the coordinator and keep Ctrl-C quiet in the same way.
"""

import concurrent.futures as cf
import contextlib
import logging
import multiprocessing as mp
import os
import signal
import sys
import threading
import time
from pathlib import Path

FORKSERVER_PRELOAD = ["model", "calexico.running.runs", "calexico.running.batch"]


def local_executor(workers: int) -> cf.Executor:
    """A process pool that is safe with threads and notebooks: 'forkserver' where the platform
    has it, else 'spawn' (never 'fork', which copies a parent's threads and locks).
    """
    if mp.parent_process() is not None and mp.current_process().name != "MainProcess":
        raise RuntimeError("calexico.running.batch.run_batch was called inside a worker process; on 'spawn' "
                           "platforms guard a script's batch call with `if __name__ == '__main__':`")
    method = "forkserver" if "forkserver" in mp.get_all_start_methods() else "spawn"
    context = mp.get_context(method)
    if method == "forkserver":
        # Workers fork from a server that has already imported the model and its libraries,
        # so a pool starts in milliseconds instead of a second or two per worker.
        context.set_forkserver_preload(FORKSERVER_PRELOAD)
        _start_forkserver_deaf_to_ctrl_c()
    return cf.ProcessPoolExecutor(max_workers=workers, mp_context=context, initializer=_worker_start,
                                  initargs=(os.getpid(),))


def _start_forkserver_deaf_to_ctrl_c():
    """Start the forkserver with Ctrl-C held back (`ctrl_c_held`): it starts with SIGINT blocked,
    and so does every process it forks.

    Why: Ctrl-C reaches the whole process group; a forkserver still importing its preload would
    print a KeyboardInterrupt traceback of its own, and so would a Dask worker forked from it.
    The coordinator reports the Ctrl-C; a pool worker unblocks SIGINT to end at once (`_worker_start`).
    """
    from multiprocessing import forkserver, resource_tracker

    with ctrl_c_held():
        resource_tracker.ensure_running()  # starting, it unblocks SIGINT in this thread: block it again
        if hasattr(signal, "pthread_sigmask"):
            signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
        forkserver.ensure_running()


@contextlib.contextmanager
def ctrl_c_held():
    """Hold Ctrl-C back while something that must not be cut half-way starts (a forkserver, a Dask
    cluster), then pass it on: a Ctrl-C pressed meanwhile is raised as KeyboardInterrupt at the end.

    SIGINT is also blocked in this thread meanwhile, and processes started meanwhile inherit the
    block (through fork and exec), so a terminal's Ctrl-C, sent to the whole process group, never
    reaches them: only this process reports it. Not held outside the main thread (signal
    handlers can only be set there).
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    held = []
    previous = signal.signal(signal.SIGINT, lambda *args: held.append(args))
    mask = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT}) if hasattr(signal, "pthread_sigmask") else None
    try:
        yield
    finally:
        if mask is not None:
            signal.pthread_sigmask(signal.SIG_SETMASK, mask)  # a Ctrl-C waiting for this thread is held now
        signal.signal(signal.SIGINT, previous)
    if held and callable(previous):
        previous(*held[0])


def _worker_start(coordinator_pid: int):
    """Make a pool worker end with its coordinator.

    Why: killed alone (`kill -9` of the batch process, not its group), the coordinator leaves
    workers that would hold memory and might write a run file into a folder a resumed batch
    now owns. So a worker asks the kernel to end it when its parent (the forkserver) ends
    (Linux PR_SET_PDEATHSIG) and, on every platform, a watcher thread ends it within half a
    second of the coordinator's death, before it can write anything more. Ctrl-C (sent to the
    whole process group) ends a worker quietly; the coordinator reports it.
    """
    signal.signal(signal.SIGINT, lambda *_: os._exit(130))
    if hasattr(signal, "pthread_sigmask"):
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})  # blocked in the forkserver
    if sys.platform == "linux":
        try:
            import ctypes

            pr_set_pdeathsig = 1
            ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGKILL)
        except (OSError, AttributeError):
            pass  # the watcher below still ends the worker
    threading.Thread(target=_watch_coordinator, args=(coordinator_pid,), daemon=True,
                     name="calexico-coordinator-watch").start()


def _watch_coordinator(pid: int, every_s: float = 0.5):
    while _alive(pid):
        time.sleep(every_s)
    os._exit(1)  # no cleanup, no late write: the coordinator is gone


def _alive(pid: int) -> bool:
    """Whether a process exists and is not a zombie (a killed parent not yet reaped is dead)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return True


def dask_executor(workers: int, scheduler: str | None = None):
    """A concurrent.futures executor on a dask.distributed cluster (a local one without an address).

    Returns the executor and a function that closes the client (and the local cluster).
    """
    import dask
    from dask.distributed import Client, LocalCluster

    client = cluster = None

    def close():
        if client is not None:
            client.close()
        if cluster is not None:
            cluster.close()

    try:
        with ctrl_c_held():  # interrupted half-way, a cluster fails in Dask's exit hook with a traceback
            if scheduler:
                client = Client(scheduler)
            else:
                if "forkserver" in mp.get_all_start_methods():
                    # The workers fork from the local pool's forkserver, with the model imported and
                    # SIGINT blocked (Dask's default, spawn, starts fresh interpreters that a
                    # terminal's Ctrl-C interrupts with tracebacks of their own).
                    mp.get_context("forkserver").set_forkserver_preload(FORKSERVER_PRELOAD)
                    _start_forkserver_deaf_to_ctrl_c()
                    dask.config.set({"distributed.worker.multiprocessing-method": "forkserver"})
                # Its HTTP server (Dask opens one even without the dashboard) on this machine only,
                # on a free port: the default, every interface on 8787, warns when another cluster has
                # it. Errors only in the log: a Ctrl-C's cancelled runs are not worth a warning each.
                cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                                       dashboard_address="127.0.0.1:0", silence_logs=logging.ERROR)
                client = Client(cluster)
    except KeyboardInterrupt:  # pressed while the cluster started: it is up now, so it closes cleanly
        close()
        raise
    return client.get_executor(pure=False), close


def slurm_executor(jobs: int, queue: str | None = None, account: str | None = None, memory: str = "2GB",
                   walltime: str = "02:00:00", wait_s: float = 600):
    """A concurrent.futures executor whose workers are SLURM jobs (dask-jobqueue), one model run each.

    Run it on the login node, from the project's environment on the cluster's shared file system,
    with the output folder on a file system every node can write to (scripts/run_on_slurm.py
    does the same for `batch` and `sensitivity`). Returns the executor and a function that
    closes the client and cancels the jobs.
    """
    from dask.distributed import Client
    from dask_jobqueue import SLURMCluster

    cluster = SLURMCluster(queue=queue, account=account, cores=1, processes=1, memory=memory, walltime=walltime,
                           python=sys.executable, job_script_prologue=[f"cd {Path.cwd()}"],
                           worker_extra_args=["--nthreads", "1"])
    cluster.scale(jobs=jobs)
    client = Client(cluster)
    client.wait_for_workers(1, timeout=wait_s)

    def close():
        client.close()
        cluster.close()

    return client.get_executor(pure=False), close
