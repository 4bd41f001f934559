"""The ANN benchmark: build every index on the same base, time it, measure recall@k.

Queries are real held-out rows (a seeded random choice); the remaining rows are the
base every index is built on. For each index: build seconds (one build), memory bytes,
and for each k the best-of-``repeats`` wall time of one batched ``search(queries, k)``,
queries per second, and recall@k against the exact cosine top-k of that same k
(see :mod:`annal.bench.recall`).
"""

from __future__ import annotations

import os
import platform
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from annal.bench.recall import TIE_EPS, recall_at_k, true_kth_distances
from annal.errors import AnnalError
from annal.index import IndexSpec, make_index, normalize_rows, parse_spec

#: 12 k values from 1 to 100, as in the paper.
DEFAULT_KS = (1, 2, 5, 10, 15, 20, 25, 30, 40, 50, 75, 100)


def paper_preset() -> list[str]:
    """The paper's index set (§2.2): FAISS flat L2/IP/cosine (cosine at 1 thread, all
    threads, and on GPU when faiss sees one), LSH, HNSW, IVF L2 and cosine, Annoy
    euclidean/dot/angular at 10 and 100 trees. Library defaults elsewhere."""
    from annal.index.faiss_backends import gpu_count

    specs = [
        "faiss:flat?metric=l2",
        "faiss:flat?metric=ip",
        "faiss:flat?metric=cosine&threads=1",
        "faiss:flat?metric=cosine&threads=0",
    ]
    if gpu_count() > 0:
        specs.append("faiss:flat?metric=cosine&device=gpu")
    specs += [
        "faiss:lsh?nbits=16",
        "faiss:hnsw?M=32&metric=cosine",
        "faiss:ivf?nlist=100&metric=l2",
        "faiss:ivf?nlist=100&metric=cosine",
    ]
    for trees in (10, 100):
        specs += [f"annoy?trees={trees}&metric={m}" for m in ("euclidean", "dot", "angular")]
    return specs


PRESETS = {"paper": paper_preset}


