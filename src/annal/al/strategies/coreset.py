"""Core-set sampling: k-center greedy (Sener & Savarese 2018), exact and BLAS-bound.

Greedy k-center repeatedly takes the unlabelled row farthest from its nearest labelled-or-picked
row. The min-distance of every row to the centers is computed once with a blocked matmul and
then only ever lowered. Instead of a full pass over the pool per pick, a candidate set (the rows
with the largest min-distance) is kept exact after every pick with a small matrix-vector
product; other rows keep their last value, an upper bound since min-distances only decrease,
and are brought up to date (largest bounds first, one matmul against the centers they miss)
only when the best candidate falls below the largest bound. The picks are those of plain
greedy k-center; the work is the n x m matmul plus a small fraction of n x k.

On a large pool (at least ``large_pool`` unlabelled rows, cosine) even the first n x m matmul is
not done: a pivot index of the labelled set (:mod:`annal.al.pivots`) gives every row an upper
bound of its distance to the labelled set, and the labelled rows join the centers that stale rows
have not been compared with yet, so a row is compared with the whole labelled set only when its
bound reaches the top. The picks are the same (on a float16 pool the candidates are held as
float16 unit rows, whose rounding may move a pick or two).
"""

from __future__ import annotations

from typing import Annotated, Literal

import numpy as np
from annotated_types import Ge
from threadpoolctl import threadpool_limits

from annal.al.geometry import aggregate_distance, as_float32
from annal.al.pivots import PivotIndex, pool_bounds, unit_blocks, unit_rows
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
    pending: np.ndarray | None = None,
) -> np.ndarray:
    """Pick ``k`` rows of ``V`` greedily, each the farthest from all centers so far.

    Parameters
    ----------
    V : np.ndarray of float32 or float16, shape (n, d)
        Candidate rows (unit rows for ``cosine``); float16 rows are read as float32 a few at
        a time.
    min_dist : np.ndarray of float32, shape (n,)
        Distance of every row to its nearest existing center (+inf when there is none);
        updated in place (picked rows become -inf). With ``pending``, an upper bound of it.
    k : int
        Picks, ``k <= n``.
    metric : {"cosine", "ip", "l2"}
    n_candidates : int, optional
        Size of the exact candidate set (default ``max(4 k, 1024)``).
    pending : np.ndarray of float32, shape (p, d), optional
        Existing centers that ``min_dist`` does not account for yet (only bounds): a row is
        compared with them, exactly, when it first becomes a candidate.

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
        return _k_center_greedy(V, min_dist, k, metric, n_candidates, pending)


def _k_center_greedy(
    V: np.ndarray,
    min_dist: np.ndarray,
    k: int,
    metric: str,
    n_candidates: int | None,
    pending: np.ndarray | None,
) -> np.ndarray:
    """The pick loop of :func:`k_center_greedy` (same parameters)."""
    n = len(V)
    c = min(n, n_candidates or max(4 * k, 1024))
    n_pending = 0 if pending is None else len(pending)
    picked: list[int] = []

    def centers_since(since: int) -> np.ndarray:
        """The centers after the first ``since`` (pending ones first, then the picks)."""
        parts = [] if since >= n_pending else [pending[since:]]
        first = max(0, since - n_pending)
        if first < len(picked):
            parts.append(as_float32(V[np.asarray(picked[first:], dtype=np.int64)]))
        return np.concatenate(parts) if len(parts) > 1 else parts[0]

    synced = np.zeros(n, dtype=np.int64)
    is_cand = np.zeros(n, dtype=bool)
    cand = np.empty(0, dtype=np.int64)
    cand_vectors, cand_sq = as_float32(V[cand]), None
    bound = np.inf
    while len(picked) < k:
        if len(cand):
            at = int(np.argmax(min_dist[cand]))
            best = int(cand[at])
            if min_dist[best] >= bound and min_dist[best] > -np.inf:
                picked.append(best)
                near = _to_point(cand_vectors, cand_sq, as_float32(V[best]), metric)
                np.minimum(min_dist[cand], near, out=near)
                min_dist[cand] = near
                min_dist[best] = -np.inf
                continue
        # Refresh: the stale rows with the largest bounds join the candidates, exactly.
        stale = np.flatnonzero(~is_cand & (min_dist > -np.inf))
        top = stale[np.argpartition(-min_dist[stale], c - 1)[:c]] if len(stale) > c else stale
        for since in np.unique(synced[top]):
            rows = top[synced[top] == since]
            if since < n_pending + len(picked):
                centers = centers_since(int(since))
                new = aggregate_distance(V[rows], centers, metric=metric, aggregate="min")
                min_dist[rows] = np.minimum(min_dist[rows], new)
        merged = np.concatenate([cand[min_dist[cand] > -np.inf], top])
        synced[merged] = n_pending + len(picked)
        keep = merged[np.argpartition(-min_dist[merged], c - 1)[:c]] if len(merged) > c else merged
        is_cand[:] = False
        is_cand[keep] = True
        cand = keep
        cand_vectors = as_float32(V[cand])
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
    large_pool : int
        From this many unlabelled rows on (cosine, labelled rows present), distances to the
        labelled set start from the bounds of a pivot index (same picks; module docstring).
    pivots : int
        Pivots of that index.
    """

    name = "coreset"

    def __init__(
        self,
        metric: Literal["cosine", "l2"] = "cosine",
        large_pool: Annotated[int, Ge(1)] = 200_000,
        pivots: Annotated[int, Ge(1)] = 512,
    ) -> None:
        self.metric = metric
        self.large_pool = large_pool
        self.pivots = pivots

    def uses_pivots(self, state: PoolState) -> bool:
        """Whether this round goes through the pivot index (large pool, cosine)."""
        return (
            self.metric == "cosine"
            and len(state.labelled_pos) > 0
            and state.n_unlabelled >= int(self.large_pool)
        )

    def _select(self, state: PoolState, k: int, rng: np.random.Generator) -> np.ndarray:
        unl, lab = state.unlabelled_pos, state.labelled_pos
        if self.uses_pivots(state):
            index = PivotIndex(unit_rows(state.X, lab), int(self.pivots), int(rng.integers(2**31)))
            min_dist = pool_bounds(index, state.X, unl, "min")
            # Unit rows in the pool's dtype: a float16 pool's candidates stay float16.
            U = np.empty((len(unl), state.X.shape[1]), dtype=state.X.dtype)
            start = 0
            for block in unit_blocks(state.X, unl):
                U[start : start + len(block)] = block
                start += len(block)
            return unl[k_center_greedy(U, min_dist, k, metric="cosine", pending=index.R)]
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
