"""Nearest and farthest labelled rows of a large pool, through a pivot index of the labelled set.

At a million rows an exact ``u x m`` product (every unlabelled row against every labelled row)
is what a distance or core-set round costs: 450k SEALS candidates x 5,000 labelled rows is
1.7 TFLOP. The labelled set is indexed instead by ``P`` pivots, labelled rows spread over it
(seeded k-means++ seeding) with the radius of the labelled rows nearest each. One ``u x P``
product then bounds every row's distance to the labelled set from above: the distance to its
nearest pivot bounds the distance to the nearest labelled row (a pivot is a labelled row), and
``(|q - p| + radius(p))^2 / 2`` maximised over the pivots bounds the cosine distance to the
farthest one (triangle inequality on unit rows, where ``1 - cos = |q - r|^2 / 2``). Only rows
whose bound can still reach the top of a ranking are compared with the whole labelled set
(:meth:`PivotIndex.exact`), so the selections made from these bounds are the exact ones.

Rows are read in blocks from the pool's own dtype (a float16 memory map stays one) and made unit
float32 one block at a time: no ``u x d`` float32 copy and no ``u x m`` matrix is held.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from annal.al.geometry import aggregate_distance, as_float32, normalize_rows

#: Rows made unit float32 per block.
BLOCK = 16384
#: Slack on a bound before it rules a row out: the bound and the exact distance come from
#: different float32 products, which may round the same pivot's distance apart by ~1e-7.
SLACK = 1e-5


def unit_blocks(X: np.ndarray, positions: np.ndarray, block: int = BLOCK) -> Iterator[np.ndarray]:
    """The unit float32 rows of ``X`` at ``positions``, ``block`` rows at a time."""
    for start in range(0, len(positions), block):
        yield normalize_rows(as_float32(X[positions[start : start + block]]))


def unit_rows(X: np.ndarray, positions: np.ndarray) -> np.ndarray:
    """The unit rows of ``X`` at ``positions`` as one float32 array (for few rows)."""
    return normalize_rows(as_float32(X[np.asarray(positions, dtype=np.int64)]))


class PivotIndex:
    """Pivots over the labelled set's unit rows ``R`` (m, d), bounding distances to it.

    Parameters
    ----------
    R : np.ndarray of float32, shape (m, d)
        Unit rows of the labelled set.
    n_pivots : int
        Pivots P (all of ``R`` when m <= P).
    seed : int
        Seed of the k-means++ seeding that places the pivots.
    """

    def __init__(self, R: np.ndarray, n_pivots: int, seed: int) -> None:
        from sklearn.cluster import kmeans_plusplus

        self.R = as_float32(R)
        m = len(self.R)
        if m <= n_pivots:
            chosen = np.arange(m)
        else:
            _, chosen = kmeans_plusplus(self.R, n_pivots, random_state=seed)
        self.pivots = self.R[np.sort(chosen)]
        # Radius of each pivot's cell: the farthest labelled row nearest to it (Euclidean).
        sim = np.empty(m, dtype=np.float32)
        cell = np.empty(m, dtype=np.int64)
        for start in range(0, m, BLOCK):
            S = self.R[start : start + BLOCK] @ self.pivots.T
            cell[start : start + len(S)] = S.argmax(axis=1)
            sim[start : start + len(S)] = S.max(axis=1)
        dist = np.sqrt(np.maximum(2.0 - 2.0 * sim, 0.0))
        self.radius = np.zeros(len(self.pivots), dtype=np.float32)
        np.maximum.at(self.radius, cell, dist)

    def bounds(self, Q: np.ndarray, aggregate: str) -> np.ndarray:
        """Upper bounds (n,) of the cosine distance from each unit row of ``Q`` to its nearest
        (``min``) or farthest (``max``) labelled row."""
        S = Q @ self.pivots.T
        if aggregate == "min":
            return (1.0 - S.max(axis=1)).astype(np.float32)
        reach = np.sqrt(np.maximum(2.0 - 2.0 * S, 0.0)) + self.radius[None, :]
        return np.minimum(reach.max(axis=1) ** 2 / 2.0, 2.0).astype(np.float32)

    def exact(self, Q: np.ndarray, aggregate: str) -> np.ndarray:
        """The exact cosine distance (n,) from each unit row of ``Q`` to its nearest or
        farthest labelled row."""
        return aggregate_distance(Q, self.R, metric="cosine", aggregate=aggregate)


def pool_bounds(
    index: PivotIndex, X: np.ndarray, positions: np.ndarray, aggregate: str
) -> np.ndarray:
    """:meth:`PivotIndex.bounds` of the rows of ``X`` at ``positions``, read in blocks."""
    out = np.empty(len(positions), dtype=np.float32)
    start = 0
    for Q in unit_blocks(X, positions):
        out[start : start + len(Q)] = index.bounds(Q, aggregate)
        start += len(Q)
    return out


def largest_distances(
    index: PivotIndex, X: np.ndarray, positions: np.ndarray, k: int, aggregate: str
) -> tuple[np.ndarray, np.ndarray]:
    """The rows among ``positions`` whose exact distance to the labelled set is largest.

    Rows are taken in order of falling bound and computed exactly, a block at a time, until
    the next bound is below the ``k``-th largest exact distance found: no row left can enter
    the top ``k``.

    Returns
    -------
    scores : np.ndarray of float32, shape (len(positions),)
        The exact distance of every row that was computed, ``-inf`` for the rest (whose exact
        distance is below the ``k``-th largest score).
    computed : int
        How many rows were computed exactly.
    """
    bound = pool_bounds(index, X, positions, aggregate)
    order = np.argsort(-bound, kind="stable")
    scores = np.full(len(positions), -np.inf, dtype=np.float32)
    step = max(2 * k, 4096)
    kth = -np.inf
    done = 0
    while done < len(order):
        if done >= k and bound[order[done]] + SLACK < kth:
            break
        rows = order[done : done + step]
        scores[rows] = index.exact(unit_rows(X, positions[rows]), aggregate)
        done += len(rows)
        kth = float(np.partition(scores[order[:done]], done - k)[done - k]) if done >= k else kth
    return scores, np.int64(done)
