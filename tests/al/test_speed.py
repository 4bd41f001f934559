"""Speed changes that must not change the numbers: same scores, same picks as the plain way."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
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
