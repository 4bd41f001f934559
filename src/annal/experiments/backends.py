"""Execution backends: where grid cells run. The driver alone talks to the store.

Both backends run :func:`annal.experiments.worker.execute_cell` and give the driver the same
four operations: ship a dataset's arrays once (:meth:`put_data`), :meth:`submit` a cell,
collect the workers' messages (:meth:`messages`), and tell whether a submitted cell has ended
and with what error (:meth:`outcome`).

``local``  loky worker processes (joblib's executor) and a multiprocessing manager queue;
           datasets travel as memory-mapped ``.npy`` files in a private temporary folder.
``ray``    Ray tasks (``num_cpus=1`` each) on the cluster at ``address``, or on a local Ray
           started for the run; datasets travel through the object store, messages through
           a ``ray.util.queue.Queue``.
"""

from __future__ import annotations

import multiprocessing
import os
import queue as queue_mod
import shutil
import signal
import tempfile
import threading
import time
from multiprocessing.managers import SyncManager
from pathlib import Path
from typing import Any

import numpy as np

from annal.errors import AnnalError
from annal.experiments.worker import CellTask, execute_cell, write_arrays
from annal.ray_connect import EXECUTION_BACKENDS

_THREAD_ENV = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMEXPR_NUM_THREADS")


def available_cores() -> int:
    """Cores this process may run on (its CPU affinity where the OS tells, else all)."""
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return os.cpu_count() or 1


