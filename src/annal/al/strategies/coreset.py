"""Core-set sampling: k-center greedy (Sener & Savarese 2018), exact and BLAS-bound.

Greedy k-center repeatedly takes the unlabelled row farthest from its nearest labelled-or-picked
row. The min-distance of every row to the centers is computed once with a blocked matmul and
then only ever lowered. Instead of a full pass over the pool per pick, a candidate set (the rows
with the largest min-distance) is kept exact after every pick with a small matrix-vector
product; other rows keep their last value, an upper bound since min-distances only decrease,
and are brought up to date (largest bounds first, one matmul against the centers they miss)
only when the best candidate falls below the largest bound. The picks are those of plain
greedy k-center; the work is the n x m matmul plus a small fraction of n x k.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from threadpoolctl import threadpool_limits

from annal.al.geometry import aggregate_distance
from annal.al.state import PoolState
from annal.al.strategies.base import Strategy


def _to_point(Vc: np.ndarray, sq: np.ndarray | None, v: np.ndarray, metric: str) -> np.ndarray:
    """Distance of every row of ``Vc`` (c, d) to ``v`` (d,); ``sq`` = squared row norms (l2)."""
    dots = Vc @ v
    if metric == "cosine":
        return 1.0 - dots
    if metric == "ip":
        return -dots
    return np.maximum(sq - 2.0 * dots + float(v @ v), 0.0)


def k_center_greedy(
    V: np.ndarray,
    min_dist: np.ndarray,
    k: int,
    *,
    metric: str = "cosine",
    n_candidates: int | None = None,
) -> np.ndarray:
    """Pick ``k`` rows of ``V`` greedily, each the farthest from all centers so far.

    Parameters
    ----------
    V : np.ndarray of float32, shape (n, d)
        Candidate rows (unit rows for ``cosine``).
    min_dist : np.ndarray of float32, shape (n,)
        Distance of every row to its nearest existing center (+inf when there is none);
        updated in place (picked rows become -inf).
    k : int
        Picks, ``k <= n``.
    metric : {"cosine", "ip", "l2"}
    n_candidates : int, optional
        Size of the exact candidate set (default ``max(4 k, 1024)``).

    Returns
    -------
    np.ndarray of int64, shape (k,)
        Row indices into ``V`` in pick order.

    Notes
    -----
    Rows outside the candidate set are "stale": their ``min_dist`` is an upper bound that
    accounts for the centers up to ``synced[i]``. When the best candidate falls below the
    largest stale bound, the stale rows with the largest bounds are brought up to date (one
    matmul against the centers they miss) and merged with the candidates; the best ``c`` of
    those stay candidates. Each (row, center) distance is computed at most once.
    """
    # The per-pick products (candidates x d) are far too small for BLAS threads: on a busy
    # machine threads made the pick loop 4-10x slower. One thread gives the same numbers.
    with threadpool_limits(limits=1, user_api="blas"):
        return _k_center_greedy(V, min_dist, k, metric, n_candidates)


def _k_center_greedy(
    V: np.ndarray, min_dist: np.ndarray, k: int, metric: str, n_candidates: int | None
) -> np.ndarray:
    """The pick loop of :func:`k_center_greedy` (same parameters)."""
    n = len(V)
    c = min(n, n_candidates or max(4 * k, 1024))
    picked: list[int] = []
    synced = np.zeros(n, dtype=np.int64)
    is_cand = np.zeros(n, dtype=bool)
    cand = np.empty(0, dtype=np.int64)
    cand_vectors, cand_sq = V[cand], None
    bound = np.inf
    while len(picked) < k:
        if len(cand):
            at = int(np.argmax(min_dist[cand]))
            best = int(cand[at])
            if min_dist[best] >= bound and min_dist[best] > -np.inf:
                picked.append(best)
                near = _to_point(cand_vectors, cand_sq, V[best], metric)
                np.minimum(min_dist[cand], near, out=near)
                min_dist[cand] = near
                min_dist[best] = -np.inf
                continue
        # Refresh: the stale rows with the largest bounds join the candidates, exactly.
        stale = np.flatnonzero(~is_cand & (min_dist > -np.inf))
        top = stale[np.argpartition(-min_dist[stale], c - 1)[:c]] if len(stale) > c else stale
        for since in np.unique(synced[top]):
            rows = top[synced[top] == since]
            if since < len(picked):
                centers = V[np.asarray(picked[since:], dtype=np.int64)]
                new = aggregate_distance(V[rows], centers, metric=metric, aggregate="min")
                min_dist[rows] = np.minimum(min_dist[rows], new)
        merged = np.concatenate([cand[min_dist[cand] > -np.inf], top])
        synced[merged] = len(picked)
        keep = merged[np.argpartition(-min_dist[merged], c - 1)[:c]] if len(merged) > c else merged
        is_cand[:] = False
        is_cand[keep] = True
        cand = keep
        cand_vectors = V[cand]
        cand_sq = np.einsum("ij,ij->i", cand_vectors, cand_vectors) if metric == "l2" else None
        rest = min_dist[~is_cand]
        bound = float(rest.max()) if len(rest) else -np.inf
    return np.asarray(picked, dtype=np.int64)


class CoresetSampling(Strategy):
    """k-center greedy: each pick is the unlabelled row farthest from the labelled and picked rows.

    Parameters
    ----------
    metric : {"cosine", "l2"}
        Distance between embeddings (cosine = 1 - cos on unit rows; l2 squared Euclidean).
    """

    name = "coreset"

    def __init__(self, metric: Literal["cosine", "l2"] = "cosine") -> None:
        self.metric = metric

    def _select(self, state: PoolState, k: int, rng: np.random.Generator) -> np.ndarray:
        V = state.unit if self.metric == "cosine" else state.X
        unl, lab = state.unlabelled_pos, state.labelled_pos
        U = V[unl]
        first = np.empty(0, dtype=np.int64)
        if len(lab):
            min_dist = aggregate_distance(U, V[lab], metric=self.metric, aggregate="min")
        else:
            # No labelled rows: the first center is random, the rest greedy from it.
            first = rng.integers(len(unl), size=1)
            min_dist = aggregate_distance(U, U[first], metric=self.metric, aggregate="min")
            min_dist[first] = -np.inf
            k -= 1
        picks = k_center_greedy(U, min_dist, k, metric=self.metric)
        return unl[np.concatenate([first, picks])]
