"""Scale: annal's selection time as the pool grows 10k -> 25k -> 100k -> 400k, and its slope.

Every annal strategy of :data:`selection.ANNAL_STRATEGIES` picks a batch of 500 with 1,000
labelled rows from pools of each size (real MiniLM rows, tiled with jitter beyond 65,704; see
:func:`selection.make_pool`), best of 3. The slope is the least-squares fit of
``log(seconds)`` on ``log(pool size)``: 1 means linear, below 1 sub-linear.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

BENCH_DIR = Path(__file__).resolve().parent
if str(BENCH_DIR) not in sys.path:
    sys.path.insert(0, str(BENCH_DIR))

from selection import (  # noqa: E402
    RESULTS_DIR,
    Row,
    append_rows,
    make_pool,
    run_selection,
    shared_datasets_root,
)

SCALE_CSV = RESULTS_DIR / "scale.csv"
SIZES = (10_000, 25_000, 100_000, 400_000)


def loglog_slope(sizes, seconds) -> float:
    """Slope of the least-squares line through ``(log size, log seconds)``."""
    x, y = np.log(np.asarray(sizes, float)), np.log(np.asarray(seconds, float))
    return float(np.polyfit(x, y, 1)[0])


def slopes(rows: list[Row]) -> dict[tuple[str, str], float]:
    """Slope per (strategy, variant) over the annal rows of ``rows``."""
    groups: dict[tuple[str, str], list[Row]] = {}
    for r in rows:
        if r.implementation == "annal" and np.isfinite(r.seconds):
            groups.setdefault((r.strategy, r.variant), []).append(r)
    return {
        key: loglog_slope([r.pool_size for r in g], [r.seconds for r in g])
        for key, g in groups.items()
        if len({r.pool_size for r in g}) >= 2
    }


def run_scale(
    sizes=SIZES,
    *,
    n_labelled: int = 1000,
    batch: int = 500,
    seed: int = 0,
    run_id: str = "",
    progress=None,
) -> tuple[list[Row], dict[int, str]]:
    """Annal rows for every pool size, and the pool description per size."""
    root = shared_datasets_root()
    rows, sources = [], {}
    for n in sizes:
        pool = make_pool(n, seed=seed, root=root)
        sources[n] = pool.source
        rows += run_selection(
            pool,
            [n_labelled],
            batch=batch,
            seed=seed,
            run_id=run_id,
            peers=(),
            bounds=False,
            progress=progress,
        )
        del pool
    return rows, sources


def main(argv: list[str] | None = None) -> int:
    """Print the scale table and slopes."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=list(SIZES))
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--csv", action="store_true", help=f"append to {SCALE_CSV}")
    args = parser.parse_args(argv)
    run_id = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    rows, _ = run_scale(
        args.sizes, seed=args.seed, run_id=run_id, progress=lambda m: print("  ..", m, flush=True)
    )
    for r in rows:
        print(f"{r.strategy:9} {r.variant:5} n={r.pool_size:<7} {r.seconds:9.4f} s")
    for (name, variant), slope in slopes(rows).items():
        print(f"slope {name} {variant}: {slope:.2f}")
    if args.csv:
        append_rows(rows, SCALE_CSV)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
