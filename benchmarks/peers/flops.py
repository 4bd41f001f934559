"""The work a peer's algorithm cannot avoid, in FLOPs (2 per multiply-add), by algorithm.

These are floors: each counts only the distance products the algorithm performs, as if they
ran at the speed of one large float32 matmul. Divided by the matmul speed measured in the
same run they give a time no implementation of that algorithm can beat, used where running
the peer itself would take longer than the benchmark's per-call cap.
"""

from __future__ import annotations

import math


def greedy_recompute(n: int, m: int, d: int, batch: int) -> float:
    """k-center greedy that recomputes every unlabelled row's distance to all centers per pick.

    (small-text ``GreedyCoreset``, modAL ranked batch): pick ``i`` costs ``2 u (m + i) d``.
    """
    u = n - m
    return 2.0 * u * d * (batch * m + batch * (batch - 1) / 2)


def greedy_incremental(n: int, m: int, d: int, batch: int) -> float:
    """k-center greedy with an incrementally updated min-distance over the whole pool.

    (scikit-activeml ``CoreSet``): ``2 n m d`` once, then ``2 n d`` per pick.
    """
    return 2.0 * n * d * (m + batch)


def kmeanspp_one_iter(n_rows: int, k: int, d: int) -> float:
    """scikit-learn k-means++ seeding (``2 + ln k`` candidates per center) and one Lloyd step."""
    trials = 2 + int(math.log(max(k, 1)))
    return 2.0 * n_rows * d * k * (trials + 1)


def embedding_kmeans(n: int, m: int, d: int, batch: int) -> float:
    """small-text ``EmbeddingKMeans``: k-means with k = batch on the unlabelled rows."""
    return kmeanspp_one_iter(n - m, batch, d)


def typiclust(n: int, m: int, d: int, batch: int) -> float:
    """scikit-activeml ``TypiClust``: k-means with k = m + batch on the whole pool."""
    return kmeanspp_one_iter(n, m + batch, d)
