"""Large-pool paths (issue 14): the pivot index's bounds are bounds, distance and core-set give
the exact batch through it, cluster samples k-means and assigns through an index; all on a
float16 pool read in blocks."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from annal.al import PoolState, make_strategy
from annal.al.geometry import aggregate_distance, normalize_rows
from annal.al.models import LabelledModel, make_classifier
from annal.al.pivots import PivotIndex, largest_distances, pool_bounds

from .conftest import blobs


@settings(deadline=None, max_examples=30)
@given(
    n=st.integers(5, 300),
    m=st.integers(1, 120),
    dim=st.integers(2, 12),
    pivots=st.integers(1, 40),
    seed=st.integers(0, 2**31 - 1),
)
def test_pivot_bounds_are_upper_bounds_and_the_largest_distances_exact(n, m, dim, pivots, seed):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n + m, dim)).astype(np.float32)
    X[: n // 2] *= 0.2  # uneven density
    R = normalize_rows(X[n:])
    index = PivotIndex(R, pivots, seed=seed % 1000)
    pos = np.arange(n)
    for aggregate in ("min", "max"):
        exact = aggregate_distance(normalize_rows(X[:n]), R, aggregate=aggregate)
        assert np.all(pool_bounds(index, X, pos, aggregate) >= exact - 1e-5)
        k = int(rng.integers(1, n + 1))
        scores, computed = largest_distances(index, X, pos, k, aggregate)
        top = np.sort(scores)[::-1][:k]
        assert np.allclose(top, np.sort(exact)[::-1][:k], atol=1e-5)
        assert k <= computed <= n


def _large_state(tmp_path, n=6000, labelled=400, model=False):
    X, y = blobs(n, 6, dim=24, seed=3, spread=0.8)
    path = tmp_path / "pool.npy"
    np.save(path, X.astype(np.float16))
    mm = np.load(path, mmap_mode="r")
    lab = np.zeros(n, dtype=bool)
    lab[np.random.default_rng(1).choice(n, labelled, replace=False)] = True
    fitted = None
    if model:
        fitted = LabelledModel(make_classifier("sgd", 0), 6).fit(X[lab], y[lab])
    return mm, PoolState(mm, np.arange(n) * 7 + 2, lab, n_classes=6, model=fitted)


@pytest.mark.parametrize(
    ("name", "params"),
    [("distance", {"aggregate": "min"}), ("distance", {"aggregate": "max"}), ("coreset", {})],
)
def test_the_pivot_path_gives_the_exact_batch(tmp_path, monkeypatch, name, params):
    """Same batch (as a set) as the exact n x m path on a float32 pool; on a float16 pool kept
    float16, core-set's greedy may move a pick or two (its unit rows are rounded to float16)."""
    import annal.al.state as state_module

    mm, state32 = _large_state(tmp_path)
    monkeypatch.setattr(state_module, "LARGE_POOL_BYTES", 1000)
    _, state = _large_state(tmp_path)
    assert state.X.dtype == np.float16 and state32.X.dtype == np.float32
    exact = make_strategy(name, **params)
    fast = make_strategy(name, large_pool=1000, pivots=32, **params)
    assert not exact.uses_pivots(state) and fast.uses_pivots(state)
    assert "large_pool=1000" in repr(fast) and "pivots=32" in repr(fast)
    want = exact.select(state32, 150, seed=5)
    assert set(fast.select(state32, 150, seed=5).tolist()) == set(want.tolist())
    got = fast.select(state, 150, seed=5)
    same = len(set(got.tolist()) & set(exact.select(state, 150, seed=5).tolist()))
    assert same == 150 if name == "distance" else same >= 145
    assert np.array_equal(got, fast.select(state, 150, seed=5))  # deterministic


def test_cluster_on_a_large_pool_samples_kmeans_and_assigns_through_an_index(tmp_path, monkeypatch):
    import annal.al.state as state_module

    monkeypatch.setattr(state_module, "LARGE_POOL_BYTES", 1000)
    mm, state = _large_state(tmp_path, model=True)
    fast = make_strategy("cluster", large_pool=1000, max_points_per_centroid=64)
    assert fast.uses_sample(state) and "large_pool=1000" in repr(fast)
    seen = []
    import annal.al.strategies.cluster as cluster_module

    original = cluster_module.kmeans

    def spy(U, *args, **kw):
        seen.append(len(U))
        return original(U, *args, **kw)

    monkeypatch.setattr(cluster_module, "kmeans", spy)
    got = fast.select(state, 120, seed=2)
    assert seen == [64 * 6]  # k-means saw a sample of 64 rows per centroid, not the pool
    assert len(set(got.tolist())) == 120
    assert set(got.tolist()) <= set(state.ids[~state.labelled].tolist())
    assert np.array_equal(got, fast.select(state, 120, seed=2))
    # The picks stay spread like the exact path's: every k-means cluster of the exact run
    # that gets rows from it gets some from the sampled run too (same k, same data).
    exact = make_strategy("cluster").select(state, 120, seed=2)
    y_blob = blobs(6000, 6, dim=24, seed=3, spread=0.8)[1]
    pos_got = (got - 2) // 7
    pos_exact = (exact - 2) // 7
    assert set(np.unique(y_blob[pos_got])) == set(np.unique(y_blob[pos_exact]))
