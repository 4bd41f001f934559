"""Semantics of the strategies from the literature, pinned on tiny hand-made pools, and the
loop's sequential mode."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import entropy as kl_divergence

from annal.al import ActiveLearningLoop, PoolState, make_initializer, make_strategy
from annal.al.strategies.badge import gradient_factors, gradient_sq_distances
from annal.al.strategies.cal import contrastive_scores
from annal.al.strategies.class_balanced import balancing_quotas
from annal.al.strategies.direct import threshold_scores, uncertainty_region
from annal.al.strategies.probcover import purity_delta
from annal.al.strategies.typiclust import typicality
from annal.al.strategies.uncertainty import class_margins, margin_uncertainty

from .conftest import blobs, make_state


class FirstColumnsProba:
    """A 'model' whose probabilities are the first ``c`` columns of X (rows sum to one)."""

    def __init__(self, n_classes: int) -> None:
        self.n_classes = n_classes

    def predict_proba(self, X):
        return np.asarray(X[:, : self.n_classes], dtype=np.float32)


def _pool(p0, labels, oracle_labels=None):
    """Two classes; row i has p = (p0[i], 1 - p0[i]); ``labels`` -1 = unlabelled."""
    p0 = np.asarray(p0, dtype=np.float32)
    labels = np.asarray(labels, dtype=np.int64)
    X = np.column_stack([p0, 1 - p0, np.arange(len(p0))]).astype(np.float32)
    ids = np.arange(len(p0), dtype=np.int64) + 100
    oracle = None
    if oracle_labels is not None:
        truth = np.asarray(oracle_labels, dtype=np.int64)
        asked = []

        def oracle(q):
            asked.extend(q.tolist())
            return truth[q - 100]

        oracle.asked = asked
    state = PoolState(
        X,
        ids,
        labels >= 0,
        model=FirstColumnsProba(2),
        n_classes=2,
        labels=labels,
        oracle=oracle,
    )
    return state, oracle


# Line of class 0 (p0 descending = row order): labelled 0 @0, 1 @5, 0 @6, 1 @10.
# Mixed gaps: rows 1-4 (length 4) and rows 7-9 (length 3); 5|6 is a cut edge.
GALAXY_P0 = np.linspace(0.99, 0.01, 12)
GALAXY_LABELS = [0, -1, -1, -1, -1, 1, 0, -1, -1, -1, 1, -1]


@pytest.mark.parametrize("seed", range(5))
def test_galaxy_queries_the_midpoint_of_the_shortest_mixed_label_gap(seed):
    state, _ = _pool(GALAXY_P0, GALAXY_LABELS)
    assert make_strategy("galaxy").select(state, 1, seed=seed).tolist() == [108]


@pytest.mark.parametrize(("answer", "second"), [(0, 109), (1, 107)])
def test_galaxy_in_sequential_mode_uses_the_answer_for_the_next_pick(answer, second):
    truth = np.array([0, 0, 0, 1, 1, 1, 0, 0, answer, 1, 1, 1])
    state, oracle = _pool(GALAXY_P0, GALAXY_LABELS, truth)
    picked = make_strategy("galaxy").select(state, 2, seed=0)
    # Row 8 answered 0 leaves the gap 9 (between 8 and 10); answered 1 leaves 7.
    assert picked.tolist() == [108, second]
    assert oracle.asked == [108, second]


def test_galaxy_in_batch_mode_takes_the_predicted_class_as_the_answer():
    state, _ = _pool(GALAXY_P0, GALAXY_LABELS)
    # Row 8 has p0 = 0.27: predicted class 1, so the next shortest gap is row 7.
    assert make_strategy("galaxy").select(state, 2, seed=0).tolist() == [108, 107]


def test_class_margins_are_one_vs_rest():
    p = np.array([[0.6, 0.3, 0.1], [0.2, 0.2, 0.6]], dtype=np.float32)
    expected = [[0.3, -0.3, -0.5], [-0.4, -0.4, 0.4]]
    np.testing.assert_allclose(class_margins(p), expected, atol=1e-6)


def test_balancing_quotas_water_fill_the_rarest_classes_first():
    rng = np.random.default_rng(0)
    # Labelled 5/1/1; predicted 50/3/5. Class 1 (fewer predicted) wins the 1-1 ties.
    quotas, order = balancing_quotas(np.array([5, 1, 1]), np.array([50, 3, 5]), 4, rng)
    assert quotas.tolist() == [0, 2, 2] and order.tolist() == [1, 2]
    # Class 1 runs out of predicted rows at 3; the rest flows to 2, then to 0.
    quotas, order = balancing_quotas(np.array([5, 1, 1]), np.array([50, 3, 5]), 12, rng)
    assert quotas.tolist() == [4, 3, 5] and order.tolist() == [1, 2, 0]


def test_class_balanced_spreads_margin_picks_over_predicted_classes_rarest_first():
    # Three classes; predicted class = argmax. Labelled: five of class 0, one each of 1 and 2.
    proba = np.array(
        [[0.9, 0.05, 0.05]] * 5
        + [[0.5, 0.45, 0.05], [0.6, 0.3, 0.1], [0.55, 0.44, 0.01]]  # predicted 0, small margins
        + [[0.1, 0.5, 0.4], [0.2, 0.7, 0.1], [0.05, 0.9, 0.05]]  # predicted 1
        + [[0.3, 0.3, 0.4], [0.1, 0.1, 0.8], [0.0, 0.2, 0.8], [0.0, 0.4, 0.6], [0.0, 0.1, 0.9]]
        + [[0.05, 0.9, 0.05], [0.05, 0.05, 0.9]],  # labelled 1 and 2
        dtype=np.float32,
    )
    labels = np.array([0] * 5 + [-1] * 11 + [1, 2])
    X = np.column_stack([proba, np.arange(len(proba))]).astype(np.float32)
    state = PoolState(
        X, np.arange(len(X)), labels >= 0, model=FirstColumnsProba(3), n_classes=3, labels=labels
    )
    picked = make_strategy("class-balanced").select(state, 4, seed=0).tolist()
    # Class 1 (3 predicted rows) first: its two smallest margins (rows 8, 9); then class 2:
    # rows 11 (0.1) and 14 (0.2); none of the predicted-0 rows despite their small margins.
    assert picked == [8, 9, 11, 14]
    plain = make_strategy("margin").select(state, 4, seed=0).tolist()
    assert {5, 7} <= set(plain)


def test_badge_implicit_distances_equal_materialised_gradient_embeddings():
    rng = np.random.default_rng(3)
    proba = rng.dirichlet(np.ones(4), size=9)
    X = rng.normal(size=(9, 5))
    A = gradient_factors(proba)
    G = np.einsum("ic,id->icd", A, X).reshape(9, -1)  # (p - onehot(yhat)) (x) x, materialised
    sq = np.einsum("ij,ij->i", A, A) * np.einsum("ij,ij->i", X, X)
    np.testing.assert_allclose(sq, (G**2).sum(1), rtol=1e-10)
    for j in range(9):
        brute = ((G - G[j]) ** 2).sum(1)
        np.testing.assert_allclose(gradient_sq_distances(A, X, j, sq), brute, atol=1e-10)


def test_badge_starts_with_the_largest_gradient_norm():
    X, y = blobs(40, 3, dim=5, seed=2)
    state = make_state(X, y, [0, 1, 2, 3, 4, 5])
    A = gradient_factors(state.proba())
    norms = (A**2).sum(1) * (state.X[state.unlabelled_pos] ** 2).sum(1)
    first = make_strategy("badge").select(state, 3, seed=1)[0]
    assert first == state.ids[state.unlabelled_pos[np.argmax(norms)]]


def test_direct_threshold_scores_and_uncertainty_region_match_brute_force():
    w = np.array([1, 1, 0, -1, 1, 0, 0, -1, -1])
    brute = [sum(w[:t]) - sum(w[t:]) for t in range(len(w) + 1)]
    assert threshold_scores(w).tolist() == brute
    # Pure "k" top ends at 1 (the first "not k" is at 3); pure "not k" bottom starts at 7.
    assert uncertainty_region(w) == (1, 7)
    assert uncertainty_region(np.array([0, 0, 0])) == (0, 2)
    assert uncertainty_region(np.array([-1, 0, 1, 0])) == (0, 3)


def test_direct_in_batch_mode_queries_around_the_best_threshold():
    # Class 0's line is the row order; labelled 0 @0..2, 1 @9..11: best threshold at 3..9.
    p0 = np.linspace(0.99, 0.01, 12)
    labels = [0, 0, 0] + [-1] * 6 + [1, 1, 1]
    state, _ = _pool(p0, labels)
    picked = make_strategy("direct", search_share=0.0).select(state, 2, seed=0)
    # The best threshold is the first that scores highest: 3. Around it, above first (none
    # free above), below: rows 3 and 4 for the first class; the second class (reversed
    # line) sees the same labelled rows and takes the free rows nearest its threshold.
    assert set(picked.tolist()) <= {103, 104, 105, 106, 107, 108}
    assert 103 in picked.tolist() or 108 in picked.tolist()


def test_direct_in_sequential_mode_asks_only_its_search_picks():
    p0 = np.linspace(0.99, 0.01, 40)
    labels = np.full(40, -1)
    labels[[0, 1, 38, 39]] = [0, 0, 1, 1]
    truth = (np.arange(40) >= 20).astype(np.int64)
    state, oracle = _pool(p0, labels, truth)
    picked = make_strategy("direct", annotators=2).select(state, 8, seed=0).tolist()
    assert len(picked) == 8 and len(oracle.asked) == 4  # half the budget searches
    assert set(oracle.asked) <= set(picked)


def test_margin_kmeans_with_beta_one_is_margin_and_stays_within_the_prefilter():
    X, y = blobs(80, 3, dim=6, seed=4)
    state = make_state(X, y, range(10))
    margin = make_strategy("margin").select(state, 5, seed=0)
    assert set(make_strategy("margin-kmeans", beta=1).select(state, 5, seed=0)) == set(margin)
    top = make_strategy("margin").select(state, 15, seed=0)
    assert set(make_strategy("margin-kmeans", beta=3).select(state, 5, seed=0)) <= set(top)


def test_cal_scores_are_the_mean_kl_to_labelled_neighbours():
    rng = np.random.default_rng(5)
    nb = rng.dirichlet(np.ones(3), size=(4, 2))
    p = rng.dirichlet(np.ones(3), size=4)
    valid = np.array([[True, True], [True, False], [True, True], [False, False]])
    got = contrastive_scores(nb, p, valid)
    for i in range(3):
        ks = [kl_divergence(nb[i, j], p[i]) for j in range(2) if valid[i, j]]
        assert got[i] == pytest.approx(np.mean(ks), rel=1e-6)
    assert got[3] == 0.0


def test_cal_picks_the_row_predicted_unlike_its_labelled_neighbours():
    # Rows 0-3 labelled near (1, 0); row 4 sits among them but is predicted as class 1.
    proba = np.array([[0.9, 0.1]] * 4 + [[0.2, 0.8], [0.85, 0.15], [0.5, 0.5]], dtype=np.float32)
    emb = np.array([[1, 0], [1, 0.05], [1, -0.05], [1, 0.1], [1, 0.02], [1, -0.02], [0, 1]])
    X = np.column_stack([proba, emb]).astype(np.float32)
    labels = np.array([0, 0, 0, 0, -1, -1, -1])
    state = PoolState(
        X, np.arange(7), labels >= 0, model=FirstColumnsProba(2), n_classes=2, labels=labels
    )
    assert make_strategy("cal", n_neighbors=3).select(state, 1, seed=0).tolist() == [4]


def test_typicality_is_highest_in_the_densest_spot():
    V = np.array([[0, 0], [0.1, 0], [-0.1, 0], [0, 0.1], [0, -0.1], [0.3, 0.3], [3, 3]])
    typ = typicality(V.astype(np.float32), 4, "exact?metric=l2")
    assert int(np.argmax(typ)) == 0 and int(np.argmin(typ)) == 6


def test_typiclust_covers_the_unlabelled_cluster_first():
    rng = np.random.default_rng(0)
    a = rng.normal([5, 0, 0], 0.05, size=(20, 3))
    b = rng.normal([0, 5, 0], 0.05, size=(20, 3))
    X = np.vstack([a, b]).astype(np.float32)
    y = np.repeat([0, 1], 20)
    state = make_state(X, y, [0, 1])  # two labelled rows in cluster a
    picked = make_strategy("typiclust", min_cluster_size=1).select(state, 1, seed=0)
    assert picked[0] >= 120  # a row of cluster b (ids start at 100)


def test_probcover_delta_is_the_purity_quantile_and_greedy_covers_big_balls_first():
    rng = np.random.default_rng(1)
    big = rng.normal([1, 0, 0], 0.01, size=(6, 3))
    small = rng.normal([0, 1, 0], 0.01, size=(3, 3))
    X = np.vstack([big, small]).astype(np.float32)
    y = np.array([0] * 6 + [1] * 3)
    state = make_state(X, y, [])
    picked = make_strategy("probcover", delta=0.1).select(state, 2, seed=0)
    assert picked[0] < 106 <= picked[1]  # the big group's ball first, then the small one
    labelled = make_state(X, y, [0])  # the big group is covered by its labelled row
    assert make_strategy("probcover", delta=0.1).select(labelled, 1, seed=0)[0] >= 106
    # Purity: one row's nearest other-cluster row is at 0.1, the others' at 0.5 or more.
    dist = np.array([[0, 0.1, 0.5], [0, 0.5, 0.6], [0, 0.7, 0.8], [0, 0.9, 1.0]])
    found = np.array([[0, 1, 2], [1, 0, 3], [2, 0, 3], [3, 2, 1]])
    clusters = np.array([0, 1, 0, 1])
    assert purity_delta(dist, found, clusters, 0.75) == pytest.approx(0.5)


@pytest.mark.parametrize("name", ["typiclust", "probcover"])
def test_cold_start_initialisers_cover_the_clusters(name):
    rng = np.random.default_rng(2)
    centers = np.eye(4, 8) * 5
    X = np.vstack([rng.normal(c, 0.1, size=(25, 8)) for c in centers]).astype(np.float32)
    ids = np.arange(100, dtype=np.int64)
    picked = make_initializer(name).select(X, ids, 4, seed=0, n_classes=4)
    assert sorted((picked // 25).tolist()) == [0, 1, 2, 3]


def test_sequential_loop_asks_every_row_once_and_matches_for_the_same_seed():
    X, y = blobs(120, 3, dim=6, seed=7)
    asked = []

    def oracle(ids):
        asked.extend(ids.tolist())
        return y[ids]

    loop = ActiveLearningLoop("galaxy", initial=10, budget=8, rounds=3, sequential=True)
    records = loop.run(X[:100], None, X[100:], y[100:], oracle=oracle)
    chosen = [i for r in records for i in r.selected_ids]
    assert len(asked) == len(set(asked)) == 10 + len(chosen)
    again = ActiveLearningLoop("galaxy", initial=10, budget=8, rounds=3, sequential=True)
    assert [r.selected_ids for r in again.run(X[:100], y[:100], X[100:], y[100:])] == [
        r.selected_ids for r in records
    ]
    assert "sequential=True" in repr(loop)


def test_margin_uncertainty_is_the_prefilter_score():
    p = np.array([[0.5, 0.4, 0.1], [0.9, 0.05, 0.05]], dtype=np.float32)
    np.testing.assert_allclose(margin_uncertainty(p), [-0.1, -0.85], atol=1e-6)
