"""Speed changes that must not change the numbers: same scores, same picks as the plain way."""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from threadpoolctl import threadpool_info

import annal.al.strategies.coreset as coreset_mod
from annal.al import make_strategy
from annal.al.geometry import aggregate_distance, normalize_rows

from .conftest import blobs, make_state


def _blas_threads() -> list[int]:
    return [i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas"]


@settings(deadline=None, max_examples=20)
@given(
    n=st.integers(10, 400),
    n_lab=st.integers(1, 9),
    seed=st.integers(0, 10**6),
    metric=st.sampled_from(["cosine", "ip", "l2"]),
)
def test_distance_mean_scores_every_row_then_indexes_same_as_copying_unlabelled(
    n, n_lab, seed, metric
):
    X, y = blobs(n, 3, dim=16, seed=seed)
    lab = np.random.default_rng(seed).choice(n, size=n_lab, replace=False)
    state = make_state(X, y, lab.tolist())
    strategy = make_strategy("distance", aggregate="mean", index=f"exact?metric={metric}")
    V = state.unit if metric == "cosine" else state.X
    copied = aggregate_distance(
        V[state.unlabelled_pos], V[state.labelled_pos], metric=metric, aggregate="mean"
    )
    scores = strategy.scores(state)
    # BLAS may round a row's product differently by its position in the matrix (1 ulp), so
    # the scores agree to float32 rounding, and the picks agree wherever that cannot decide.
    np.testing.assert_allclose(scores, copied, rtol=1e-6, atol=1e-6)
    picks = strategy.select(state, 5, seed=1)
    order = np.sort(copied)[::-1]
    if len(order) > 5 and order[4] - order[5] > 1e-5:
        expected = state.ids[state.unlabelled_pos[np.argsort(-copied)[:5]]]
        assert set(picks.tolist()) == set(expected.tolist())
    assert not set(picks.tolist()) & set(state.ids[state.labelled_pos].tolist())


def test_coreset_pick_loop_runs_on_one_blas_thread_and_restores_the_callers(monkeypatch):
    seen: list[list[int]] = []
    original = coreset_mod._to_point

    def spy(*args, **kwargs):
        seen.append(_blas_threads())
        return original(*args, **kwargs)

    monkeypatch.setattr(coreset_mod, "_to_point", spy)
    rng = np.random.default_rng(3)
    V = normalize_rows(rng.normal(size=(300, 8)))
    start = aggregate_distance(V, V[:4], metric="cosine", aggregate="min")
    before = _blas_threads()
    picks = coreset_mod.k_center_greedy(V, start.copy(), 20)
    assert seen and all(t == [1] * len(t) for t in seen)
    assert _blas_threads() == before
    assert len(set(picks.tolist())) == 20


@settings(deadline=None, max_examples=15)
@given(
    n=st.integers(5, 300),
    k=st.integers(1, 8),
    seed=st.integers(0, 10**6),
    backend=st.sampled_from(["faiss", "sklearn"]),
)
def test_kmeans_distances_are_each_rows_squared_distance_to_its_centroid(n, k, seed, backend):
    from annal.al.kmeans import kmeans

    X = normalize_rows(np.random.default_rng(seed).normal(size=(n, 6)))
    centroids, labels, sq = kmeans(X, k, seed=seed, backend=backend, return_distances=True)
    brute = ((X[:, None, :] - centroids[None, :, :]) ** 2).sum(-1)
    np.testing.assert_allclose(sq, brute[np.arange(n), labels], atol=1e-5)
    np.testing.assert_allclose(sq, brute.min(1), atol=1e-5)  # the assigned one is the nearest
    plain_centroids, plain_labels = kmeans(X, k, seed=seed, backend=backend)
    np.testing.assert_array_equal(plain_labels, labels)
    np.testing.assert_array_equal(plain_centroids, centroids)


def test_cluster_centroid_pick_from_assignment_distances_matches_explicit_distances():
    from annal.al.strategies.cluster import ClusterSampling

    X, y = blobs(600, 6, dim=12, seed=8, spread=0.6)
    state = make_state(X, y, list(range(0, 600, 50)))
    strategy = ClusterSampling(picks=("centroid",))
    picks = strategy.select(state, 30, seed=2)
    centroids, labels = strategy.cluster(state, np.random.default_rng(2))
    U = state.unit[state.unlabelled_pos]
    dist = ((U - centroids[labels]) ** 2).sum(1)
    # nearest members of each cluster first, as many as the cluster got
    from annal.al.strategies.cluster import allocate

    quota = allocate(np.bincount(labels, minlength=len(centroids)), 30)
    expected = []
    for c, q in enumerate(quota):
        members = np.flatnonzero(labels == c)
        expected.extend(members[np.argsort(dist[members], kind="stable")[:q]].tolist())
    assert set(picks.tolist()) == set(state.ids[state.unlabelled_pos[expected]].tolist())


def test_max_points_per_centroid_is_opt_in_and_faiss_only():
    import pytest

    from annal.al.kmeans import kmeans
    from annal.al.strategies.cluster import ClusterSampling
    from annal.errors import AnnalError

    X, y = blobs(800, 4, dim=10, seed=9)
    U = normalize_rows(X)
    default = kmeans(U, 4, seed=1)
    roomy = kmeans(U, 4, seed=1, max_points_per_centroid=1000)  # >= n/k: no subsample
    np.testing.assert_array_equal(default[1], roomy[1])
    small = kmeans(U, 4, seed=1, max_points_per_centroid=16)  # trains on 64 of 800 rows
    assert small[0].shape == (4, 10) and len(small[1]) == 800
    state = make_state(X, y, [0, 1, 2, 3])
    picks = ClusterSampling(max_points_per_centroid=16).select(state, 40, seed=0)
    assert len(set(picks.tolist())) == 40
    with pytest.raises(AnnalError, match="faiss"):
        kmeans(U, 4, backend="sklearn", max_points_per_centroid=16)
    with pytest.raises(AnnalError, match=">= 1"):
        kmeans(U, 4, max_points_per_centroid=0)


@settings(
    deadline=None,
    max_examples=25,
    suppress_health_check=[HealthCheck.function_scoped_fixture],  # the same patch every example
)
@given(
    n=st.integers(2, 200),
    density=st.floats(0.0, 1.0),
    chunk=st.sampled_from([4, 16, 64, 1000]),
    seed=st.integers(0, 10**6),
)
def test_pool_probabilities_by_windows_equal_the_gathered_rows(
    monkeypatch, n, density, chunk, seed
):
    """state.proba predicts dense windows of X whole and keeps the unlabelled rows' outputs,
    sparse ones row by row: the same probabilities as predicting the unlabelled rows."""
    import annal.al.state as state_mod

    monkeypatch.setattr(state_mod, "PROBA_CHUNK", chunk)
    X, y = blobs(n, 3, dim=6, seed=seed)
    rng = np.random.default_rng(seed)
    labelled = np.flatnonzero(rng.random(n) < 1.0 - density)
    labelled = labelled if len(labelled) else [0]
    state = make_state(X, y, labelled)
    want = state.model.predict_proba(X[state.unlabelled_pos])
    got = state.proba()
    assert got.shape == want.shape and got.dtype == np.float32
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-7)
