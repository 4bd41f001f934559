"""What every benchmark script shares: best-of-N timing and appending rows to a CSV file."""

from __future__ import annotations

import csv
import io
import math
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
