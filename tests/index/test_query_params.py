"""Query parameters change on a built index, without a rebuild."""

from __future__ import annotations

import numpy as np
import pytest

from annal.errors import AnnalError
from annal.index import make_index


def test_set_query_params_changes_searches_not_the_build():
    rng = np.random.default_rng(0)
    base = rng.standard_normal((2000, 16)).astype(np.float32)
    queries = rng.standard_normal((50, 16)).astype(np.float32)
    exact = make_index("exact?metric=l2").build(base).search(queries, 10)[1]
    index = make_index("faiss:ivf?nlist=64&metric=l2").build(base)
    trained = index._index
    one = index.search(queries, 10)[1]
    index.set_query_params(nprobe=64)
    assert index._index is trained  # not rebuilt
    assert str(index) == "faiss:ivf?nlist=64&metric=l2&nprobe=64"
    every = index.search(queries, 10)[1]
    np.testing.assert_array_equal(np.sort(every, 1), np.sort(exact, 1))  # all cells: exact
    assert (np.sort(one, 1) != np.sort(exact, 1)).any()  # one cell of 64 misses some
    index.set_query_params(nprobe="1")
    np.testing.assert_array_equal(index.search(queries, 10)[1], one)
    with pytest.raises(
        AnnalError, match="'nlist' is not a query parameter; query parameters: nprobe"
    ):
        index.set_query_params(nlist=3)
    with pytest.raises(AnnalError, match="must be >= 1"):
        index.set_query_params(nprobe=0)
