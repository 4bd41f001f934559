"""Ground truth and recall@k for the ANN benchmark.

Ground truth is the exact COSINE top-k of every query, computed separately for each k
(the paper's code compared every k against a fixed top-100 and so capped recall at
k/100). Recall@k follows ann-benchmarks: the k-th true distance is the threshold, and a
returned id counts as a hit when its true cosine distance to the query is at most that
threshold plus ``tie_eps``, so an index that returns a different member of a tie is not
penalised. Each returned id counts once; padding ids (-1) never count.
"""

from __future__ import annotations

import numpy as np

from annal.index import make_index

#: Absolute tolerance on cosine distances when deciding ties (float32 rounding is ~1e-7).
TIE_EPS = 1e-6


def true_kth_distances(
    base: np.ndarray, queries: np.ndarray, ks: list[int]
) -> dict[int, np.ndarray]:
    """The exact cosine distance of each query's k-th nearest base vector, for each k.

    Parameters
    ----------
    base : ndarray of float, shape (n, d)
    queries : ndarray of float, shape (nq, d)
    ks : list of int
        Each ``k <= n``.

    Returns
    -------
    dict of int -> ndarray of float32, shape (nq,)
    """
    exact = make_index("exact?metric=cosine").build(base)
    dist, _ = exact.search(queries, max(ks))
    return {k: dist[:, k - 1].copy() for k in ks}


def recall_at_k(
    found: np.ndarray,
    base_unit: np.ndarray,
    queries_unit: np.ndarray,
    kth: np.ndarray,
    k: int,
    tie_eps: float = TIE_EPS,
) -> float:
    """Mean share of the true top-k that an index returned, ties counted as hits.

    Parameters
    ----------
    found : ndarray of int64, shape (nq, k')
        Returned ids as positions into ``base_unit`` (-1 for empty slots); only the
        first ``k`` columns are read.
    base_unit, queries_unit : ndarray of float32, shapes (n, d) and (nq, d)
        Unit-length base and query vectors.
    kth : ndarray of float32, shape (nq,)
        The true k-th cosine distance of each query (:func:`true_kth_distances`).
    k : int

    Returns
    -------
    float
        In ``[0, 1]``.
    """
    found = np.asarray(found[:, :k], dtype=np.int64)
    # Each id counts once: flag later repeats within a row (found by sorting the row).
    order = np.argsort(found, axis=1, kind="stable")
    ranked = np.take_along_axis(found, order, axis=1)
    repeat_sorted = np.zeros(ranked.shape, dtype=bool)
    repeat_sorted[:, 1:] = ranked[:, 1:] == ranked[:, :-1]
    repeat = np.empty_like(repeat_sorted)
    np.put_along_axis(repeat, order, repeat_sorted, axis=1)
    valid = (found >= 0) & ~repeat
    safe = np.where(valid, found, 0)
    sims = np.einsum("qd,qkd->qk", queries_unit, base_unit[safe])
    hits = valid & ((1.0 - sims) <= kth[:, None] + tie_eps)
    per_query = hits.sum(axis=1) / k
    return float(per_query.mean())
