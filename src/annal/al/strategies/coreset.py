"""Core-set sampling: k-center greedy (Sener & Savarese 2018), exact and BLAS-bound.

Greedy k-center repeatedly takes the unlabelled row farthest from its nearest labelled-or-picked
row. The min-distance of every row to the centers is computed once with a blocked matmul and
then only ever lowered. Instead of a full pass over the pool per pick, a candidate set (the rows
with the largest min-distance) is kept exact after every pick with a small matrix-vector
product; the rest of the pool is only brought up to date, with one matmul against all centers
picked since, when the best candidate falls below the largest stale value (stale values are
upper bounds because min-distances only decrease). The picks are those of plain greedy k-center.
"""

from __future__ import annotations

import numpy as np

from annal.al.geometry import aggregate_distance
from annal.al.state import PoolState
from annal.al.strategies.base import Strategy
from annal.errors import AnnalError


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
        updated in place.
    k : int
        Picks, ``k <= n``.
    metric : {"cosine", "ip", "l2"}
    n_candidates : int, optional
        Size of the exact candidate set (default ``max(4 k, 1024)``).

    Returns
    -------
    np.ndarray of int64, shape (k,)
        Row indices into ``V`` in pick order.
    """
    n = len(V)
    c = min(n, n_candidates or max(4 * k, 1024))
    picked: list[int] = []
    synced = 0  # every non-candidate's min_dist accounts for picked[:synced]
    cand = np.empty(0, dtype=np.int64)
    cand_vectors = V[cand]
    is_cand = np.zeros(n, dtype=bool)
    bound = np.inf  # upper bound of the min_dist of every non-candidate
    while len(picked) < k:
        best = int(cand[np.argmax(min_dist[cand])]) if len(cand) else -1
        if best >= 0 and min_dist[best] >= bound and min_dist[best] > -np.inf:
            picked.append(best)
            near = aggregate_distance(
                cand_vectors, V[best][None, :], metric=metric, aggregate="min"
            )
            np.minimum(min_dist[cand], near, out=near)
            min_dist[cand] = near
            min_dist[best] = -np.inf
            continue
        # Bring the stale rows up to date with the centers picked since, then re-choose.
        stale = np.flatnonzero(~is_cand & (min_dist > -np.inf))
        if synced < len(picked) and len(stale):
            centers = V[np.asarray(picked[synced:], dtype=np.int64)]
            new = aggregate_distance(V[stale], centers, metric=metric, aggregate="min")
            min_dist[stale] = np.minimum(min_dist[stale], new)
        synced = len(picked)
        cand = np.argpartition(-min_dist, c - 1)[:c] if c < n else np.arange(n)
        cand_vectors = V[cand]
        is_cand[:] = False
        is_cand[cand] = True
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

    def __init__(self, metric: str = "cosine") -> None:
        self.metric = metric

    def _select(self, state: PoolState, k: int, rng: np.random.Generator) -> np.ndarray:
        if self.metric not in ("cosine", "l2"):
            raise AnnalError(f"coreset metric must be cosine or l2, got {self.metric!r}")
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
