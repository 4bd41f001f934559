"""Saving and loading indexes (what candidate pools reuse across runs), and chunked builds."""

from __future__ import annotations

import numpy as np
import pytest

from annal.errors import AnnalError
from annal.index import load_index, make_index

SPECS = [
    "exact?metric=cosine",
    "faiss:flat?metric=l2",
    "faiss:lsh?nbits=16",
    "faiss:hnsw?M=8",
    "faiss:ivf?nlist=8&nprobe=3",
    "hnswlib?M=8",
    "annoy?trees=5",
]


@pytest.fixture(scope="module")
def vectors():
    rng = np.random.default_rng(4)
    return rng.normal(size=(900, 12)).astype(np.float32), rng.permutation(5000)[:900] + 3


@pytest.mark.parametrize("spec", SPECS)
def test_saved_index_answers_like_the_built_one(spec, vectors, tmp_path):
    X, ids = vectors
    built = make_index(spec).build(X, ids)
    built.save(tmp_path / "i")
    loaded = load_index(tmp_path / "i")
    assert str(loaded) == spec and loaded.ntotal == 900 and loaded.dim == 12
    np.testing.assert_array_equal(loaded.ids, ids)
    (d1, i1), (d2, i2) = built.search(X[:40], 6), loaded.search(X[:40], 6)
    np.testing.assert_array_equal(i1, i2)
    np.testing.assert_allclose(d1, d2, rtol=1e-6)


@pytest.mark.parametrize("spec", ["exact?metric=cosine", "faiss:flat", "faiss:hnsw?M=8"])
def test_chunked_build_from_float16_finds_the_same_neighbours(spec, vectors):
    X, ids = vectors
    X16 = X.astype(np.float16)
    whole = make_index(spec).build(X16.astype(np.float32), ids)
    chunked = make_index(spec).build_chunked(X16, ids, chunk=128, seed=1)
    assert chunked.ntotal == 900 and sorted(chunked.ids) == sorted(ids)
    if spec != "faiss:hnsw?M=8":  # exact backends: identical answers
        np.testing.assert_array_equal(whole.search(X[:30], 5)[1], chunked.search(X[:30], 5)[1])
    else:  # the graph depends on insertion order; the nearest of a stored row is itself
        assert (chunked.search(X16[:30].astype(np.float32), 1)[1][:, 0] == ids[:30]).all()


def test_incomplete_folder_is_not_an_index(tmp_path, vectors):
    X, ids = vectors
    make_index("faiss:flat").build(X, ids).save(tmp_path / "i")
    (tmp_path / "i" / "meta.json").unlink()  # as if the writer crashed before the last file
    with pytest.raises(AnnalError, match="no saved index"):
        load_index(tmp_path / "i")
