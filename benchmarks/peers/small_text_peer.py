"""small-text adapters: ``GreedyCoreset``, ``EmbeddingKMeans``, ``BreakingTies``.

small-text's embedding strategies take the embeddings ordered as ``[unlabelled; labelled]``
(that is how ``EmbeddingBasedQueryStrategy.query`` calls ``sample``); the reordering is done in
``prepare``. Settings are small-text's defaults.
"""

from __future__ import annotations

import warnings
from unittest import mock

import numpy as np

from . import flops
from .base import Peer, Run, fixed_proba, unlabelled_positions


def _embedding_inputs(X: np.ndarray, labelled: np.ndarray):
    unl = unlabelled_positions(len(X), labelled)
    emb = np.ascontiguousarray(X[np.concatenate([unl, labelled])])
    y = np.zeros(len(labelled), dtype=np.int64)
    return unl, emb, y


def prepare_greedy_coreset(X, labelled, batch, *, proba=None, seed=0) -> Run:
    """small-text ``GreedyCoreset()`` (default: euclidean, normalize=True)."""
    from small_text.query_strategies import GreedyCoreset

    unl, emb, y = _embedding_inputs(X, labelled)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "default metric changed" notice
        strategy = GreedyCoreset()

    def run() -> np.ndarray:
        return np.asarray(strategy.query(None, X, unl, labelled, y, n=batch, embeddings=emb))

    return run


def prepare_embedding_kmeans(X, labelled, batch, *, proba=None, seed=0) -> Run:
    """small-text ``EmbeddingKMeans()``: scikit-learn k-means with k = batch on the unlabelled.

    Its ``KMeans(n_clusters=n)`` gets ``random_state=seed`` so repeated runs do the same work.
    """
    from sklearn.cluster import KMeans
    from small_text.query_strategies import EmbeddingKMeans

    unl, emb, y = _embedding_inputs(X, labelled)
    strategy = EmbeddingKMeans()

    class SeededKMeans(KMeans):
        def __init__(self, n_clusters=8, **kw):
            kw.setdefault("random_state", seed)
            super().__init__(n_clusters=n_clusters, **kw)

    def run() -> np.ndarray:
        # EmbeddingKMeans imports KMeans inside ``sample``; the seeded subclass is what it
        # finds there.
        with mock.patch("sklearn.cluster.KMeans", SeededKMeans):
            return np.asarray(strategy.query(None, X, unl, labelled, y, n=batch, embeddings=emb))

    return run


def prepare_breaking_ties(X, labelled, batch, *, proba=None, seed=0) -> Run:
    """small-text ``BreakingTies()`` on the shared probabilities."""
    from small_text.query_strategies import BreakingTies

    unl = unlabelled_positions(len(X), labelled)
    clf = fixed_proba(proba, unl)
    y = np.zeros(len(labelled), dtype=np.int64)
    strategy = BreakingTies()

    def run() -> np.ndarray:
        return np.asarray(strategy.query(clf, X, unl, labelled, y, n=batch))

    return run


def _peer(strategy, label, prepare, **kw) -> Peer:
    return Peer(
        "small-text", strategy, label, "small_text", prepare, distribution="small-text", **kw
    )


PEERS = (
    _peer(
        "coreset",
        "GreedyCoreset()",
        prepare_greedy_coreset,
        truncation="recompute",
        min_flops=flops.greedy_recompute,
    ),
    _peer(
        "cluster",
        "EmbeddingKMeans()",
        prepare_embedding_kmeans,
        min_flops=flops.embedding_kmeans,
    ),
    _peer("margin", "BreakingTies()", prepare_breaking_ties, needs_proba=True),
)
