"""Precomputed embeddings: a dataset folder's ``<model>.npy`` or any ``.npy`` file."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from annal.embed.base import check_embeddings
from annal.errors import AnnalError


def load_embeddings(
    path: str | os.PathLike[str],
    *,
    rows: np.ndarray | None = None,
    n_rows: int | None = None,
    dim: int | None = None,
    keep_dtype: bool = False,
) -> np.ndarray:
    """Load a ``.npy`` embedding matrix (float16/32/64 on disk) as float32.

    Parameters
    ----------
    path : str or PathLike
        The ``.npy`` file (read with ``allow_pickle=False``, memory-mapped).
    rows : numpy.ndarray of int64, optional
        Rows to take (e.g. ``Dataset.ids``); default all.
    n_rows : int, optional
        Rows the file must have (the data file's row count); checked before ``rows``.
    dim : int, optional
        Dimension the vectors must have.
    keep_dtype : bool
        Keep a float16/float32 file's dtype: all rows in file order stay memory-mapped,
        a subset is read in its own dtype (no float32 copy of a large pool).

    Returns
    -------
    numpy.ndarray of float32, shape (len(rows) or n, d)

    Raises
    ------
    AnnalError
        Missing or unreadable file, wrong shape, row count or dimension, an id out
        of range, NaN/inf values.
    """
    path = Path(path).expanduser()
    if not path.is_file():
        raise AnnalError(f"{path}: no such embeddings file")
    try:
        arr = np.load(path, mmap_mode="r", allow_pickle=False)
    except (ValueError, OSError, EOFError) as exc:
        raise AnnalError(f"{path}: not a readable .npy array: {exc}") from exc
    if arr.ndim != 2:
        raise AnnalError(f"{path}: embeddings must be 2-D (rows, dim), got shape {arr.shape}")
    if dim is not None and arr.shape[1] != dim:
        raise AnnalError(f"{path}: embeddings have dimension {arr.shape[1]}, expected {dim}")
    if n_rows is not None and arr.shape[0] != n_rows:
        raise AnnalError(f"{path}: {arr.shape[0]} embedding rows, but the data has {n_rows} rows")
    if rows is not None:
        rows = np.asarray(rows, dtype=np.int64)
        if rows.size and (rows.min() < 0 or rows.max() >= arr.shape[0]):
            raise AnnalError(
                f"{path}: row id {int(rows.max())} out of range for {arr.shape[0]} rows"
            )
        if not (keep_dtype and len(rows) == len(arr) and (rows == np.arange(len(arr))).all()):
            arr = arr[rows]
    # A bad row is named by its row in the file, not its position among the rows taken.
    return check_embeddings(arr, None, str(path), row_ids=rows, keep_dtype=keep_dtype)
