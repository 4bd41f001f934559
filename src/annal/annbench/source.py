"""Where the benchmark's vectors come from: a ``.npy`` file or a dataset + encoder."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np


def load_vectors(
    source: str | os.PathLike[str],
    *,
    data_root: str | os.PathLike[str] | None = None,
    model: str | None = None,
    progress: bool = True,
) -> tuple[str, np.ndarray]:
    """The name and float32 vectors (n, d) of ``source``.

    Parameters
    ----------
    source : str or PathLike
        A ``.npy`` matrix of vectors, or anything :func:`annal.data.load_dataset`
        accepts (a dataset name under the data root, a folder, a file, ``"demo"``),
        embedded with :func:`annal.embed.embed_dataset` (cleaned and de-duplicated,
        so no query is a verbatim copy of a base row).
    data_root : str or PathLike, optional
        Folder of dataset folders (default ``$ANNAL_DATA_ROOT``).
    model : str, optional
        Encoder for :func:`annal.embed.embed_dataset` (default: the folder's
        precomputed ``minilm.npy``, else MiniLM).
    progress : bool
        Progress bar while encoding.
    """
    path = Path(source).expanduser()
    if path.suffix.lower() == ".npy":
        from annal.embed.precomputed import load_embeddings

        # The one .npy reader of annal: readable, 2-D, floating point, finite.
        return path.stem, load_embeddings(path)
    from annal.data import load_dataset
    from annal.embed import embed_dataset

    ds = load_dataset(source, data_root=data_root)
    return ds.name, np.asarray(embed_dataset(ds, model, progress=progress), dtype=np.float32)
