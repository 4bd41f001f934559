"""Achieved GFLOP/s of exact search next to a plain numpy matmul of the same shape.

Exact (and FAISS flat) search of ``nq`` queries over an ``n x d`` base is one
``(nq, d) @ (d, n)`` product plus a top-k selection, ``2 * nq * n * d`` flops. This
script times, in one run and best of ``--repeats``: the bare ``numpy.matmul``, the
``exact`` backend and ``faiss:flat`` (cosine) at each k, and prints each one's GFLOP/s and
its time relative to the matmul (target: within 1.5x).

    python benchmarks/bench_exact_matmul.py [--n 25000] [--d 384] [--nq 1000] [--repeats 5]
"""

from __future__ import annotations

import argparse
import os

import numpy as np
from rich.console import Console
from rich.table import Table

from annal.index import make_index, normalize_rows
from common import best_of


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=25_000, help="base vectors")
    parser.add_argument("--d", type=int, default=384, help="dimension")
    parser.add_argument("--nq", type=int, default=1000, help="queries")
    parser.add_argument("--k", default="10,100", help="comma-separated k values")
    parser.add_argument("--repeats", type=int, default=5, help="timing repeats (best kept)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    rng = np.random.default_rng(args.seed)
    base = normalize_rows(rng.standard_normal((args.n, args.d), dtype=np.float32))
    queries = normalize_rows(rng.standard_normal((args.nq, args.d), dtype=np.float32))
    flops = 2.0 * args.nq * args.n * args.d

    rows: list[tuple[str, float]] = []
    base_t = base.T
    np.matmul(queries, base_t)  # warm-up
    rows.append(
        ("numpy matmul (nq,d)@(d,n)", best_of(lambda: np.matmul(queries, base_t), args.repeats))
    )
    for spec in ("exact?metric=cosine", "faiss:flat?metric=cosine"):
        index = make_index(spec).build(base)
        index.search(queries[:10], 1)  # warm-up (lazy imports, thread pools)
        for k in (int(v) for v in args.k.split(",")):
            seconds = best_of(lambda index=index, k=k: index.search(queries, k), args.repeats)
            rows.append((f"{spec} search k={k}", seconds))

    matmul_s = rows[0][1]
    table = Table(
        title=f"exact search vs matmul: base {args.n} x {args.d}, {args.nq} queries, "
        f"best of {args.repeats}, {os.cpu_count()} cores, numpy {np.__version__}"
    )
    for column in ("what", "seconds", "GFLOP/s", "x matmul"):
        table.add_column(column, justify="left" if column == "what" else "right")
    for name, seconds in rows:
        table.add_row(
            name, f"{seconds:.4f}", f"{flops / seconds / 1e9:.1f}", f"{seconds / matmul_s:.2f}"
        )
    Console(width=120).print(table)


if __name__ == "__main__":
    main()
