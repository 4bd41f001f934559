"""What every benchmark script shares: best-of-N timing, the CPU time of a process tree, and
appending rows to a CSV file."""

from __future__ import annotations

import csv
import io
import math
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path

from annal._io import atomic_write_text


def best_of(
    fn: Callable[[], object], repeats: int = 3, clock: Callable[[], float] = time.perf_counter
) -> float:
    """Smallest time of ``repeats`` calls of ``fn`` (seconds) on ``clock`` (wall time by default;
    ``time.process_time`` gives this process's CPU time)."""
    best = math.inf
    for _ in range(repeats):
        t0 = clock()
        fn()
        best = min(best, clock() - t0)
    return best


def append_csv(path: Path, fieldnames: Sequence[str], rows: Iterable[Mapping]) -> None:
    """Append ``rows`` to the CSV at ``path`` (header written when the file is new), atomically."""
    old = path.read_text() if path.exists() else ""
    buf = io.StringIO()
    buf.write(old)
    writer = csv.DictWriter(buf, fieldnames=list(fieldnames))
    if not old:
        writer.writeheader()
    for row in rows:
        writer.writerow(row)
    atomic_write_text(path, buf.getvalue())


def append_records(path: Path, rows: Sequence[Mapping]) -> None:
    """Append ``rows`` (dicts) to the CSV at ``path`` by column name, atomically.

    The file's header is kept and each value goes under its own name, whatever the order of a
    row's keys; a key the header lacks becomes a new last column (older rows get it empty).
    """
    if not rows:
        return
    header: list[str] = []
    old: list[dict] = []
    if path.exists() and path.stat().st_size:
        with path.open(newline="") as fh:
            reader = csv.DictReader(fh)
            header = list(reader.fieldnames or [])
            old = list(reader)
    for row in rows:
        header += [k for k in row if k not in header]
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=header)
    writer.writeheader()
    writer.writerows(old)
    writer.writerows(rows)
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_text(path, buf.getvalue())


class TreeCPU:
    """CPU seconds (user + system) of this process and every descendant while the block runs.

    Worker processes (the experiment runner's loky pool, a CLI's children) are re-parented or
    reused, so ``getrusage(RUSAGE_CHILDREN)`` misses them; this polls the process tree with
    psutil every ``interval`` seconds and keeps each process's last reading (a process that
    ends between two polls loses at most one interval). ``seconds`` holds the total after
    the block.
    """

    def __init__(self, interval: float = 0.5) -> None:
        self.interval = interval
        self.seconds = 0.0
        self._start: dict[int, float] = {}
        self._last: dict[int, float] = {}
        self._stop = threading.Event()

    def _read(self) -> dict[int, float]:
        import psutil

        me = psutil.Process()
        out = {}
        for proc in [me, *me.children(recursive=True)]:
            try:
                t = proc.cpu_times()
                out[proc.pid] = t.user + t.system
            except psutil.Error:
                pass
        return out

    def _poll(self) -> None:
        while not self._stop.wait(self.interval):
            self._last.update(self._read())

    def __enter__(self) -> TreeCPU:
        self._start = self._read()
        self._last = dict(self._start)
        self._thread = threading.Thread(target=self._poll, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
        self._last.update(self._read())
        self.seconds = sum(v - self._start.get(pid, 0.0) for pid, v in self._last.items())
