"""Uncertainty sampling: least-confident, margin and entropy, ranked over the unlabelled pool.

Each scores the classifier's probabilities on the UNLABELLED rows only (never the whole pool:
docs/pitfalls.md #2) and takes the most uncertain: largest ``1 - max p``, smallest gap between
the two largest ``p``, HIGHEST entropy (docs/pitfalls.md #1; ``0 log 0`` is taken as 0).
"""

from __future__ import annotations

import numpy as np
from scipy.special import entr

from annal.al.state import PoolState
from annal.al.strategies.base import Strategy, top_k

#: Values per block of :func:`margin_uncertainty` (256 KiB of float32: stays in cache).
_BLOCK_VALUES = 1 << 16


def least_confidence(proba: np.ndarray) -> np.ndarray:
    """``1 - max p`` per row of ``proba`` (n, c); higher is more uncertain."""
    return 1.0 - proba.max(axis=1)


def margin_uncertainty(proba: np.ndarray) -> np.ndarray:
    """Minus the gap between the two largest probabilities per row; higher is more uncertain.

    ``proba`` holds probabilities (in [0, 1]). Computed a block of rows at a time in cache,
    without sorting: the row maximum, then the maximum once the maximal entries are lowered by
    1 (below every other probability), which is the second largest; rows whose maximum occurs
    twice have a gap of 0.
    """
    proba = np.asarray(proba)
    n, c = proba.shape
    if c < 2:
        return np.zeros(n, dtype=np.float32)
    out = np.empty(n, dtype=proba.dtype)
    step = max(1, _BLOCK_VALUES // c)
    first = np.empty(min(step, n), dtype=proba.dtype)
    second = np.empty_like(first)
    is_max = np.empty((len(first), c), dtype=bool)
    lowered = np.empty((len(first), c), dtype=proba.dtype)
    for start in range(0, n, step):
        block = proba[start : start + step]
        r = len(block)
        m1, m2, eq, low = first[:r], second[:r], is_max[:r], lowered[:r]
        np.max(block, axis=1, out=m1)
        np.equal(block, m1[:, None], out=eq)
        np.subtract(block, eq, out=low)
        np.max(low, axis=1, out=m2)
        if np.count_nonzero(eq) > r:  # a tie for the maximum somewhere in the block
            twice = np.count_nonzero(eq, axis=1) > 1
            m2[twice] = m1[twice]
        np.subtract(m2, m1, out=out[start : start + r])
    return out


def class_margins(proba: np.ndarray) -> np.ndarray:
    """One-vs-rest margins ``p_k - max_{j != k} p_j`` of every row and class, float32 (n, c).

    Positive only for a row's most likely class; sorting a column in descending order lines the
    pool up from "surely k" to "surely not k" (the 1-D graphs of GALAXY and DIRECT). With a
    single class the margin is ``p_0``.
    """
    proba = np.asarray(proba, dtype=np.float32)
    n, c = proba.shape
    if c < 2:
        return proba.copy()
    top = np.argmax(proba, axis=1)
    top2 = np.partition(proba, -2, axis=1)[:, -2:]
    rival = np.repeat(top2[:, 1:2], c, axis=1)  # the best other class is the top one ...
    rival[np.arange(n), top] = top2[:, 0]  # ... except for the top class itself
    return proba - rival


def entropy(proba: np.ndarray) -> np.ndarray:
    """Shannon entropy (nats) per row of ``proba`` (n, c); ``0 log 0 = 0``; higher is more uncertain."""
    return entr(proba.astype(np.float64)).sum(axis=1)


class _UncertaintySampling(Strategy):
    needs_proba = True

    @staticmethod
    def score(proba: np.ndarray) -> np.ndarray:  # pragma: no cover - overridden
        raise NotImplementedError

    def _select(self, state: PoolState, k: int, rng: np.random.Generator) -> np.ndarray:
        return state.unlabelled_pos[top_k(self.score(state.proba()), k, rng)]


class LeastConfidentSampling(_UncertaintySampling):
    """The rows whose most likely class has the lowest probability."""

    name = "least-confident"
    score = staticmethod(least_confidence)


class MarginSampling(_UncertaintySampling):
    """The rows with the smallest gap between the two most likely classes."""

    name = "margin"
    score = staticmethod(margin_uncertainty)


class EntropySampling(_UncertaintySampling):
    """The rows with the highest entropy of the class probabilities."""

    name = "entropy"
    score = staticmethod(entropy)
