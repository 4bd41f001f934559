"""Hypothesis properties of every strategy and initialiser: exact size, unique, only unlabelled
ids, deterministic for a seed, budget >= remaining pool, pools of a single class."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from annal.al import INITIALIZERS, STRATEGIES, make_initializer, make_strategy

from .conftest import blobs, make_state

VARIANTS = [(name, {}) for name in STRATEGIES] + [
    ("distance", {"aggregate": "min"}),
    ("distance", {"aggregate": "max"}),
    ("distance", {"aggregate": "max", "index": "exact?metric=l2"}),
    ("distance", {"aggregate": "min", "index": "faiss:lsh?nbits=16"}),
    ("distance", {"aggregate": "mean", "index": "faiss:hnsw?M=8&efSearch=16"}),
    ("cluster", {"backend": "sklearn", "n_clusters": 3}),
    ("cluster", {"growth": 2, "picks": ("centroid", "diverse")}),
    ("coreset", {"metric": "l2"}),
    ("combined", {"strategies": "margin:1,coreset:2,random:0.5"}),
    ("class-balanced", {"base": "entropy"}),
    ("class-balanced", {"base": "coreset"}),
    ("margin-kmeans", {"beta": 2, "backend": "sklearn"}),
    ("direct", {"annotators": 1}),
    ("cal", {"n_neighbors": 3, "index": "faiss:hnsw?M=8&efSearch=16"}),
    ("typiclust", {"n_neighbors": 3, "max_clusters": 4}),
    ("probcover", {"delta": 0.3}),
    ("combined", {"strategies": "galaxy:1,badge:1,probcover:1"}),
]
#: Strategies that ask the oracle inside a round when the loop runs in sequential mode.
SEQUENTIAL = [
    ("galaxy", {}),
    ("direct", {}),
    ("direct", {"annotators": 2}),
    ("class-balanced", {"base": "galaxy"}),
]

pools = st.fixed_dictionaries(
    {
        "n": st.integers(2, 60),
        "n_classes": st.integers(1, 4),
        "data_seed": st.integers(0, 10**6),
        "labelled_share": st.floats(0.02, 0.9),
        "budget": st.integers(1, 70),
        "seed": st.integers(0, 2**31 - 1),
    }
)


ONE_CLASS = {"n": 30, "n_classes": 1, "data_seed": 1, "labelled_share": 0.2, "budget": 7, "seed": 3}
ALL_LEFT = {"n": 12, "n_classes": 3, "data_seed": 2, "labelled_share": 0.5, "budget": 70, "seed": 4}


def _build(p, sequential=False):
    X, y = blobs(p["n"], p["n_classes"], dim=6, seed=p["data_seed"])
    y = y % p["n_classes"]
    rng = np.random.default_rng(p["data_seed"])
    n_lab = min(p["n"] - 1, max(1, int(p["labelled_share"] * p["n"])))
    state = make_state(X, y, rng.choice(p["n"], n_lab, replace=False), n_classes=p["n_classes"])
    if sequential:
        asked = []

        def oracle(ids):
            assert not np.isin(ids, state.ids[state.labelled]).any()
            asked.extend(ids.tolist())
            return y[ids - state.ids[0]]

        state.oracle, state.asked = oracle, asked
    return state


@pytest.mark.parametrize(("name", "params"), VARIANTS, ids=lambda v: str(v))
@settings(deadline=None, max_examples=20)
@given(p=pools)
@example(p=ONE_CLASS)
@example(p=ALL_LEFT)
def test_every_strategy_returns_exactly_the_budget_of_unique_unlabelled_ids(name, params, p):
    state = _build(p)
    strategy = make_strategy(name, **params)
    picked = strategy.select(state, p["budget"], seed=p["seed"])
    unlabelled = set(state.ids[~state.labelled].tolist())
    assert picked.dtype == np.int64
    assert len(picked) == min(p["budget"], len(unlabelled))
    assert len(set(picked.tolist())) == len(picked)
    assert set(picked.tolist()) <= unlabelled
    again = make_strategy(name, **params).select(_build(p), p["budget"], seed=p["seed"])
    assert np.array_equal(picked, again)


@pytest.mark.parametrize(("name", "params"), SEQUENTIAL, ids=lambda v: str(v))
@settings(deadline=None, max_examples=20)
@given(p=pools)
@example(p=ONE_CLASS)
@example(p=ALL_LEFT)
def test_sequential_strategies_ask_only_rows_they_return(name, params, p):
    state = _build(p, sequential=True)
    picked = make_strategy(name, **params).select(state, p["budget"], seed=p["seed"])
    unlabelled = set(state.ids[~state.labelled].tolist())
    assert len(picked) == min(p["budget"], len(unlabelled))
    assert len(set(picked.tolist())) == len(picked)
    assert set(picked.tolist()) <= unlabelled
    assert len(set(state.asked)) == len(state.asked)  # every row asked at most once
    assert set(state.asked) <= set(picked.tolist())
    again = _build(p, sequential=True)
    assert np.array_equal(
        picked, make_strategy(name, **params).select(again, p["budget"], seed=p["seed"])
    )


@pytest.mark.parametrize("name", sorted(INITIALIZERS))
@settings(deadline=None, max_examples=25)
@given(p=pools)
@example(p=ONE_CLASS)
@example(p=ALL_LEFT)
def test_every_initialiser_returns_exactly_the_size_of_unique_pool_ids(name, p):
    X, y = blobs(p["n"], p["n_classes"], dim=6, seed=p["data_seed"])
    ids = np.arange(p["n"], dtype=np.int64) * 5 + 3
    init = make_initializer(name)
    kwargs = {"seed": p["seed"], "n_classes": p["n_classes"], "y": y}
    picked = init.select(X, ids, p["budget"], **kwargs)
    assert len(picked) == min(p["budget"], p["n"])
    assert len(set(picked.tolist())) == len(picked)
    assert set(picked.tolist()) <= set(ids.tolist())
    assert np.array_equal(picked, make_initializer(name).select(X, ids, p["budget"], **kwargs))
    if init.reads_labels and p["budget"] >= len(np.unique(y)):
        assert set(y[(picked - 3) // 5].tolist()) == set(y.tolist())
