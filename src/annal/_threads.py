"""Thread counts: how many this process may use, and limits for a block of work."""

from __future__ import annotations

import os


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
