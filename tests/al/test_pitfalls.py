"""One test per docs/pitfalls.md item that concerns active learning (#1-#5): each would have
failed on the paper's public code."""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.linear_model import LogisticRegression

from annal.al import ActiveLearningLoop, PoolState, make_strategy
from annal.al.strategies.cluster import ClusterSampling

from .conftest import blobs, make_state


class FixedProba:
    """A 'model' whose probabilities on row i are given (for pinning uncertainty semantics)."""

    def __init__(self, table: np.ndarray) -> None:
        self.table = table

    def predict_proba(self, X):
        return self.table[np.asarray(X[:, 0], dtype=np.int64)]


def _state_with_proba(proba, labelled_rows):
    n = len(proba)
    X = np.column_stack([np.arange(n), np.ones(n)]).astype(np.float32)
    labelled = np.zeros(n, dtype=bool)
    labelled[labelled_rows] = True
    return PoolState(X, np.arange(n) + 50, labelled, model=FixedProba(proba), n_classes=3)


def test_pitfall1_entropy_takes_the_highest_entropy_and_survives_zero_probabilities():
    proba = np.array(
        [[1.0, 0.0, 0.0], [0.34, 0.33, 0.33], [0.9, 0.1, 0.0], [0.5, 0.5, 0.0], [0.98, 0.01, 0.01]]
    )
    state = _state_with_proba(proba, [])
    picked = make_strategy("entropy").select(state, 2, seed=0)
    assert sorted(picked.tolist()) == [51, 53]  # uniform-ish rows, not the confident ones
    assert np.isfinite(make_strategy("entropy").score(proba)).all()


def test_pitfall2_uncertainty_never_repicks_labelled_rows():
    # The most uncertain rows are labelled: a whole-pool ranking would return them.
    proba = np.array([[0.34, 0.33, 0.33]] * 3 + [[0.9, 0.05, 0.05]] * 3 + [[0.6, 0.4, 0.0]] * 2)
    state = _state_with_proba(proba, [0, 1, 2])
    for name in ("least-confident", "margin", "entropy"):
        picked = make_strategy(name).select(state, 4, seed=0)
        assert len(set(picked.tolist())) == 4
        assert not set(picked.tolist()) & {50, 51, 52}
        assert {56, 57} <= set(picked.tolist())  # the most uncertain unlabelled ones


def test_pitfall3_distance_is_to_the_labelled_set_not_to_pool_neighbours():
    # A tight clump of unlabelled points far from the labelled set, and a lone unlabelled point
    # close to it. Distance to pool neighbours would rank the clump LOW (its neighbours are
    # near); distance to the labelled set ranks it HIGH.
    lab = np.array([[1.0, 0.0, 0.0]] * 3)
    clump = np.array([[0.0, 1.0, 0.0], [0.0, 0.999, 0.04], [0.0, 0.999, -0.04]])
    near = np.array([[0.9, 0.0, 0.43]])
    X = np.vstack([lab, clump, near]).astype(np.float32)
    X /= np.linalg.norm(X, axis=1, keepdims=True)
    y = np.array([0, 0, 0, 1, 1, 1, 0])
    state = make_state(X, y, [0, 1, 2])
    for index in ("exact?metric=cosine", "faiss:flat?metric=cosine", "faiss:hnsw?M=8"):
        for aggregate in ("mean", "min", "max"):
            strategy = make_strategy("distance", aggregate=aggregate, index=index)
            assert sorted(strategy.select(state, 3, seed=0).tolist()) == [103, 104, 105]


def test_pitfall4_cluster_respects_the_budget_it_is_given_and_uses_ids_not_ranks():
    X, y = blobs(300, 5, dim=8, seed=2)
    ids = np.arange(300)[::-1].copy() * 7 + 1  # ids unlike positions or ranks
    state = make_state(X, y, np.arange(0, 300, 10), ids=ids)
    for budget in (1, 2, 4, 7, 12, 50):
        picked = ClusterSampling(n_clusters=12).select(state, budget, seed=1)
        assert len(picked) == len(set(picked.tolist())) == budget
        assert set(picked.tolist()) <= set(ids[~state.labelled].tolist())
    combined = make_strategy("combined", strategies="cluster:0.5,distance:0.5")
    assert len(set(combined.select(state, 9, seed=0).tolist())) == 9


class _FitSpy(ClassifierMixin, BaseEstimator):
    """Records every fit in a class-level log; refuses partial_fit."""

    log: list = []

    def __init__(self, random_state=None):
        self.random_state = random_state

    def fit(self, X, y):
        _FitSpy.log.append((id(self), len(X), hasattr(self, "inner_")))
        self.inner_ = LogisticRegression(max_iter=200).fit(X, y)
        self.classes_ = self.inner_.classes_
        return self

    def partial_fit(self, X, y, classes=None):  # pragma: no cover - must never run
        raise AssertionError("partial_fit must not be used")

    def predict_proba(self, X):
        return self.inner_.predict_proba(X)

    def predict(self, X):
        return self.inner_.predict(X)


def test_pitfall5_each_round_fits_a_fresh_model_on_the_whole_labelled_set():
    X, y = blobs(400, 3, dim=8, seed=4)
    _FitSpy.log.clear()
    records = ActiveLearningLoop(
        "margin", classifier=_FitSpy(), initial=20, budget=10, rounds=3
    ).run(X[:300], y[:300], X[300:], y[300:])
    assert [n for _, n, _ in _FitSpy.log] == [r.n_labelled for r in records] == [20, 30, 40, 50]
    assert not any(refit for _, _, refit in _FitSpy.log)  # never a previously fitted object
    assert len({obj for obj, _, _ in _FitSpy.log}) == 4
