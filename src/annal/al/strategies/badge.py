"""BADGE: batch active learning by diverse gradient embeddings (Ash et al., ICLR 2020).

For a linear softmax classifier the gradient of the loss at the predicted label ``yhat`` with
respect to the weights is ``g = (p - onehot(yhat)) (x)  x`` (an outer product, ``c * d`` numbers per
row). BADGE seeds k-means++ on these embeddings: the first pick has the largest ``||g||``, each
next one is drawn with probability proportional to its squared distance to the nearest pick.
The embeddings are never built: ``||g_i||^2 = ||a_i||^2 ||x_i||^2`` and
``<g_i, g_j> = <a_i, a_j> <x_i, x_j>`` with ``a = p - onehot(yhat)``, so a pick costs one
matrix-vector product with ``X`` and one with ``A``.
"""

from __future__ import annotations

import numpy as np

from annal.al.state import PoolState
from annal.al.strategies.base import Strategy, top_k


def gradient_factors(proba: np.ndarray) -> np.ndarray:
    """``a = p - onehot(argmax p)`` per row, float64 (n, c)."""
    a = np.asarray(proba, dtype=np.float64).copy()
    a[np.arange(len(a)), np.argmax(a, axis=1)] -= 1.0
    return a


def gradient_sq_distances(A: np.ndarray, X: np.ndarray, j: int, sq_norms: np.ndarray) -> np.ndarray:
    """Squared distances of every implicit gradient embedding ``a_i (x) x_i`` to that of row ``j``.

    Parameters
    ----------
    A : np.ndarray, shape (n, c)
        Gradient factors (:func:`gradient_factors`).
    X : np.ndarray, shape (n, d)
        Features the classifier sees.
    j : int
        The reference row.
    sq_norms : np.ndarray, shape (n,)
        ``||a_i||^2 ||x_i||^2``.

    Returns
    -------
    np.ndarray of float64, shape (n,)
    """
    inner = (A @ A[j]) * (X @ X[j]).astype(np.float64)
    return np.maximum(sq_norms + sq_norms[j] - 2.0 * inner, 0.0)


class BadgeSampling(Strategy):
    """k-means++ seeding on the (implicit) last-layer gradient embeddings."""

    name = "badge"
    needs_proba = True

    def __init__(self) -> None:
        pass

    def _select(self, state: PoolState, k: int, rng: np.random.Generator) -> np.ndarray:
        A = gradient_factors(state.proba())
        X = state.X[state.unlabelled_pos]
        sq_norms = np.einsum("ij,ij->i", A, A) * np.einsum("ij,ij->i", X, X).astype(np.float64)
        first = int(top_k(sq_norms, 1, rng)[0])
        picked = [first]
        min_d2 = gradient_sq_distances(A, X, first, sq_norms)
        min_d2[first] = 0.0
        taken = np.zeros(len(X), dtype=bool)
        taken[first] = True
        while len(picked) < k:
            total = float(min_d2.sum())
            if total > 0:
                nxt = int(rng.choice(len(X), p=min_d2 / total))
            else:  # every row coincides with a pick: any untaken row
                free = np.flatnonzero(~taken)
                nxt = int(free[rng.integers(len(free))])
            picked.append(nxt)
            taken[nxt] = True
            np.minimum(min_d2, gradient_sq_distances(A, X, nxt, sq_norms), out=min_d2)
            min_d2[taken] = 0.0
        return state.unlabelled_pos[np.asarray(picked, dtype=np.int64)]
