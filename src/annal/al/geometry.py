"""Distances between a set of queries and a reference set, done with BLAS algebra.

One distance convention, shared with :mod:`annal.index`: smaller is nearer; ``cosine`` distance
is ``1 - cos`` (inputs must already be unit rows), ``ip`` distance is ``-<q, r>``, ``l2`` is the
SQUARED Euclidean distance. Everything is float32, computed in row blocks of the queries so no
``n x m`` matrix is ever held whole, and no Python loop runs over points.
"""

from __future__ import annotations

import numpy as np

from annal.index.base import normalize_rows as normalize_rows  # the one definition

METRICS = ("cosine", "ip", "l2")
AGGREGATES = ("mean", "min", "max")
_BLOCK_ELEMS = 1 << 22  # 16 MiB of float32 per block of the n x m product


def as_float32(X: np.ndarray) -> np.ndarray:
    """``X`` as a C-contiguous float32 array (no copy when it already is one)."""
    return np.ascontiguousarray(X, dtype=np.float32)


def fingerprint(X: np.ndarray) -> tuple:
    """A key that changes with the contents of ``X``: shape, dtype and a 128-bit digest.

    Strategies that cache work depending only on the embeddings (a k-means of the pool, a
    neighbour graph) key it with this, so a cached result is exactly a recomputed one.
    """
    import hashlib

    X = np.ascontiguousarray(X)
    return (X.shape, str(X.dtype), hashlib.blake2b(X.tobytes(), digest_size=16).hexdigest())


def _block_rows(m: int) -> int:
    return max(256, _BLOCK_ELEMS // max(m, 1))


def aggregate_distance(
    Q: np.ndarray, R: np.ndarray, *, metric: str = "cosine", aggregate: str = "mean"
) -> np.ndarray:
    """Mean, min or max distance from every query row to the rows of ``R``.

    Parameters
    ----------
    Q : np.ndarray of float32, shape (n, d)
        Queries (unit rows for ``cosine``).
    R : np.ndarray of float32, shape (m, d), m >= 1
        Reference set (unit rows for ``cosine``).
    metric : {"cosine", "ip", "l2"}
    aggregate : {"mean", "min", "max"}
        ``min`` is the distance to the nearest reference row, ``max`` to the farthest.

    Returns
    -------
    np.ndarray of float32, shape (n,)

    Notes
    -----
    The mean is one matrix-vector product with the mean of ``R`` (mean of ``1 - <q, r>`` over r
    is ``1 - <q, mean(R)>``; likewise for ``ip`` and squared ``l2``), never an n x m matrix.
    ``min``/``max`` cost one blocked ``Q @ R.T`` and a row reduction.
    """
    if metric not in METRICS:
        raise ValueError(f"metric must be one of {METRICS}, got {metric!r}")
    if aggregate not in AGGREGATES:
        raise ValueError(f"aggregate must be one of {AGGREGATES}, got {aggregate!r}")
    Q, R = as_float32(Q), as_float32(R)
    if aggregate == "mean":
        # mean_r <q, r> = <q, mean(R)>; for l2 also mean_r |r|^2 enters as a constant.
        sim = Q @ R.mean(axis=0, dtype=np.float64).astype(np.float32)
        if metric == "cosine":
            return (1.0 - sim).astype(np.float32)
        if metric == "ip":
            return (-sim).astype(np.float32)
        r_sq_mean = float(np.einsum("ij,ij->i", R, R).mean(dtype=np.float64))
        return np.maximum(np.einsum("ij,ij->i", Q, Q) - 2.0 * sim + r_sq_mean, 0.0).astype(
            np.float32
        )
    out = np.empty(len(Q), dtype=np.float32)
    r_sq = np.einsum("ij,ij->i", R, R) if metric == "l2" else None
    step = _block_rows(len(R))
    for start in range(0, len(Q), step):
        q = Q[start : start + step]
        S = q @ R.T
        if metric == "l2":
            # The nearest reference has the smallest |r|^2 - 2<q, r>; |q|^2 is added after.
            S *= -2.0
            S += r_sq[None, :]
            red = S.min(axis=1) if aggregate == "min" else S.max(axis=1)
            red += np.einsum("ij,ij->i", q, q)
            out[start : start + len(q)] = np.maximum(red, 0.0)
            continue
        # The nearest reference has the largest similarity, the farthest the smallest.
        best = S.max(axis=1) if aggregate == "min" else S.min(axis=1)
        out[start : start + len(q)] = 1.0 - best if metric == "cosine" else -best
    return out
