"""Ids through build/add/remove, the k > ntotal rule, padding, and the error cases."""

from __future__ import annotations

import numpy as np
import pytest

from annal.errors import AnnalError
from annal.index import make_index

REMOVABLE = [
    "exact",
    "faiss:flat?metric=l2",
    "faiss:lsh?nbits=512",
    "faiss:ivf?nlist=4&nprobe=4",
    "hnswlib?ef=100",
]
ALL = [*REMOVABLE, "faiss:hnsw?efSearch=100", "annoy?trees=20"]


@pytest.fixture(scope="module")
def vectors():
    return np.random.default_rng(7).standard_normal((300, 16)).astype(np.float32)


@pytest.mark.parametrize("spec", REMOVABLE)
def test_ids_survive_add_and_remove(vectors, spec):
    ids = np.arange(300, dtype=np.int64) * 11 + 5
    index = make_index(spec).build(vectors[:200], ids[:200])
    index.add(vectors[200:], ids[200:])
    assert index.ntotal == 300
    removed = ids[::3]
    assert index.remove(removed) == len(removed)
    assert index.ntotal == 300 - len(removed)
    np.testing.assert_array_equal(np.sort(index.ids), np.sort(np.setdiff1d(ids, removed)))
    kept = np.setdiff1d(np.arange(300), np.arange(0, 300, 3))
    _, found = index.search(vectors, 20)
    assert not np.isin(found, removed).any()
    assert np.isin(found[found >= 0], ids).all()
    # A stored vector's own id comes first (LSH: its code is identical, Hamming 0).
    assert np.mean(found[kept, 0] == ids[kept]) >= 0.98


@pytest.mark.parametrize("spec", ["faiss:hnsw", "annoy?trees=5"])
def test_backends_without_removal_say_so(vectors, spec):
    index = make_index(spec).build(vectors)
    with pytest.raises(AnnalError, match="cannot remove"):
        index.remove([1])
    assert index.ntotal == 300


def test_annoy_cannot_grow_after_build(vectors):
    index = make_index("annoy?trees=5").build(vectors[:100])
    with pytest.raises(AnnalError, match="cannot add vectors after build"):
        index.add(vectors[100:], np.arange(100, 300))


def test_faiss_hnsw_can_add(vectors):
    index = make_index("faiss:hnsw?efSearch=64").build(vectors[:100], np.arange(100) + 1000)
    index.add(vectors[100:], np.arange(200) + 5000)
    _, found = index.search(vectors[150:151], 1)
    assert found[0, 0] == 5050


@pytest.mark.parametrize("spec", ALL)
def test_k_larger_than_the_index_returns_what_exists(vectors, spec):
    index = make_index(spec.replace("nlist=4", "nlist=2")).build(vectors[:6], np.arange(6) + 40)
    dist, found = index.search(vectors[:3], 50)
    assert dist.shape == found.shape == (3, 6)
    filled = found >= 0
    assert np.isinf(dist[~filled]).all()
    assert (np.sort(found[filled]) >= 40).all()


def test_empty_index_after_removing_everything(vectors):
    index = make_index("exact").build(vectors[:4])
    index.remove(np.arange(4))
    dist, found = index.search(vectors[:2], 3)
    assert dist.shape == found.shape == (2, 0)


def test_unfillable_rows_are_padded_with_minus_one_and_inf(vectors):
    index = make_index("faiss:ivf?nlist=10&nprobe=1&metric=l2").build(vectors)
    dist, found = index.search(vectors[:20], 300)
    assert dist.shape == (20, 300)
    missing = found == -1
    assert missing.any()
    assert np.isinf(dist[missing]).all() and np.isfinite(dist[~missing]).all()


@pytest.mark.parametrize("spec", ALL)
def test_bad_inputs_raise_clear_errors(vectors, spec):
    index = make_index(spec)
    with pytest.raises(AnnalError, match="call build"):
        index.search(vectors[:1], 1)
    bad = vectors[:50].copy()
    bad[3, 2] = np.nan
    with pytest.raises(AnnalError, match=r"rows \[3\] contain NaN"):
        index.build(bad)
    with pytest.raises(AnnalError, match="duplicate ids"):
        index.build(vectors[:3], [1, 2, 1])
    with pytest.raises(AnnalError, match="non-negative"):
        index.build(vectors[:3], [0, -1, 2])
    with pytest.raises(AnnalError, match="got 2 ids for 3 vectors"):
        index.build(vectors[:3], [0, 1])
    index.build(vectors[:50], np.arange(50))
    with pytest.raises(AnnalError, match="dimension 8, the index has 16"):
        index.search(vectors[:2, :8], 1)
    with pytest.raises(AnnalError, match="NaN"):
        index.search(np.full((1, 16), np.inf), 1)
    with pytest.raises(AnnalError, match="positive integer"):
        index.search(vectors[:1], 0)
    if index.supports_add:
        with pytest.raises(AnnalError, match="already in the index"):
            index.add(vectors[:2], [60, 3])
        with pytest.raises(AnnalError, match="dimension"):
            index.add(vectors[:2, :4], [60, 61])
    if index.supports_remove:
        with pytest.raises(AnnalError, match="not in the index"):
            index.remove([999])


def test_ivf_with_too_few_vectors_for_nlist(vectors):
    with pytest.raises(AnnalError, match="at least nlist=100"):
        make_index("faiss:ivf?nlist=100").build(vectors[:50])


def test_gpu_request_without_gpu_is_a_clear_error(vectors):
    from annal.index.faiss_backends import gpu_count

    if gpu_count() > 0:
        pytest.skip("this faiss sees a GPU")
    with pytest.raises(AnnalError, match="device=gpu needs a GPU build of faiss"):
        make_index("faiss:flat?device=gpu").build(vectors)
