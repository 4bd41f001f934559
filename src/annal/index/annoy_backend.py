"""``annoy``: Spotify's forest of random-projection trees (optional extra ``annal[annoy]``).

``annoy?trees=10&search_k=-1&metric=angular|dot|euclidean[&seed=0][&threads=N]``; the
canonical names cosine/ip/l2 are accepted too. Annoy's scores are turned into the
convention of :mod:`annal.index.base`: angular ``sqrt(2 - 2 cos)`` becomes ``1 - cos``
(``d**2 / 2``), dot becomes ``-dot`` and euclidean is squared.

An Annoy forest is immutable once built: ``add`` and ``remove`` raise
:class:`AnnalError` (build again). Annoy items are dense positions ``0..n-1``; the
caller's ids are mapped through an array. Annoy answers one query per call, so
``search`` loops over queries inside Annoy's C++ (``threads`` applies to building).
"""

from __future__ import annotations

import os
import tempfile
from typing import Annotated, Any, Literal

import numpy as np
from annotated_types import Ge

from annal.errors import AnnalError
from annal.index.base import Seed, Threads, VectorIndex, save_through_path

_ANNOY_NAMES = {"cosine": "angular", "ip": "dot", "l2": "euclidean"}
#: Annoy's own metric names, accepted by the annoy backend, mapped to the canonical ones.
ANNOY_METRICS = {"angular": "cosine", "dot": "ip", "euclidean": "l2"}


def import_annoy() -> Any:
    """The ``annoy`` module, or :class:`AnnalError` with the install hint."""
    try:
        import annoy
    except ImportError:
        raise AnnalError(
            "the annoy backend needs the optional package annoy: pip install 'annal[annoy]'"
        ) from None
    return annoy


class AnnoyIndex(VectorIndex):
    """Approximate search with an Annoy forest (see the module docstring).

    Parameters
    ----------
    trees : int
        Number of random-projection trees.
    search_k : int
        Nodes inspected per query; -1 = trees * k. A query parameter.
    metric : {"angular", "dot", "euclidean", "cosine", "ip", "l2"}
        Annoy's names or the canonical ones; stored as the canonical one.
    threads, seed
        As for every backend.
    """

    name = "annoy"
    supports_add = False
    supports_remove = False
    query_params = ("search_k",)

    def __init__(
        self,
        trees: Annotated[int, Ge(1)] = 10,
        search_k: Annotated[int, Ge(-1)] = -1,
        metric: Literal["angular", "dot", "euclidean", "cosine", "ip", "l2"] = "angular",
        threads: Threads = None,
        seed: Seed = 0,
    ) -> None:
        self.trees = trees
        self.search_k = search_k
        self.metric = ANNOY_METRICS.get(metric, metric)
        self.threads = threads
        self.seed = seed

    def _build(self, x: np.ndarray, ids: np.ndarray) -> None:
        annoy = import_annoy()
        index = annoy.AnnoyIndex(x.shape[1], _ANNOY_NAMES[self.metric])
        index.set_seed(self.seed)
        for pos, row in enumerate(x):
            index.add_item(pos, row)
        index.build(self.trees, n_jobs=self.n_threads or -1)
        self._index = index
        self._pos_ids = ids.copy()

    def _search(self, q: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        dist = np.full((len(q), k), np.inf, dtype=np.float32)
        found = np.full((len(q), k), -1, dtype=np.int64)
        search_k = self.search_k
        for row, vector in enumerate(q):
            pos, scores = self._index.get_nns_by_vector(vector, k, search_k, True)
            found[row, : len(pos)] = self._pos_ids[pos]
            dist[row, : len(pos)] = scores
        filled = found >= 0
        if self.metric == "cosine":
            dist[filled] = dist[filled] ** 2 / 2.0
        elif self.metric == "ip":
            dist[filled] = -dist[filled]
        else:
            dist[filled] = dist[filled] ** 2
        return dist, found

    def _save(self, fh) -> None:
        # save() re-maps the forest from the file it wrote; the mapping outlives its removal.
        save_through_path(fh, self._index.save, ".ann")

    def _load(self, path: str, ids: np.ndarray) -> None:
        index = import_annoy().AnnoyIndex(self.dim, _ANNOY_NAMES[self.metric])
        index.load(path)
        self._index = index
        self._pos_ids = ids.copy()

    def _memory_bytes(self) -> int:
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "index.ann")
            # save() re-maps the forest from the file; the mapping outlives the unlink.
            self._index.save(path)
            return os.path.getsize(path) + self._pos_ids.nbytes
