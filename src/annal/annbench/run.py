"""The ANN benchmark: build every index on the same base, time it, measure recall@k.

Queries are real held-out rows (a seeded random choice); the remaining rows are the
base every index is built on. As in ann-benchmarks, an index spec's BUILD parameters and its
QUERY parameters (:attr:`~annal.index.base.VectorIndex.query_params`: ``efSearch``,
``nprobe``, ``ef``, ``search_k``) are kept apart: each distinct build is built once (build
seconds, memory bytes), then every query setting asked for (written in the specs, or swept
with ``query_params``) is applied to that built index with
:meth:`~annal.index.base.VectorIndex.set_query_params` and measured: for each k, the
best-of-``repeats`` wall time of one batched ``search(queries, k)``, queries per second, and
recall@k against the exact cosine top-k of that same k (see :mod:`annal.annbench.recall`).
"""

from __future__ import annotations

import itertools
import os
import platform
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from annal._env import numpy_blas, package_versions
from annal.annbench.recall import TIE_EPS, recall_at_k, true_kth_distances
from annal.errors import AnnalError
from annal.index import IndexSpec, make_index, normalize_rows, parse_spec
from annal.index.backends import INDEX_BACKENDS
from annal.spec import format_spec

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
    from annal.index.faiss_backends import gpu_count, import_faiss

    return {
        "cpu_count": os.cpu_count(),
        "platform": platform.platform(),
        "processor": platform.processor() or platform.machine(),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "faiss": import_faiss().__version__,
        "faiss_gpus": gpu_count(),
        **package_versions("annoy", "hnswlib", "torch"),
        "numpy_blas": numpy_blas(),
    }


def query_param_names(backend: str) -> tuple[str, ...]:
    """The query parameters of ``backend`` (changed on a built index, never rebuilt for)."""
    return INDEX_BACKENDS[backend].query_params


def build_spec(spec: str | IndexSpec) -> str:
    """``spec`` without its query parameters: what is built (``faiss:hnsw?M=32``)."""
    spec = parse_spec(spec)
    queried = query_param_names(spec.backend)
    return format_spec(spec.backend, [(k, v) for k, v in spec.params if k not in queried])


def query_setting(spec: str | IndexSpec) -> dict[str, Any]:
    """Every query parameter of ``spec`` with its value (the default where not written)."""
    spec = parse_spec(spec)
    return {name: spec.get(name) for name in query_param_names(spec.backend)}


def sweep_specs(
    specs: Sequence[str | IndexSpec], query_params: Mapping[str, Sequence[Any]] | None
) -> list[IndexSpec]:
    """Each spec once per combination of the swept values of ITS backend's query parameters.

    A spec whose backend has none of the swept parameters stays as given; a swept value
    replaces the one written in the spec (in place) or is appended.

    Raises
    ------
    AnnalError
        A swept name that is no query parameter of any of the specs' backends, no values, or
        a value of the wrong type (checked by :class:`~annal.index.IndexSpec`).
    """
    specs = [parse_spec(s) for s in specs]
    sweep = {name: list(values) for name, values in (query_params or {}).items()}
    known = {q: s.backend for s in specs for q in query_param_names(s.backend)}
    for name, values in sweep.items():
        if name not in known:
            valid = ", ".join(f"{q} ({b})" for q, b in known.items()) or "none"
            raise AnnalError(
                f"--query-param {name}: not a query parameter of any index benchmarked; "
                f"query parameters: {valid}"
            )
        if not values:
            raise AnnalError(f"--query-param {name}: give at least one value")
    out: list[IndexSpec] = []
    for spec in specs:
        names = [q for q in query_param_names(spec.backend) if q in sweep]
        for combo in itertools.product(*(sweep[q] for q in names)):
            out.append(spec.with_params(**dict(zip(names, combo, strict=True))))
    return list(dict.fromkeys(out))


def group_builds(specs: Sequence[IndexSpec]) -> dict[str, list[IndexSpec]]:
    """Build spec -> the specs measured on that one build, both in first-seen order."""
    groups: dict[str, list[IndexSpec]] = {}
    for spec in specs:
        groups.setdefault(build_spec(spec), []).append(spec)
    return groups


@dataclass
class BenchResult:
    """Everything one benchmark run measured.

    Attributes
    ----------
    rows : list of dict
        One per (index, k): ``index`` (spec string with its query parameters), ``build``
        (the spec that was built), ``query`` (the query setting, ``efSearch=32``; empty for
        a backend without query parameters), ``backend``, ``metric``, ``threads``, ``k``,
        ``recall``, ``build_s`` (of its build, measured once), ``query_s``, ``qps``,
        ``memory_bytes``.
    builds : list of dict
        One per build: ``build``, ``backend``, ``build_s``, ``memory_bytes`` and ``indexes``
        (the specs measured on it).
    settings : dict
        Dataset name, sizes, ks, repeats, seed, tie tolerance, the swept query parameters.
    machine : dict
        :func:`machine_facts`.
    """

    rows: list[dict[str, Any]] = field(default_factory=list)
    builds: list[dict[str, Any]] = field(default_factory=list)
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
    query_params: Mapping[str, Sequence[Any]] | None = None,
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
    query_params : mapping of str to sequence, optional
        Query parameters to sweep, e.g. ``{"efSearch": [16, 64], "nprobe": [1, 8]}``: each
        index whose backend has one is measured at every combination of its values, on
        ONE build (:func:`sweep_specs`).
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
    specs = sweep_specs(expand_threads(specs, threads), query_params)
    builds = group_builds(specs)
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
            "builds": list(builds),
            "query_params": {k: list(v) for k, v in (query_params or {}).items()},
        },
        machine=machine_facts(),
    )
    from annal.progress import StepProgress

    units = len(builds) + len(specs) * len(ks)
    with StepProgress(len(builds), units=units, enabled=progress) as bar:
        for built, measured in builds.items():
            bar.describe(f"build {built}")
            index = make_index(measured[0])
            start = time.perf_counter()
            index.build(base)  # ids = base positions
            build_s = time.perf_counter() - start
            memory = index.memory_bytes
            bar.advance(1)
            result.builds.append(
                {
                    "build": built,
                    "backend": index.backend,
                    "build_s": build_s,
                    "memory_bytes": memory,
                    "indexes": [str(s) for s in measured],
                }
            )
            for spec in measured:
                setting = query_setting(spec)
                index.set_query_params(**setting)  # no rebuild: the next search uses them
                for k in ks:
                    bar.describe(f"{spec} k={k}")
                    best = np.inf
                    for _ in range(repeats):
                        start = time.perf_counter()
                        _, found = index.search(queries, k)
                        best = min(best, time.perf_counter() - start)
                    recall = recall_at_k(found, base_unit, queries_unit, kth[k], k, tie_eps)
                    result.rows.append(
                        {
                            "index": str(spec),
                            "build": built,
                            "query": format_spec("", setting).removeprefix("?"),
                            "backend": spec.backend,
                            "metric": index.metric,
                            "threads": index.n_threads or os.cpu_count(),
                            "k": k,
                            "recall": recall,
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
                f"{built}: built in {build_s:.2f} s, {len(measured)} query setting(s) "
                f"at k={','.join(map(str, ks))}"
            )
            del index
    return result
