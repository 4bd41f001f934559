"""``make_index(spec)``: the one place a spec string becomes a backend object.

Backend libraries are imported on first use, so ``import annal.index`` never imports FAISS,
Annoy or hnswlib.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from annal.errors import AnnalError
from annal.index.backends import INDEX_BACKENDS
from annal.index.base import VectorIndex
from annal.index.spec import IndexSpec, parse_spec


def make_index(spec: str | IndexSpec) -> VectorIndex:
    """An empty index configured by ``spec`` (call ``build`` next).

    Parameters
    ----------
    spec : str or IndexSpec
        E.g. ``"exact?metric=cosine"``, ``"faiss:hnsw?M=32&efSearch=64"``.

    Returns
    -------
    VectorIndex
        ``str(index)`` prints ``spec`` back as written.

    Raises
    ------
    AnnalError
        For an invalid spec (see :func:`annal.index.parse_spec`).
    """
    parsed = parse_spec(spec)
    index = INDEX_BACKENDS[parsed.backend](**parsed.typed())
    index._spec_text = str(parsed)
    return index


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
