"""ProbCover (Yehuda, Dabah, Hacohen & Weinshall, NeurIPS 2022): greedy cover by delta-balls.

Every row of the pool covers the rows within distance ``delta`` of it (its delta-ball, itself
included). Rows already covered by the labelled set are removed; then the selectable row whose
ball holds the most uncovered rows is taken, its ball is marked covered, and so on (a random
free row once everything is covered).

``delta`` follows the paper's purity rule unless given: cluster the pool with k-means (k = the
number of classes) and take the largest ``delta`` whose balls are pure (one cluster only) for at
least ``purity`` = 0.95 of the rows. A ball is pure exactly when the nearest row of another
cluster lies at ``delta`` or beyond, so ``delta`` is an order statistic of that distance.

Balls come from a neighbour search with any :mod:`annal.index` spec (default exact cosine on
unit rows): a ball holds at most the ``n_neighbors`` nearest rows within ``delta``, and a row
with no other-cluster row among them counts its farthest neighbour's distance as a lower bound.
The graph depends only on the embeddings, so it is built once and kept for later rounds.
Made for the cold start: also an initialiser (``probcover``).
"""

from __future__ import annotations

import numpy as np
from scipy import sparse

from annal.al.geometry import fingerprint
from annal.al.initial import Initializer
from annal.al.kmeans import kmeans
from annal.al.state import PoolState
from annal.al.strategies.base import Strategy, top_k
from annal.errors import AnnalError


def purity_delta(dist: np.ndarray, found: np.ndarray, clusters: np.ndarray, purity: float) -> float:
    """The largest radius whose balls are pure for ``purity`` of the rows.

    Parameters
    ----------
    dist, found : np.ndarray, shape (n, k)
        Each row's nearest rows (ascending distance; -1 for padding).
    clusters : np.ndarray of int, shape (n,)
        Cluster of every row.
    purity : float
        Share of rows whose ball must be pure.
    """
    valid = found >= 0
    other = valid & (clusters[np.maximum(found, 0)] != clusters[:, None])
    finite = np.where(valid, dist, -np.inf)
    # Distance to the nearest other-cluster row, or the farthest neighbour seen (lower bound).
    nearest_other = np.where(
        other.any(axis=1), dist[np.arange(len(dist)), np.argmax(other, axis=1)], finite.max(axis=1)
    )
    # A ball of radius r is pure when the nearest other-cluster row is at r or beyond; the
    # largest r leaving at most floor((1 - purity) n) impure balls is that order statistic.
    ranked = np.sort(nearest_other)
    return float(ranked[min(len(ranked) - 1, int(np.floor((1.0 - purity) * len(ranked) + 1e-9)))])


def ball_graph(dist: np.ndarray, found: np.ndarray, delta: float) -> sparse.csr_matrix:
    """Boolean (n, n) CSR: row ``i`` -> every neighbour within ``delta`` (``i`` itself included)."""
    n = len(dist)
    inside = (found >= 0) & (dist < delta)
    src = np.concatenate([np.repeat(np.arange(n), inside.sum(axis=1)), np.arange(n)])
    dst = np.concatenate([found[inside], np.arange(n)])
    graph = sparse.csr_matrix((np.ones(len(src), dtype=np.int8), (src, dst)), shape=(n, n))
    graph.data[:] = 1  # duplicates (a row found as its own neighbour) count once
    return graph


class ProbCoverSampling(Strategy):
    """Greedy maximum coverage of the pool by delta-balls.

    Parameters
    ----------
    delta : float, optional
        Ball radius in the index's distance; default from the purity rule.
    purity : float
        Share of pure balls the radius must keep (paper 0.95).
    n_neighbors : int
        Most rows in a ball (neighbours searched per row).
    index : str
        :mod:`annal.index` spec of the neighbour search.
    backend : {"faiss", "sklearn"}
        k-means implementation of the purity rule.
    """

    name = "probcover"
    needs_proba = False

    def __init__(
        self,
        delta: float | None = None,
        purity: float = 0.95,
        n_neighbors: int = 100,
        index: str = "exact?metric=cosine",
        backend: str = "faiss",
    ) -> None:
        self.delta = delta
        self.purity = purity
        self.n_neighbors = n_neighbors
        self.index = index
        self.backend = backend

    def graph(self, state: PoolState, seed: int = 0) -> tuple[sparse.csr_matrix, float]:
        """The ball graph of the whole pool and its radius (cached for the same embeddings)."""
        from annal.index import make_index

        if not 0 < float(self.purity) <= 1 or int(self.n_neighbors) < 1:
            raise AnnalError(f"probcover needs 0 < purity <= 1 and n_neighbors >= 1: {self!r}")
        X = state.X
        key = (fingerprint(X), seed)
        cache = self.__dict__.setdefault("_graph_cache", {})
        if key not in cache:
            cache.clear()
            dist, found = make_index(str(self.index)).build(X).search(X, int(self.n_neighbors))
            delta = self.delta
            if delta is None:
                _, clusters = kmeans(
                    state.unit, max(2, state.n_classes), seed=seed, backend=self.backend
                )
                delta = purity_delta(dist, found, clusters, float(self.purity))
            cache[key] = (ball_graph(dist, found, float(delta)), float(delta))
        return cache[key]

    def _select(self, state: PoolState, k: int, rng: np.random.Generator) -> np.ndarray:
        # The purity clustering is seeded by the embeddings alone, so every round (and every
        # seed) shares one graph, as the paper builds it once.
        graph, _ = self.graph(state)
        reverse = graph.T.tocsr()
        covered = np.zeros(len(state.X), dtype=bool)
        covered[graph[state.labelled_pos].indices] = True
        degree = graph @ (~covered).astype(np.int64)  # uncovered rows in each ball
        selectable = np.zeros(len(state.X), dtype=bool)
        selectable[state.unlabelled_pos] = True
        picked: list[int] = []
        while len(picked) < k:
            cand = np.flatnonzero(selectable)
            if degree[cand].max() > 0:
                best = int(cand[top_k(degree[cand], 1, rng)[0]])
            else:  # everything is covered: a random free row
                best = int(cand[rng.integers(len(cand))])
            picked.append(best)
            selectable[best] = False
            ball = graph.indices[graph.indptr[best] : graph.indptr[best + 1]]
            new = ball[~covered[ball]]
            covered[new] = True
            # Every ball holding a newly covered row loses it.
            np.subtract.at(degree, reverse[new].indices, 1)
        return np.asarray(picked, dtype=np.int64)


class ProbCoverInit(Initializer):
    """The initial set picked by :class:`ProbCoverSampling` from an empty labelled set."""

    name = "probcover"

    def __init__(self, purity: float = 0.95, n_neighbors: int = 100) -> None:
        self.purity = purity
        self.n_neighbors = n_neighbors

    def _first(self, X, size, rng, n_classes, y):
        strategy = ProbCoverSampling(purity=self.purity, n_neighbors=self.n_neighbors)
        n = len(X)
        state = PoolState(X, np.arange(n), np.zeros(n, dtype=bool), n_classes=n_classes or 2)
        return strategy.positions(state, size, rng)