def parse_ints(text: str, what: str) -> list[int]:
    """``"1,2,5"`` -> ``[1, 2, 5]`` (positive integers), else :class:`AnnalError`."""
    try:
        values = [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise AnnalError(f"{what} must be comma-separated integers, got {text!r}") from None
    if not values or min(values) < 0:
        raise AnnalError(f"{what} must be non-negative integers, got {text!r}")
    return values


def expand_threads(
    specs: Sequence[str | IndexSpec], threads: Sequence[int] | None
) -> list[IndexSpec]:
    """One spec per (spec, thread count); specs that set ``threads`` themselves stay as given."""
    out: list[IndexSpec] = []
    for spec in map(parse_spec, specs):
        if not threads or spec.has("threads") or "threads" not in spec.values():
            out.append(spec)
        else:
            out.extend(spec.with_params(threads=t) for t in threads)
    return list(dict.fromkeys(out))


def split_queries(n: int, n_queries: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Seeded choice of ``n_queries`` held-out query rows; returns (base_pos, query_pos)."""
    if n_queries < 1 or n_queries >= n:
        raise AnnalError(
            f"--queries must be between 1 and {n - 1} for {n} vectors, got {n_queries}"
        )
    perm = np.random.default_rng(seed).permutation(n)
    return np.sort(perm[n_queries:]), np.sort(perm[:n_queries])


def machine_facts() -> dict[str, Any]:
    """CPU count, platform, library versions and numpy's BLAS, for results.json."""
    from importlib import metadata

    from annal.index.faiss_backends import gpu_count, import_faiss

    facts: dict[str, Any] = {
        "cpu_count": os.cpu_count(),
        "platform": platform.platform(),
        "processor": platform.processor() or platform.machine(),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "faiss": import_faiss().__version__,
        "faiss_gpus": gpu_count(),
    }
    for package in ("annoy", "hnswlib", "torch"):
        try:
            facts[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            facts[package] = None
    try:
        blas = np.show_config(mode="dicts")["Build Dependencies"]["blas"]
        facts["numpy_blas"] = {
            k: blas.get(k) for k in ("name", "version", "openblas configuration")
        }
    except Exception:  # noqa: BLE001 - informative only; older numpy has no dict mode
        facts["numpy_blas"] = None
    return facts


@dataclass
class BenchResult:
    """Everything one benchmark run measured.

    Attributes
    ----------
    rows : list of dict
        One per (index, k): ``index`` (spec string), ``backend``, ``metric``, ``threads``,
        ``k``, ``recall``, ``build_s``, ``query_s``, ``qps``, ``memory_bytes``.
    settings : dict
        Dataset name, sizes, ks, repeats, seed, tie tolerance.
    machine : dict
        :func:`machine_facts`.
    """

    rows: list[dict[str, Any]] = field(default_factory=list)
    settings: dict[str, Any] = field(default_factory=dict)
    machine: dict[str, Any] = field(default_factory=dict)

    def to_frame(self) -> Any:
        """The rows as a pandas DataFrame."""
        import pandas as pd

        return pd.DataFrame(self.rows)

    def recall(self, spec: str, k: int) -> float:
        """Recall@k of one index (by spec string)."""
        for row in self.rows:
            if row["index"] == spec and row["k"] == k:
                return float(row["recall"])
        raise KeyError((spec, k))


def run_ann_bench(
    vectors: np.ndarray,
    specs: Sequence[str | IndexSpec],
    *,
    ks: Sequence[int] = DEFAULT_KS,
    n_queries: int = 1000,
    repeats: int = 3,
    threads: Sequence[int] | None = None,
    seed: int = 0,
    name: str = "vectors",
    progress: bool = True,
    tie_eps: float = TIE_EPS,
) -> BenchResult:
    """Benchmark ``specs`` on ``vectors``: held-out queries, timings, recall@k.

    Parameters
    ----------
    vectors : ndarray of float, shape (n, d)
        The whole dataset's embeddings; ``n_queries`` rows become queries.
    specs : sequence of str or IndexSpec
        Index configurations (see :mod:`annal.index.spec`).
    ks : sequence of int
        Values of k; each must be at most the base size.
    n_queries, repeats, seed : int
        Held-out query count, timing repeats (best is kept), split seed.
    threads : sequence of int, optional
        Run each spec that sets no ``threads`` once per count (0 = all cores).
    name : str
        Dataset name recorded in the settings.
    progress : bool
        Show a rich progress bar across indexes.

    Returns
    -------
    BenchResult
    """
    x = np.asarray(vectors, dtype=np.float32)
    if x.ndim != 2 or not np.isfinite(x).all():
        raise AnnalError(f"ann-bench: {name} must be a finite 2-D array of vectors")
    if repeats < 1:
        raise AnnalError(f"--repeats must be at least 1, got {repeats}")
    base_pos, query_pos = split_queries(len(x), n_queries, seed)
    base, queries = x[base_pos], x[query_pos]
    ks = sorted(set(int(k) for k in ks))
    if not ks or ks[0] < 1 or ks[-1] > len(base):
        raise AnnalError(f"--k values must be between 1 and the base size {len(base)}, got {ks}")
    specs = expand_threads(specs, threads)
    kth = true_kth_distances(base, queries, ks)
    base_unit, queries_unit = normalize_rows(base), normalize_rows(queries)

    result = BenchResult(
        settings={
            "dataset": name,
            "n_vectors": len(x),
            "n_base": len(base),
            "n_queries": len(queries),
            "dim": int(x.shape[1]),
            "ks": ks,
            "repeats": repeats,
            "seed": seed,
            "tie_eps": tie_eps,
            "indexes": [str(s) for s in specs],
        },
        machine=machine_facts(),
    )
    from annal.progress import StepProgress

    with StepProgress(len(specs), units=len(specs) * (1 + len(ks)), enabled=progress) as bar:
        for spec in specs:
            bar.describe(f"build {spec}")
            index = make_index(spec)
            start = time.perf_counter()
            index.build(base)  # ids = base positions
            build_s = time.perf_counter() - start
            memory = index.memory_bytes
            bar.advance(1)
            for k in ks:
                bar.describe(f"{spec} k={k}")
                best = np.inf
                for _ in range(repeats):
                    start = time.perf_counter()
                    _, found = index.search(queries, k)
                    best = min(best, time.perf_counter() - start)
                result.rows.append(
                    {
                        "index": str(spec),
                        "backend": spec.backend,
                        "metric": index.metric,
                        "threads": index.n_threads or os.cpu_count(),
                        "k": k,
                        "recall": recall_at_k(found, base_unit, queries_unit, kth[k], k, tie_eps),
                        "build_s": build_s,
                        "query_s": best,
                        "qps": len(queries) / best,
                        "memory_bytes": memory,
                        "n_base": len(base),
                        "n_queries": len(queries),
                    }
                )
                bar.advance(1)
            bar.step_done(
                f"{spec}: built in {build_s:.2f} s, queried at k={','.join(map(str, ks))}"
            )
            del index
    return result
