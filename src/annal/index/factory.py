"""``make_index(spec)``: the one place a spec string becomes a backend object.

Backend modules are imported on demand, so ``import annal.index`` never imports FAISS,
Annoy or hnswlib.
"""

from __future__ import annotations

import importlib
import json
import os
from pathlib import Path

from annal.errors import AnnalError
from annal.index.base import VectorIndex
from annal.index.spec import IndexSpec, parse_spec

#: backend name -> "module:class" of its implementation.
_IMPLEMENTATIONS = {
    "exact": "annal.index.exact:ExactIndex",
    "faiss:flat": "annal.index.faiss_backends:FaissFlatIndex",
    "faiss:lsh": "annal.index.faiss_backends:FaissLSHIndex",
    "faiss:hnsw": "annal.index.faiss_backends:FaissHNSWIndex",
    "faiss:ivf": "annal.index.faiss_backends:FaissIVFIndex",
    "annoy": "annal.index.annoy_backend:AnnoyIndex",
    "hnswlib": "annal.index.hnswlib_backend:HnswlibIndex",
}


def make_index(spec: str | IndexSpec) -> VectorIndex:
    """An empty index configured by ``spec`` (call ``build`` next).

    Parameters
    ----------
    spec : str or IndexSpec
        E.g. ``"exact?metric=cosine"``, ``"faiss:hnsw?M=32&efSearch=64"``.

    Returns
    -------
    VectorIndex

    Raises
    ------
    AnnalError
        For an invalid spec (see :func:`annal.index.parse_spec`).
    """
    parsed = parse_spec(spec)
    module_name, _, class_name = _IMPLEMENTATIONS[parsed.backend].partition(":")
    cls = getattr(importlib.import_module(module_name), class_name)
    return cls(parsed)


def load_index(folder: str | os.PathLike[str]) -> VectorIndex:
    """The index :meth:`VectorIndex.save` wrote to ``folder``.

    Raises
    ------
    AnnalError
        No complete index in ``folder`` (missing or unreadable ``meta.json``).
    """
    folder = Path(folder)
    try:
        meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
        spec, dim = meta["spec"], int(meta["dim"])
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise AnnalError(f"{folder}: no saved index ({exc})") from None
    return make_index(spec)._restore(folder, dim)