def threads_per_worker(jobs: int, cpus: int | None = None) -> int:
    """BLAS/OpenMP threads per worker so ``jobs`` workers do not oversubscribe the cores."""
    cpus = cpus or available_cores()
    return max(1, cpus // max(1, jobs))


def _exit_with_parent(parent: int) -> None:
    """In a helper process (the queue's server, a worker): exit as soon as the driver is gone
    (e.g. ``kill -9``), so nothing it started lingers as an orphan.

    Ctrl-C reaches the whole process group; only the driver answers it (it stops the workers
    itself), so a helper ignores SIGINT instead of dying with a traceback of its own.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(0)

    threading.Thread(target=watch, daemon=True).start()


class LocalBackend:
    """Cells in ``jobs`` loky processes on this machine.

    Parameters
    ----------
    jobs : int
        Worker processes.
    """

    name = "local"

    def __init__(self, jobs: int = 2) -> None:
        self.jobs = jobs
        self._tmp: Path | None = None
        self._manager = None
        self._queue = None
        self._executor = None

    @property
    def threads(self) -> int:
        """Threads each worker may use."""
        return threads_per_worker(self.jobs)

    def start(self) -> None:
        """Start the manager queue and the worker pool."""
        from joblib.externals.loky import get_reusable_executor

        self._tmp = Path(tempfile.mkdtemp(prefix="annal-run-"))
        # fork: the manager only serves a queue; spawn would re-import the caller's __main__.
        self._manager = SyncManager(ctx=multiprocessing.get_context("fork"))
        self._manager.start(initializer=_exit_with_parent, initargs=(os.getpid(),))
        self._queue = self._manager.Queue()
        env = dict.fromkeys(_THREAD_ENV, str(self.threads))
        # Reused across runs of one process (warm workers skip the heavy imports); idle
        # workers exit after `timeout` seconds, and every worker (even one mid-cell, which
        # loky alone would leave running) as soon as the driver dies.
        self._executor = get_reusable_executor(
            max_workers=self.jobs,
            env=env,
            timeout=120,
            initializer=_exit_with_parent,
            initargs=(os.getpid(),),
        )

    def put_data(self, name: str, arrays: dict[str, np.ndarray]) -> str:
        """Write a dataset's arrays once; the workers memory-map them by path."""
        assert self._tmp is not None, "start() first"
        return write_arrays(self._tmp / str(len(list(self._tmp.iterdir()))), arrays)

    def submit(self, task: CellTask, data: str) -> Any:
        """Queue one cell; returns its future."""
        return self._executor.submit(execute_cell, task, data, self._queue)

    def messages(self, timeout: float) -> list[tuple]:
        """Worker messages, waiting up to ``timeout`` seconds for the first."""
        out = []
        try:
            out.append(self._queue.get(timeout=timeout))
            while True:
                out.append(self._queue.get_nowait())
        except queue_mod.Empty:
            pass
        return out

    @staticmethod
    def outcome(future: Any) -> tuple[bool, str | None]:
        """``(ended, error)``: whether the cell's process call ended, and how it failed."""
        if not future.done():
            return False, None
        exc = future.exception()
        return True, None if exc is None else f"{type(exc).__name__}: {exc}"

    def shutdown(self, *, kill_workers: bool = False) -> None:
        """Stop the queue and remove the temporary arrays; the idle workers stay for reuse
        unless ``kill_workers`` (they exit by themselves after two idle minutes)."""
        if self._executor is not None:
            if kill_workers:
                self._executor.shutdown(wait=True, kill_workers=True)
            self._executor = None
        if self._manager is not None:
            self._manager.shutdown()
            self._manager = None
        if self._tmp is not None:
            shutil.rmtree(self._tmp, ignore_errors=True)
            self._tmp = None


class RayBackend:
    """Cells as Ray tasks.

    Parameters
    ----------
    jobs : int
        CPUs of the local Ray instance started when ``address`` is None.
    address : str or None
        An existing cluster (``ray://host:10001``, ``host:6379`` or ``auto``).
    """

    name = "ray"

    def __init__(self, jobs: int = 2, address: str | None = None) -> None:
        self.jobs = jobs
        self.address = address
        self._started_ray = False
        self._queue = None
        self._remote = None

    threads = 1  # one Ray CPU per task

    def start(self) -> None:
        """Connect to (or start) Ray and create the message queue."""
        from annal.ray_connect import connect_ray

        if connect_ray(self.address, self.jobs):
            self._started_ray = True
        import ray
        from ray.util.queue import Queue

        self._queue = Queue()
        self._remote = ray.remote(num_cpus=1, max_retries=0)(execute_cell)

    def put_data(self, name: str, arrays: dict[str, np.ndarray]) -> Any:
        """Put a dataset's arrays in the object store once."""
        import ray

        return ray.put(arrays)

    def submit(self, task: CellTask, data: Any) -> Any:
        """Launch one cell; returns its object ref."""
        return self._remote.remote(task, data, self._queue)

    def messages(self, timeout: float) -> list[tuple]:
        """Worker messages, waiting up to ``timeout`` seconds for the first."""
        from ray.util.queue import Empty

        try:
            out = [self._queue.get(block=True, timeout=timeout)]
        except Empty:
            return []
        n = self._queue.qsize()
        if n:
            out.extend(self._queue.get_nowait_batch(n))
        return out

    @staticmethod
    def outcome(ref: Any) -> tuple[bool, str | None]:
        """``(ended, error)`` of one task."""
        import ray

        ready, _ = ray.wait([ref], timeout=0)
        if not ready:
            return False, None
        try:
            ray.get(ref)
        except Exception as exc:  # noqa: BLE001 - reported as the cell's failure
            return True, f"{type(exc).__name__}: {exc}"
        return True, None

    def shutdown(self, *, kill_workers: bool = False) -> None:
        """Drop the queue; stop Ray if this backend started it (its tasks with it)."""
        import ray

        if self._queue is not None:
            self._queue.shutdown()
            self._queue = None
        if self._started_ray:
            ray.shutdown()
            self._started_ray = False


def make_backend(name: str, *, jobs: int = 2, address: str | None = None):
    """A backend by name (``local`` or ``ray``).

    ``jobs`` beyond the cores available is capped to them (the backend's ``jobs`` says how
    many it uses), except for a Ray cluster at ``address``, whose size is its own.

    Raises
    ------
    AnnalError
        Unknown name, ``jobs < 1``, or an address given for the local backend.
    """
    if jobs < 1:
        raise AnnalError(f"--jobs must be >= 1, got {jobs}")
    if not (name == "ray" and address):
        # More workers than cores only adds start-up and switching: a 2-cell grid took 108 s
        # with 64 workers on 2 cores instead of 5 s. The numbers do not depend on it.
        jobs = min(jobs, available_cores())
    if name == "local":
        if address:
            raise AnnalError("--address is only for --backend ray")
        return LocalBackend(jobs)
    if name == "ray":
        return RayBackend(jobs, address)
    raise AnnalError(f"--backend {name!r}: choose one of {', '.join(EXECUTION_BACKENDS)}")
