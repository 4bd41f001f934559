"""The LSH mean distance without a search equals the mean over a search of every row."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from annal.al.strategies.distance import index_aggregate_distance
from annal.index import make_index


@settings(deadline=None, max_examples=12)
@given(
    nbits=st.sampled_from([1, 5, 8, 12, 16]),
    m=st.integers(1, 60),
    u=st.integers(1, 60),
    d=st.integers(2, 24),
    seed=st.integers(0, 10**6),
)
def test_lsh_mean_distance_equals_the_mean_over_a_full_search(nbits, m, u, d, seed):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((m + u, d)).astype(np.float32)
    X[m:] = X[rng.integers(0, m + u, u)]  # repeated rows: equal codes
    X /= np.maximum(np.linalg.norm(X, axis=1, keepdims=True), 1e-6)
    spec = f"faiss:lsh?nbits={nbits}"
    got = index_aggregate_distance(spec, X[m:], X[:m], "mean")
    dist, _ = make_index(spec).build(X[:m], ids=np.arange(m)).search(X[m:], m)
    assert got.dtype == np.float32 and got.shape == (u,)
    np.testing.assert_allclose(got, dist.mean(axis=1), rtol=0, atol=1e-6)


def test_distance_scores_from_the_pool_codes_equal_an_index_of_each_round():
    from annal.al.state import PoolState
    from annal.al.strategies.distance import DistanceSampling

    rng = np.random.default_rng(3)
    strat = DistanceSampling(aggregate="mean", index="faiss:lsh?nbits=16")
    for n in (300, 200):  # a second pool (another array) must not reuse the first's codes
        X = rng.standard_normal((n, 12)).astype(np.float32)
        labelled = np.zeros(n, dtype=bool)
        for _ in range(3):  # rounds: the labelled set grows, the codes are reused
            labelled[rng.choice(n, 20, replace=False)] = True
            state = PoolState(X, np.arange(n), labelled)
            want = index_aggregate_distance("faiss:lsh?nbits=16", X[~labelled], X[labelled], "mean")
            np.testing.assert_array_equal(strat.scores(state), want)
