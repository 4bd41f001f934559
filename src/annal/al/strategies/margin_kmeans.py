"""Margin k-means: diverse mini-batch active learning (Zhdanov 2019).

Keep the ``beta * budget`` unlabelled rows of smallest margin, cluster them with k-means
(k = budget) weighted by their informativeness ``1 - (p_1 - p_2)``, and take the row nearest
each centroid. Clusters left empty (or sharing a nearest row) are filled by margin order, so the
batch is exactly the budget.
"""

from __future__ import annotations

import numpy as np

from annal.al.kmeans import kmeans
from annal.al.state import PoolState
from annal.al.strategies.base import Strategy, top_k
from annal.al.strategies.uncertainty import margin_uncertainty
from annal.errors import AnnalError


class MarginKMeansSampling(Strategy):
    """The rows nearest the centroids of a weighted k-means of the most uncertain rows.

    Parameters
    ----------
    beta : int
        Pre-filter size as a multiple of the budget (paper default 10).
    backend : {"faiss", "sklearn"}
        k-means implementation.
    max_iter : int
        Most k-means iterations.
    """

    name = "margin-kmeans"
    needs_proba = True

    def __init__(self, beta: int = 10, backend: str = "faiss", max_iter: int = 100) -> None:
        self.beta = beta
        self.backend = backend
        self.max_iter = max_iter

    def _select(self, state: PoolState, k: int, rng: np.random.Generator) -> np.ndarray:
        if int(self.beta) < 1:
            raise AnnalError(f"margin-kmeans beta must be >= 1, got {self.beta!r}")
        score = margin_uncertainty(state.proba())  # -(p1 - p2): higher is more uncertain
        ranked = top_k(score, min(int(self.beta) * k, len(score)), rng)
        if len(ranked) == k:
            return state.unlabelled_pos[ranked]
        U = state.unit[state.unlabelled_pos[ranked]]
        weights = 1.0 + score[ranked].astype(np.float64) + 1e-6
        _, labels, sq = kmeans(
            U,
            k,
            seed=int(rng.integers(2**31)),
            backend=self.backend,
            max_iter=self.max_iter,
            return_distances=True,
            weights=weights,
        )
        # The member nearest each centroid (ties by margin rank, i.e. position in `ranked`).
        order = np.lexsort((np.arange(len(ranked)), sq, labels))
        first = np.ones(len(order), dtype=bool)
        first[1:] = labels[order][1:] != labels[order][:-1]
        picked = order[first]
        if len(picked) < k:  # empty clusters: the most uncertain rows not taken yet
            rest = np.setdiff1d(np.arange(len(ranked)), picked, assume_unique=True)
            picked = np.concatenate([picked, rest[: k - len(picked)]])
        return state.unlabelled_pos[ranked[picked[:k]]]
