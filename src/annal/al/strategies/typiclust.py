"""TypiClust (Hacohen, Dekel & Weinshall, ICML 2022): typical rows of uncovered clusters.

The whole pool (unit vectors) is clustered with k-means into
``min(n_labelled + budget, max_clusters)`` clusters; the clustering depends only on the
embeddings and k (its seed is fixed), so it is kept for later rounds with the same k. Clusters are visited in order of fewest
labelled members, then largest size (ties in a seeded random order; clusters of at most
``min_cluster_size`` rows only when no larger one is left), round-robin until the batch is full.
From each visited cluster the most *typical* free member is taken: typicality is the inverse
mean distance to its ``K = min(n_neighbors, m // 2)`` nearest free members of the cluster, found
with any :mod:`annal.index` spec. Published defaults: 20 neighbours, 500 clusters at most,
clusters of more than 5 rows. Made for the cold start: also an initialiser (``typiclust``).
"""

from __future__ import annotations

import numpy as np

from annal.al.geometry import fingerprint
from annal.al.initial import Initializer
from annal.al.kmeans import kmeans
from annal.al.state import PoolState
from annal.al.strategies.base import Strategy, top_k
from annal.errors import AnnalError


def typicality(V: np.ndarray, n_neighbors: int, index: str) -> np.ndarray:
    """Inverse mean distance of every row of ``V`` (m, d) to its nearest other rows, (m,)."""
    from annal.index import make_index

    m = len(V)
    k = min(int(n_neighbors), m // 2)
    if k < 1:
        return np.ones(m)
    dist, found = make_index(index).build(V).search(V, k + 1)
    # Drop each row itself (the search may return a duplicate first instead: drop one column).
    own = found == np.arange(m)[:, None]
    drop = np.where(own.any(axis=1), np.argmax(own, axis=1), k)
    keep = np.ones_like(own)
    keep[np.arange(m), drop] = False
    dist = np.where(np.isfinite(dist), dist, np.nan)[keep].reshape(m, k)
    return 1.0 / (np.nanmean(np.maximum(dist, 0.0), axis=1) + 1e-5)


class TypiClustSampling(Strategy):
    """The most typical free row of each least-covered k-means cluster.

    Parameters
    ----------
    n_neighbors : int
        Neighbours of the typicality (paper 20).
    max_clusters : int
        Most clusters (paper 500).
    min_cluster_size : int
        Clusters of at most this many rows are visited last (paper 5).
    index : str
        :mod:`annal.index` spec of the neighbour search (default exact cosine on unit rows).
    backend : {"faiss", "sklearn"}
        k-means implementation.
    """

    name = "typiclust"
    needs_proba = False

    def __init__(
        self,
        n_neighbors: int = 20,
        max_clusters: int = 500,
        min_cluster_size: int = 5,
        index: str = "exact?metric=cosine",
        backend: str = "faiss",
    ) -> None:
        self.n_neighbors = n_neighbors
        self.max_clusters = max_clusters
        self.min_cluster_size = min_cluster_size
        self.index = index
        self.backend = backend

    def _select(self, state: PoolState, k: int, rng: np.random.Generator) -> np.ndarray:
        if int(self.n_neighbors) < 1 or int(self.max_clusters) < 1:
            raise AnnalError(f"typiclust needs n_neighbors >= 1 and max_clusters >= 1: {self!r}")
        lab, unl = state.labelled_pos, state.unlabelled_pos
        U = state.unit
        labels = self.clusters(U, min(len(lab) + k, int(self.max_clusters), len(U)))
        n_clusters = int(labels.max()) + 1
        sizes = np.bincount(labels, minlength=n_clusters)
        covered = np.bincount(labels[lab], minlength=n_clusters)
        free_per = np.bincount(labels[unl], minlength=n_clusters)
        small = sizes <= int(self.min_cluster_size)
        order = np.lexsort((rng.permutation(n_clusters), -sizes, covered, small))
        order = order[free_per[order] > 0]
        free = np.zeros(len(U), dtype=bool)
        free[unl] = True
        by_cluster = np.argsort(labels, kind="stable")
        starts = np.concatenate([[0], np.cumsum(sizes)])
        picked: list[int] = []
        while len(picked) < k:
            for c in order:
                members = by_cluster[starts[c] : starts[c + 1]]
                members = members[free[members]]
                if len(members) == 0:
                    continue
                typ = typicality(U[members], int(self.n_neighbors), str(self.index))
                best = int(members[top_k(typ, 1, rng)[0]])
                free[best] = False
                picked.append(best)
                if len(picked) == k:
                    break
        return np.asarray(picked, dtype=np.int64)

    def clusters(self, U: np.ndarray, n_clusters: int) -> np.ndarray:
        """k-means cluster of every row of the pool ``U`` (n, d), cached per (``U``, k)."""
        key = (fingerprint(U), int(n_clusters), self.backend)
        cache = self.__dict__.setdefault("_cluster_cache", {})
        if key not in cache:
            cache.clear()
            cache[key] = kmeans(U, int(n_clusters), seed=0, backend=self.backend)[1]
        return cache[key]


class TypiClustInit(Initializer):
    """The initial set picked by :class:`TypiClustSampling` from an empty labelled set."""

    name = "typiclust"

    def __init__(
        self, n_neighbors: int = 20, max_clusters: int = 500, backend: str = "faiss"
    ) -> None:
        self.n_neighbors = n_neighbors
        self.max_clusters = max_clusters
        self.backend = backend

    def _first(self, X, size, rng, n_classes, y):
        strategy = TypiClustSampling(
            n_neighbors=self.n_neighbors, max_clusters=self.max_clusters, backend=self.backend
        )
        n = len(X)
        state = PoolState(X, np.arange(n), np.zeros(n, dtype=bool), n_classes=n_classes or 2)
        return strategy.positions(state, size, rng)
