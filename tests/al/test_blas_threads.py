"""A run's numbers do not depend on how many BLAS threads the machine offers.

A multi-threaded BLAS sums a product in another order than a single-threaded one (OpenBLAS:
not bitwise equal from about 2,000 x 64 x 10 up), so the probabilities a strategy ranks moved
by an ulp between `--jobs 1` on a 2-core machine (2 threads per worker) and `--jobs 2` or Ray
(one each): margin's near-ties then flipped and runs with the same seed diverged.
"""

from __future__ import annotations

import hashlib

import numpy as np
import pytest
from threadpoolctl import threadpool_limits

from annal.al import ActiveLearningLoop, LabelledModel, make_classifier
from annal.al.strategies.uncertainty import MarginSampling


def _blobs(n: int, d: int, k: int, seed: int):
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((k, d)).astype(np.float32)
    y = rng.integers(0, k, n)
    X = (centres[y] + 1.5 * rng.standard_normal((n, d))).astype(np.float32)
    X /= np.linalg.norm(X, axis=1, keepdims=True)
    return X, y


class RecordingMargin(MarginSampling):
    """Margin sampling that keeps a digest of the probabilities it ranked each round."""

    def __init__(self) -> None:
        super().__init__()
        self.digests: list[str] = []

    def select(self, state, budget, seed):
        self.digests.append(
            hashlib.sha256(np.ascontiguousarray(state.proba()).tobytes()).hexdigest()
        )
        return super().select(state, budget, seed)


def test_the_probabilities_a_strategy_ranks_do_not_depend_on_the_blas_thread_count():
    X, y = _blobs(4000, 64, 10, 0)
    X_test, y_test = _blobs(500, 64, 10, 1)
    model = LabelledModel(make_classifier("sgd", 0), 10).fit(X[:400], y[:400])
    with threadpool_limits(limits=1):
        one = model.predict_proba(X)
    with threadpool_limits(limits=2):
        two = model.predict_proba(X)
    if np.array_equal(one, two):
        pytest.skip("this BLAS sums the same way on one thread and on two")

    digests = []
    for threads in (1, 2):
        strategy = RecordingMargin()
        loop = ActiveLearningLoop(strategy=strategy, initial=200, budget=200, rounds=3, seed=0)
        with threadpool_limits(limits=threads):
            records = loop.run(X, y, X_test, y_test)
        digests.append((strategy.digests, [r.selected_ids for r in records]))
    assert digests[0] == digests[1]
