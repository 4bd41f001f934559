"""``hnswlib``: the reference HNSW implementation (optional extra ``annal[hnswlib]``).

``hnswlib?M=16&ef_construction=200&ef=10&metric=cosine|ip|l2[&seed=0][&threads=N]``.
hnswlib keeps the caller's ids as labels. Its cosine distance is already ``1 - cos`` and
its l2 already squared; its ip distance ``1 - ip`` is shifted to ``-ip``. The search
beam is ``max(ef, k)``. ``add`` grows the index; ``remove`` marks the ids deleted
(hnswlib's soft delete: they are never returned again).

Graph construction is deterministic for a seed only when one thread inserts: parallel
inserts race. So ``build``/``add`` use one thread unless ``threads=`` is given explicitly
(then the graph, and so the results, may differ from run to run); queries are always
independent of the thread count.
"""

from __future__ import annotations

from typing import Annotated, Any

import numpy as np
from annotated_types import Ge

from annal.errors import AnnalError
from annal.index.base import Metric, Seed, Threads, VectorIndex, save_through_path


def import_hnswlib() -> Any:
    """The ``hnswlib`` module, or :class:`AnnalError` with the install hint."""
    try:
        import hnswlib
    except ImportError:
        raise AnnalError(
            "the hnswlib backend needs the optional package hnswlib: pip install 'annal[hnswlib]'"
        ) from None
    return hnswlib


class HnswlibIndex(VectorIndex):
    """Approximate search with an hnswlib graph (see the module docstring).

    Parameters
    ----------
    M : int
        Graph degree.
    ef_construction : int
        Build-time beam width.
    ef : int
        Search-time beam width (raised to k); a query parameter.
    metric, threads, seed
        As for every backend.
    """

    name = "hnswlib"
    query_params = ("ef",)

    def __init__(
        self,
        M: Annotated[int, Ge(2)] = 16,
        ef_construction: Annotated[int, Ge(1)] = 200,
        ef: Annotated[int, Ge(1)] = 10,
        metric: Metric = "cosine",
        threads: Threads = None,
        seed: Seed = 0,
    ) -> None:
        self.M = M
        self.ef_construction = ef_construction
        self.ef = ef
        self.metric = metric
        self.threads = threads
        self.seed = seed

    def _threads(self) -> int:
        return self.n_threads or -1

    def _insert_threads(self) -> int:
        # Parallel inserts race: one thread keeps a seeded graph reproducible.
        return 1 if self.threads is None else self._threads()

    def _build(self, x: np.ndarray, ids: np.ndarray) -> None:
        hnswlib = import_hnswlib()
        index = hnswlib.Index(space=self.metric, dim=x.shape[1])
        index.init_index(
            max_elements=len(x),
            ef_construction=self.ef_construction,
            M=self.M,
            random_seed=self.seed,
        )
        index.add_items(x, ids, num_threads=self._insert_threads())
        self._index = index

    def _add(self, x: np.ndarray, ids: np.ndarray) -> None:
        needed = self._index.element_count + len(x)
        if needed > self._index.get_max_elements():
            self._index.resize_index(max(needed, 2 * self._index.get_max_elements()))
        self._index.add_items(x, ids, num_threads=self._insert_threads())

    def _remove(self, ids: np.ndarray) -> None:
        for label in ids.tolist():
            self._index.mark_deleted(label)

    def _search(self, q: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        self._index.set_ef(max(self.ef, k))
        try:
            labels, dist = self._index.knn_query(q, k=k, num_threads=self._threads())
        except RuntimeError as exc:
            raise AnnalError(
                f"{self.spec}: hnswlib could not return {k} neighbours ({exc})"
            ) from None
        dist = np.asarray(dist, dtype=np.float32)
        return (dist - 1.0 if self.metric == "ip" else dist), labels.astype(np.int64)

    def _memory_bytes(self) -> int:
        return int(self._index.index_file_size())

    def _save(self, fh) -> None:
        save_through_path(fh, self._index.save_index)

    def _load(self, path: str, ids: np.ndarray) -> None:
        index = import_hnswlib().Index(space=self.metric, dim=self.dim)
        index.load_index(path, max_elements=len(ids))
        self._index = index
