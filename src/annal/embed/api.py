"""Embed texts and datasets, through the disk cache."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from annal.data.dataset import Dataset
from annal.embed.base import Encoder, check_embeddings
from annal.embed.cache import EmbeddingCache, cache_key
from annal.embed.precomputed import load_embeddings
from annal.embed.registry import get_encoder
from annal.embed.writer import CHUNK_ROWS, write_chunked
from annal.errors import AnnalError

PRECOMPUTED_DEFAULT = "minilm.npy"
#: The encoder a Ray task builds when no model is named.
DEFAULT_SPEC = "minilm"


def embed_texts(
    texts: Sequence[str],
    encoder: Encoder,
    *,
    cache: bool | EmbeddingCache = True,
) -> np.ndarray:
    """Encode ``texts`` with ``encoder``, reading and filling the disk cache.

    Parameters
    ----------
    texts : sequence of str, length n
    encoder : Encoder
    cache : bool or EmbeddingCache
        ``True``: the default cache (``$ANNAL_CACHE_DIR``); ``False``: always encode.

    Returns
    -------
    numpy.ndarray of float32, shape (n, d)
    """
    texts = [str(t) for t in texts]
    store = EmbeddingCache() if cache is True else (cache or None)
    key = cache_key(encoder.name, texts) if store is not None else None
    if store is not None:
        hit = store.get(key)
        if hit is not None and hit.shape[0] == len(texts):
            return hit
    vectors = check_embeddings(encoder.encode(texts), len(texts), encoder.name)
    if store is not None:
        store.put(key, vectors, encoder.name)
    return vectors


def precomputed_path(ds: Dataset, model: str | None) -> Path | None:
    """The ``.npy`` file ``model`` names for ``ds``, or ``None`` if it names an encoder.

    ``None`` means the folder's ``minilm.npy`` when present; a string ending in
    ``.npy`` is an existing path, else a file in the dataset folder.
    """
    if model is None:
        if ds.folder is not None and (ds.folder / PRECOMPUTED_DEFAULT).is_file():
            return ds.folder / PRECOMPUTED_DEFAULT
        return None
    if not str(model).lower().endswith(".npy"):
        return None
    path = Path(model).expanduser()
    if not path.exists() and ds.folder is not None and len(path.parts) == 1:
        path = ds.folder / path
    return path


def embed_dataset(
    ds: Dataset,
    model: str | Encoder | None = None,
    *,
    cache: bool | EmbeddingCache = True,
    progress: bool = True,
    keep_dtype: bool = False,
) -> np.ndarray:
    """Embeddings of a dataset, row-aligned with ``ds.ids``.

    Parameters
    ----------
    ds : Dataset
    model : str, Encoder or None
        ``None``: the dataset folder's precomputed ``minilm.npy`` (rows taken by
        ``ds.ids``; it embeds the *raw* text) when present, else the bundled MiniLM
        on ``ds.texts``. A ``.npy`` path, or a file name in the dataset folder
        (``"minilm.npy"``): precomputed. Any other string: a spec for
        :func:`~annal.embed.registry.get_encoder` applied to ``ds.texts``.
    cache : bool or EmbeddingCache
        Use the disk cache for encoders (precomputed files are read directly).
    progress : bool
        Progress bar while encoding.
    keep_dtype : bool
        A precomputed float16 file stays float16 (memory-mapped when every row is taken):
        for pools too large for a float32 copy. Encoders always return float32.

    Returns
    -------
    numpy.ndarray of float32, shape (len(ds), d)
    """
    if model is None or isinstance(model, str):
        path = precomputed_path(ds, model)
        if path is not None:
            # Precomputed rows are aligned with the source's data rows, all of them.
            return load_embeddings(
                path, rows=ds.ids, n_rows=ds.report.rows_read, keep_dtype=keep_dtype
            )
        encoder = get_encoder(model, progress=progress)
    else:
        encoder = model
    return embed_texts(ds.texts, encoder, cache=cache)


def embed_to_file(
    ds: Dataset, model: str | None, out: str | os.PathLike[str], **options: Any
) -> Path:
    """Embed a dataset straight into a memory-mapped ``.npy`` file, chunk by chunk, resumably.

    ``options`` are the keyword arguments of :func:`texts_to_file` (``chunk_rows``, ``dtype``,
    ``backend``, ``address``, ``cache``, ``progress``). Encoders whose vectors depend on the
    whole corpus (TF-IDF) are fitted once on every text and their rows then written in chunks;
    a precomputed file (:func:`precomputed_path`) is copied chunk by chunk. Rerunning the same
    call after a crash continues from the last finished chunk.

    Returns
    -------
    pathlib.Path
        ``out``, row-aligned with ``ds.ids``.
    """
    pre = precomputed_path(ds, model)
    rows = None if pre is None else (pre, np.asarray(ds.ids), ds.report.rows_read)
    return texts_to_file(ds.texts, model, out, precomputed=rows, **options)


def texts_to_file(
    texts: Sequence[str],
    model: str | None,
    out: str | os.PathLike[str],
    *,
    chunk_rows: int = CHUNK_ROWS,
    dtype: str = "float16",
    backend: str = "local",
    address: str | None = None,
    cache: bool = True,
    progress: bool = True,
    precomputed: tuple[Path, np.ndarray, int] | None = None,
) -> Path:
    """Encode ``texts`` with the encoder ``model`` names straight into the ``.npy`` file ``out``,
    chunk by chunk, resumably (see :func:`embed_to_file`; ``model`` is an encoder spec).

    ``precomputed`` = ``(file, rows, n_rows)`` copies those rows of a precomputed ``.npy``
    file (``n_rows`` rows long) instead of encoding: :func:`embed_to_file` for a dataset
    folder's own vectors.

    Returns
    -------
    pathlib.Path
        ``out``, one row per text.
    """
    if precomputed is not None:
        if backend == "ray":
            raise AnnalError("--backend ray encodes texts; a precomputed .npy file needs none")
        pre, rows, n_rows = precomputed
        stat = pre.stat()
        source = f"precomputed:{pre.resolve()}:{stat.st_size}:{stat.st_mtime_ns}"
        key = source + ":" + hashlib.sha256(rows.tobytes()).hexdigest()

        def copy(start: int, stop: int) -> np.ndarray:
            return load_embeddings(pre, rows=rows[start:stop], n_rows=n_rows)

        return write_chunked(
            out,
            len(rows),
            encode=copy,
            key=key,
            chunk_rows=chunk_rows,
            dtype=dtype,
            progress=progress,
        )
    encoder = get_encoder(model, progress=False)
    texts = [str(t) for t in texts]
    n = len(texts)
    key = cache_key(encoder.name, texts)
    if not getattr(encoder, "row_independent", False):
        if backend == "ray":
            raise AnnalError(f"{encoder.name} fits on the whole corpus; it cannot run as Ray tasks")
        vectors = embed_texts(texts, encoder, cache=cache)
        return write_chunked(
            out,
            n,
            encode=lambda start, stop: vectors[start:stop],
            key=key,
            chunk_rows=chunk_rows,
            dtype=dtype,
            progress=progress,
        )
    return write_chunked(
        out,
        n,
        encode=lambda start, stop: encoder.encode(texts[start:stop]),
        texts=texts,
        spec=model or DEFAULT_SPEC,
        key=key,
        chunk_rows=chunk_rows,
        dtype=dtype,
        backend=backend,
        address=address,
        progress=progress,
    )


def embedding_label(ds: Dataset, model: str | None = None) -> str:
    """What :func:`embed_dataset` uses for ``ds`` and ``model``, as recorded with a run.

    ``"all-MiniLM-L6-v2 (precomputed minilm.npy)"`` for the folder's MiniLM file, ``"precomputed
    <file>"`` for another file, else the encoder's name (e.g.
    ``sentence-transformers/all-mpnet-base-v2``).
    """
    path = precomputed_path(ds, model)
    if path is not None:
        if path.name == PRECOMPUTED_DEFAULT:
            return f"all-MiniLM-L6-v2 (precomputed {path.name})"
        return f"precomputed {path.name}"
    return get_encoder(model, progress=False).name


def embedding_source(ds: Dataset, model: str | None = None, *, cache: bool = True) -> str:
    """Where :func:`embed_dataset` will take ``ds``'s vectors from, for a person to read.

    Call it *before* embedding (embedding fills the cache).

    Returns
    -------
    str
        ``"precomputed PATH"``, ``"cache DIR (ENCODER)"`` when the disk cache already holds
        these texts for this encoder, else ``"ENCODER"`` (encoded now).
    """
    path = precomputed_path(ds, model)
    if path is not None:
        return f"precomputed {path}"
    encoder = get_encoder(model, progress=False)
    if cache:
        store = EmbeddingCache()
        if store.get(cache_key(encoder.name, ds.texts)) is not None:
            return f"cache {store.folder} ({encoder.name})"
    return encoder.name
