"""Recall@k: per-k ground truth, ties counted as hits, repeats and padding never count."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from annal.annbench import recall_at_k, true_kth_distances
from annal.index import make_index, normalize_rows


def _setup(seed: int = 0, n: int = 400, nq: int = 20, d: int = 12):
    rng = np.random.default_rng(seed)
    base = normalize_rows(rng.standard_normal((n, d)).astype(np.float32))
    queries = normalize_rows(rng.standard_normal((nq, d)).astype(np.float32))
    return base, queries


def test_exact_answers_have_recall_one_at_every_k():
    # The paper's code capped recall@k at k/100 by always comparing with the top-100.
    base, queries = _setup()
    ks = [1, 2, 5, 10, 50, 100]
    kth = true_kth_distances(base, queries, ks)
    _, found = make_index("exact").build(base).search(queries, 100)
    for k in ks:
        assert recall_at_k(found, base, queries, kth[k], k) == 1.0
        _, found_k = make_index("faiss:flat").build(base).search(queries, k)
        assert recall_at_k(found_k, base, queries, kth[k], k) == 1.0


def test_ties_at_the_kth_distance_count_as_hits():
    base, queries = _setup()
    base = np.vstack([base, base[:50]])  # rows 400..449 duplicate rows 0..49
    kth = true_kth_distances(base, queries, [1])
    _, found = make_index("exact").build(base).search(queries, 1)
    swapped = np.where(found < 50, found + 400, np.where((found >= 400), found - 400, found))
    assert recall_at_k(swapped, base, queries, kth[1], 1) == 1.0


def test_repeats_and_padding_do_not_count():
    base, queries = _setup()
    kth = true_kth_distances(base, queries, [4])
    _, found = make_index("exact").build(base).search(queries, 4)
    repeated = found.copy()
    repeated[:, 1:] = found[:, :1]
    assert recall_at_k(repeated, base, queries, kth[4], 4) == 0.25
    padded = found.copy()
    padded[:, 2:] = -1
    assert recall_at_k(padded, base, queries, kth[4], 4) == 0.5


@settings(deadline=None, max_examples=30)
@given(st.integers(1, 30), st.integers(0, 30), st.integers(0, 10_000))
def test_recall_is_the_share_of_true_neighbours_returned(k, n_right, seed):
    n_right = min(n_right, k)
    base, queries = _setup(seed % 7, nq=5)
    kth = true_kth_distances(base, queries, [k])
    _, order = make_index("exact").build(base).search(queries, len(base))
    rng = np.random.default_rng(seed)
    # n_right true neighbours plus k - n_right from the far end of the ranking.
    picks = [
        np.concatenate([rng.permutation(row[:k])[:n_right], row[::-1][: k - n_right]])
        for row in order
    ]
    assert np.isclose(recall_at_k(np.array(picks), base, queries, kth[k], k), n_right / k)
