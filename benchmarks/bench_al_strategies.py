"""Per-round selection time of every annal strategy at pool 25k x 384 (real MiniLM rows).

The pool is the real ``minilm.npy`` rows of the shared datasets (emotion, banking77, ...),
concatenated and tiled if needed; 1,000 rows are labelled and fitted with ``sgd``; each
strategy picks a batch of 500. Time is best of ``--repeats`` (the machine is shared and
noisy). Next to each geometry strategy the script times a single numpy matmul of the FLOPs it
must do (its "matmul bound") in the same run and prints the ratio.

    .venv/bin/python benchmarks/bench_al_strategies.py [--pool 25000] [--labelled 1000]
        [--batch 500] [--repeats 3] [--datasets ../shared/datasets] [--only coreset ...]

On an oversubscribed machine run it with ``OMP_NUM_THREADS=1``: FAISS's OpenMP k-means spins
and gets several times slower when its threads compete with other processes.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
from rich.console import Console
from rich.table import Table

from annal.al import PoolState, make_strategy
from annal.al.geometry import normalize_rows
from annal.al.models import LabelledModel, make_classifier
from annal.data import shared_datasets_root
from common import best_of

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATASETS = shared_datasets_root() or ROOT.parent / "shared" / "datasets"
SOURCES = ("emotion", "banking77", "tmdb_genre", "r8", "trec6")

CASES = [
    ("random", {}),
    ("least-confident", {}),
    ("margin", {}),
    ("entropy", {}),
    ("distance", {"aggregate": "mean"}),
    ("distance", {"aggregate": "min"}),
    ("distance", {"aggregate": "max"}),
    ("distance", {"aggregate": "min", "index": "faiss:lsh?nbits=16"}),
    ("coreset", {}),
    ("cluster", {}),
    ("cluster-margin", {}),
    ("combined", {}),
]


def real_pool(root: Path, size: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """``size`` real MiniLM rows (float32, unit) and a label per row (its dataset's class)."""
    parts, labels, offset = [], [], 0
    for name in SOURCES:
        folder = root / name
        if not (folder / "minilm.npy").is_file():
            continue
        X = np.load(folder / "minilm.npy").astype(np.float32)
        import pandas as pd

        _, y = np.unique(pd.read_csv(folder / "data.csv")["label"].to_numpy(), return_inverse=True)
        parts.append(X)
        labels.append(y[: len(X)] + offset)
        offset += int(y.max()) + 1
        if sum(len(p) for p in parts) >= size:
            break
    X, y = np.concatenate(parts), np.concatenate(labels)
    rng = np.random.default_rng(seed)
    reps = -(-size // len(X))
    rows = np.concatenate([rng.permutation(len(X)) for _ in range(reps)])[:size]
    return normalize_rows(X[rows]), y[rows].astype(np.int64)


def matmul_bound(n: int, m: int, d: int, repeats: int) -> float:
    """Seconds of one float32 (n x d) @ (d x m) matmul, blocked like the strategies."""
    rng = np.random.default_rng(0)
    A = rng.standard_normal((min(n, 8192), d), dtype=np.float32)
    B = rng.standard_normal((d, m), dtype=np.float32)
    blocks = n / len(A)
    return best_of(lambda: A @ B, repeats) * blocks


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pool", type=int, default=25_000)
    ap.add_argument("--labelled", type=int, default=1_000)
    ap.add_argument("--batch", type=int, default=500)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--datasets", type=Path, default=DEFAULT_DATASETS)
    ap.add_argument("--only", nargs="*", help="strategy names to run")
    args = ap.parse_args()

    X, y = real_pool(args.datasets, args.pool, seed=0)
    n, d = X.shape
    rng = np.random.default_rng(1)
    labelled = np.zeros(n, dtype=bool)
    labelled[rng.choice(n, args.labelled, replace=False)] = True
    n_classes = int(y.max()) + 1
    t0 = time.perf_counter()
    model = LabelledModel(make_classifier("sgd", seed=0), n_classes).fit(X[labelled], y[labelled])
    fit_s = time.perf_counter() - t0
    ids = np.arange(n, dtype=np.int64)
    n_unl, m, b = n - args.labelled, args.labelled, args.batch
    # FLOPs each geometry strategy must do, as the matmul of that size.
    bound = {
        "distance[min]": matmul_bound(n_unl, m, d, args.repeats),
        "distance[max]": matmul_bound(n_unl, m, d, args.repeats),
        "coreset": matmul_bound(n_unl, m + b, d, args.repeats),
    }
    console = Console()
    table = Table(
        title=f"selection per round: pool {n} x {d}, {m} labelled, batch {b}, "
        f"best of {args.repeats} (sgd fit {fit_s:.2f}s, {n_classes} classes)"
    )
    for col in ("strategy", "params", "seconds", "matmul bound s", "ratio"):
        table.add_column(col, justify="right" if col != "params" else "left")
    for name, params in CASES:
        if args.only and name not in args.only:
            continue
        strategy = make_strategy(name, **params)

        def once(strategy=strategy):
            state = PoolState(X, ids, labelled, model=model, n_classes=n_classes, unit=X)
            picked = strategy.select(state, b, seed=0)
            assert len(picked) == b

        seconds = best_of(once, args.repeats)
        key = name + (f"[{params['aggregate']}]" if "aggregate" in params else "")
        ref = bound.get(key) if "index" not in params else None
        table.add_row(
            name,
            ", ".join(f"{k}={v}" for k, v in params.items()),
            f"{seconds:.3f}",
            f"{ref:.3f}" if ref else "",
            f"{seconds / ref:.2f}x" if ref else "",
        )
    console.print(table)


if __name__ == "__main__":
    main()
