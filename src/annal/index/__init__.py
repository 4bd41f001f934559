"""Vector indexes: one :class:`VectorIndex` protocol, many backends, one spec syntax.

>>> from annal.index import make_index
>>> index = make_index("faiss:flat?metric=cosine").build(vectors, ids)
>>> distances, found_ids = index.search(queries, k=10)

See :mod:`annal.index.base` for the distance convention and the k > ntotal rule and
:mod:`annal.index.spec` for every backend's parameters.
"""

from __future__ import annotations

from annal.index.backends import INDEX_BACKENDS
from annal.index.base import VectorIndex, normalize_rows
from annal.index.factory import load_index, make_index
from annal.index.spec import BACKENDS, METRICS, IndexSpec, parse_spec

__all__ = [
    "BACKENDS",
    "INDEX_BACKENDS",
    "METRICS",
    "IndexSpec",
    "VectorIndex",
    "load_index",
    "make_index",
    "normalize_rows",
    "parse_spec",
]
