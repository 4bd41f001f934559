"""Thread counts: how many this process may use, and limits for a block of work."""

from __future__ import annotations

import contextlib
import functools
import os
from collections.abc import Callable, Iterator
from typing import ParamSpec, TypeVar

P = ParamSpec("P")
R = TypeVar("R")


def cpu_count() -> int:
    """CPUs this process may run on (its affinity where the OS reports one)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0)) or 1
    return os.cpu_count() or 1


def thread_budget() -> int:
    """Threads this process may use: its CPUs, capped by the current BLAS thread limit.

    The experiment runner limits each worker's BLAS threads (``threadpool_limits`` and the
    ``*_NUM_THREADS`` variables), so a classifier that threads its one-vs-rest fits with this
    many workers never oversubscribes the cores when several workers run side by side.
    """
    from threadpoolctl import threadpool_info

    limits = [int(i["num_threads"]) for i in threadpool_info() if i.get("user_api") == "blas"]
    return max(1, min([cpu_count(), *limits]))


@contextlib.contextmanager
def limit_threads(n: int | None, *, faiss: bool = False, torch: bool = False) -> Iterator[None]:
    """Run the block with at most ``n`` threads in the native thread pools, then restore them.

    BLAS and OpenMP pools are limited through threadpoolctl; ``faiss=True`` also sets FAISS's
    OpenMP count, ``torch=True`` torch's intra-op threads (each library imported here). ``None``
    leaves everything as it is.
    """
    if n is None:
        yield
        return
    from threadpoolctl import threadpool_limits

    restore = []
    if faiss:
        import faiss as faiss_module

        restore.append((faiss_module.omp_set_num_threads, faiss_module.omp_get_max_threads()))
        faiss_module.omp_set_num_threads(n)
    if torch:
        import torch as torch_module

        restore.append((torch_module.set_num_threads, torch_module.get_num_threads()))
        torch_module.set_num_threads(n)
    try:
        with threadpool_limits(limits=n):
            yield
    finally:
        for setter, before in restore:
            setter(before)


_CONTROLLER = None


def limit_blas(n: int):
    """Limit the BLAS pools to ``n`` threads until ``.restore_original_limits()`` is called.

    Like ``threadpool_limits(n, user_api="blas")`` without its cost per call: that scans the
    process's loaded libraries every time (tens of milliseconds on a busy machine), this scans
    once, on first use, and then only sets the limits (numpy's and scipy's BLAS are loaded by
    then, since both are imported before any caller runs).
    """
    global _CONTROLLER
    if _CONTROLLER is None:
        from threadpoolctl import ThreadpoolController

        _CONTROLLER = ThreadpoolController()
    return _CONTROLLER.limit(limits=n, user_api="blas")


def on_one_blas_thread(fn: Callable[P, R]) -> Callable[P, R]:
    """Run ``fn`` with the BLAS pools limited to one thread, then restore them.

    What an active-learning run computes must not depend on the machine's core count: a
    multi-threaded BLAS sums a product in another order than a single-threaded one (OpenBLAS is
    not bitwise equal from about 2,000 x 64 x 10 up), which moves the probabilities a strategy
    ranks by an ulp and flips its near-ties, so ``--jobs 1`` on two cores (two threads per
    worker) and ``--jobs 2`` or Ray (one each) used to select different rows from one seed.
    Runs use the cores through ``--jobs``; on this 2-core machine two BLAS threads made the
    paper-protocol run 2x slower, not faster (BENCHMARKS.md, end to end).
    """

    @functools.wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        with limit_blas(1):
            return fn(*args, **kwargs)

    return wrapper
