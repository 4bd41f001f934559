"""Every index backend by name: one table, :data:`INDEX_BACKENDS`.

Backend modules import their library (FAISS, Annoy, hnswlib) on first use, so importing
this table imports none of them.
"""

from __future__ import annotations

from annal.index.annoy_backend import AnnoyIndex
from annal.index.base import VectorIndex
from annal.index.exact import ExactIndex
from annal.index.faiss_backends import FaissFlatIndex, FaissHNSWIndex, FaissIVFIndex, FaissLSHIndex
from annal.index.hnswlib_backend import HnswlibIndex
from annal.registry import Registry

#: Every backend class, in the order they are listed.
BACKEND_CLASSES: tuple[type[VectorIndex], ...] = (
    ExactIndex,
    FaissFlatIndex,
    FaissLSHIndex,
    FaissHNSWIndex,
    FaissIVFIndex,
    AnnoyIndex,
    HnswlibIndex,
)

INDEX_BACKENDS: Registry[VectorIndex] = Registry("index backend", BACKEND_CLASSES)
