"""Semantics pinned on small hand-made pools and against brute force."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from annal.al import PoolState, make_strategy
from annal.al.geometry import aggregate_distance, normalize_rows
from annal.al.strategies.cluster import ClusterSampling, _merge_picks, allocate
from annal.al.strategies.combined import split_budget
from annal.al.strategies.coreset import k_center_greedy
from annal.al.strategies.distance import index_aggregate_distance
from annal.errors import AnnalError

from .conftest import blobs, make_state


def _brute(Q, R, metric):
    if metric == "cosine":
        return 1.0 - Q @ R.T
    if metric == "ip":
        return -(Q @ R.T)
    return ((Q[:, None, :] - R[None, :, :]) ** 2).sum(-1)


@settings(deadline=None, max_examples=30)
@given(
    n=st.integers(1, 40),
    m=st.integers(1, 30),
    seed=st.integers(0, 10**6),
    metric=st.sampled_from(["cosine", "ip", "l2"]),
)
def test_aggregate_distance_equals_brute_force_n_by_m(n, m, seed, metric):
    rng = np.random.default_rng(seed)
    Q = normalize_rows(rng.normal(size=(n, 7)))
    R = normalize_rows(rng.normal(size=(m, 7)))
    if metric != "cosine":
        Q, R = Q * 2.5, R * rng.uniform(0.5, 2, size=(m, 1)).astype(np.float32)
    D = _brute(Q.astype(np.float64), R.astype(np.float64), metric)
    for agg, ref in (("mean", D.mean(1)), ("min", D.min(1)), ("max", D.max(1))):
        got = aggregate_distance(Q, R, metric=metric, aggregate=agg)
        assert got.shape == (n,) and got.dtype == np.float32
        np.testing.assert_allclose(got, ref, atol=2e-5)


def test_index_path_matches_the_exact_path_for_flat_indexes():
    X, _ = blobs(120, 3, dim=10, seed=1)
    Q, R = X[:90], X[90:]
    for agg in ("mean", "min", "max"):
        exact = aggregate_distance(Q, R, metric="cosine", aggregate=agg)
        flat = index_aggregate_distance("faiss:flat?metric=cosine", Q, R, agg)
        np.testing.assert_allclose(flat, exact, atol=1e-5)


def _unit(*rows):
    return normalize_rows(np.array(rows, dtype=np.float64))


def test_distance_max_takes_the_farthest_and_min_the_loneliest():
    # Labelled e1, e2. p is orthogonal to both (min 1, max 1); q is nearly -e1 (min 0.8, max 1.98).
    X = _unit([1, 0, 0], [0, 1, 0], [0, 0, 1], [-1, 0.2, 0], [1, 1, 0.1])
    y = np.array([0, 1, 0, 1, 0])
    state = make_state(X, y, [0, 1])
    assert make_strategy("distance", aggregate="max").select(state, 1).tolist() == [103]
    assert make_strategy("distance", aggregate="min").select(state, 1).tolist() == [102]
    D = 1 - X[2:] @ X[:2].T
    expected_mean = 102 + int(np.argmax(D.mean(1)))
    assert make_strategy("distance", aggregate="mean").select(state, 1).tolist() == [expected_mean]


def test_distance_scores_use_only_labelled_rows_as_reference():
    X, y = blobs(50, 3, dim=5, seed=3)
    state = make_state(X, y, [1, 4, 9])
    scores = make_strategy("distance", aggregate="min").scores(state)
    U = normalize_rows(X)
    brute = (1 - U[state.unlabelled_pos] @ U[[1, 4, 9]].T).min(1)
    np.testing.assert_allclose(scores, brute, atol=1e-6)


def _naive_k_center(V, min_dist, k):
    min_dist = min_dist.copy()
    picks = []
    for _ in range(k):
        j = int(np.argmax(min_dist))
        picks.append(j)
        min_dist = np.minimum(min_dist, 1 - V @ V[j])
        min_dist[picks] = -np.inf
    return picks


@settings(deadline=None, max_examples=25)
@given(
    n=st.integers(5, 300), k=st.integers(1, 60), cand=st.integers(1, 50), seed=st.integers(0, 9999)
)
def test_k_center_greedy_with_lazy_candidates_equals_naive_greedy(n, k, cand, seed):
    rng = np.random.default_rng(seed)
    V = normalize_rows(rng.normal(size=(n, 6)))
    L = normalize_rows(rng.normal(size=(3, 6)))
    k = min(k, n)
    start = aggregate_distance(V, L, metric="cosine", aggregate="min")
    lazy = k_center_greedy(V, start.copy(), k, n_candidates=cand)
    assert lazy.tolist() == _naive_k_center(V, start, k)


def test_coreset_first_pick_is_the_point_farthest_from_the_labelled_set():
    X = _unit([1, 0, 0], [0.9, 0.1, 0], [0, 1, 0], [-1, 0, 0], [0.95, 0, 0.05])
    state = make_state(X, np.array([0, 0, 1, 1, 0]), [0])
    assert make_strategy("coreset").select(state, 1).tolist() == [103]
    # The second pick is far from both the labelled row and the first pick.
    assert make_strategy("coreset").select(state, 2).tolist() == [103, 102]


def _cluster_pool(outlier=True):
    # One cluster around e1: four members symmetric around it, one exactly at the centre
    # direction, and one outlier; plus a labelled row elsewhere.
    X = _unit(
        [0, 0, 1],  # labelled
        [1, 0.2, 0],
        [1, -0.2, 0],
        [1, 0, 0.2],
        [1, 0, -0.2],
        [1, 0, 0],  # nearest the centroid
        [1, 0.9, 0.9] if outlier else [1, 0.05, 0.0],  # the outlier: farthest from the others
    )
    return make_state(X, np.array([0, 1, 1, 1, 1, 1, 1]), [0], n_classes=2)


def test_cluster_centroid_pick_is_the_member_nearest_the_centroid():
    picked = ClusterSampling(n_clusters=1, picks=("centroid",)).select(_cluster_pool(False), 1)
    assert picked.tolist() == [105]


def test_cluster_diverse_pick_is_the_outlier_and_matches_pairwise_mean():
    state = _cluster_pool()
    picked = ClusterSampling(n_clusters=1, picks=("diverse",)).select(state, 1)
    assert picked.tolist() == [106]
    U = state.unit[1:]
    pair = 1 - U @ U.T
    mean_to_others = pair.sum(1) / (len(U) - 1)
    assert int(np.argmax(mean_to_others)) + 101 == 106


def test_merge_refills_duplicates_so_the_quota_is_exact():
    # The three picks all rank row 0 first: the later picks take their next-best instead.
    assert _merge_picks(
        [np.array([0, 1, 2, 3]), np.array([0, 2, 1, 3]), np.array([0, 1, 3, 2])], [1, 1, 1]
    ) == [0, 2, 1]
    assert _merge_picks([np.array([5, 6]), np.array([5, 6])], [1, 1]) == [5, 6]


@settings(deadline=None, max_examples=60)
@given(sizes=st.lists(st.integers(0, 50), min_size=1, max_size=12), frac=st.floats(0, 1))
def test_allocate_is_exact_capped_and_covers_clusters(sizes, frac):
    sizes = np.array(sizes)
    budget = int(frac * sizes.sum())
    quota = allocate(sizes, budget)
    assert quota.sum() == budget
    assert (quota <= sizes).all() and (quota >= 0).all()
    nonempty = int((sizes > 0).sum())
    if budget >= nonempty:
        assert (quota[sizes > 0] >= 1).all()
    else:
        assert ((quota == 1) | (quota == 0)).all()


def test_allocate_is_proportional_to_size():
    assert allocate(np.array([100, 300, 600]), 100).tolist() == [10, 30, 60]
    assert allocate(np.array([1000, 10, 5]), 3).tolist() == [1, 1, 1]
    assert allocate(np.array([1000, 10, 5]), 2).tolist() == [1, 1, 0]


def test_cluster_budget_is_exact_with_every_pick_family():
    X, y = blobs(200, 4, dim=8, seed=5)
    state = make_state(X, y, np.arange(0, 200, 9))
    for name in ("cluster", "cluster-margin"):
        for budget in (3, 10, 31, 100):
            picked = make_strategy(name, n_clusters=7).select(state, budget, seed=2)
            assert len(set(picked.tolist())) == budget


def test_cluster_initial_centroids_and_dynamic_k():
    X, y = blobs(300, 3, dim=8, seed=6, spread=0.05)
    state = make_state(X, y, np.arange(0, 300, 30), n_classes=3)
    centres = np.stack([X[y == c].mean(0) for c in range(3)])
    strategy = ClusterSampling(centroids=centres, backend="sklearn", max_iter=1)
    _, labels = strategy.cluster(state, np.random.default_rng(0))
    assert np.array_equal(labels, y[state.unlabelled_pos])  # cluster c grew around centre c
    grown = ClusterSampling(growth=4, centroids=centres).cluster(
        PoolState(state.X, state.ids, state.labelled, n_classes=3, round=2),
        np.random.default_rng(0),
    )
    assert len(grown[0]) == 3 + 4 * 2
    with pytest.raises(AnnalError, match="encoder"):
        ClusterSampling(descriptions=("a",)).select(state, 3)


def test_combined_splits_by_weight_without_duplicates():
    assert split_budget([0.5, 0.5], 7).tolist() == [4, 3]
    assert split_budget([1, 2, 1], 10).tolist() == [3, 5, 2]
    with pytest.raises(AnnalError):
        split_budget([0, 0], 3)
    X, y = blobs(150, 3, dim=8, seed=7)
    state = make_state(X, y, np.arange(0, 150, 10))
    a = make_strategy("distance").select(state, 5)
    both = make_strategy("combined", strategies="distance:1,margin:1").select(state, 10)
    assert len(set(both.tolist())) == 10
    assert set(a.tolist()) == set(both[:5].tolist())  # the first member's own picks


def test_reprs_and_registry_errors():
    assert repr(make_strategy("distance")) == (
        "DistanceSampling(aggregate='mean', index='exact?metric=cosine', large_pool=200000, "
        "pivots=512)"
    )
    assert str(make_strategy("margin")) == "MarginSampling()"
    with pytest.raises(AnnalError, match="valid: random, least-confident"):
        make_strategy("nope")
    with pytest.raises(AnnalError, match="valid: aggregate, index, large_pool, pivots"):
        make_strategy("distance", agg="max")
    with pytest.raises(AnnalError, match="aggregate"):
        make_strategy("distance", aggregate="median").select(make_state(*blobs(9, 2), [0, 1]), 2)


def test_cluster_descriptions_are_embedded_once_with_the_named_encoder(monkeypatch):
    X, y = blobs(120, 2, dim=4, seed=8, spread=0.05)
    centres = np.stack([X[y == c].mean(0) for c in range(2)])
    calls = []

    class FakeEncoder:
        name = "fake"

        def encode(self, texts):
            calls.append(list(texts))
            return centres[[0 if "first" in t else 1 for t in texts]]

    import annal.embed

    monkeypatch.setattr(annal.embed, "get_encoder", lambda spec: FakeEncoder())
    strategy = ClusterSampling(
        descriptions=("the second kind", "the first kind"),
        encoder="fake",
        backend="sklearn",
        max_iter=1,
    )
    state = make_state(X, y, [0, 1, 2], n_classes=2)
    _, labels = strategy.cluster(state, np.random.default_rng(0))
    assert np.array_equal(labels, 1 - y[state.unlabelled_pos])  # centroid 0 = "second" = class 1
    strategy.select(state, 5, seed=0)
    assert calls == [["the second kind", "the first kind"]]
