"""The :class:`Encoder` protocol and the compact model-spec strings that name encoders.

A spec is ``name`` or ``name?key=value&key=value`` (``minilm``,
``minilm?batch_size=128&device=cuda``, ``tfidf?dim=256``, ``/models/my-st-model``,
``all-mpnet-base-v2``), in the grammar of :mod:`annal.spec`; the encoder's constructor
annotations type the values.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

import numpy as np

from annal.errors import AnnalError
from annal.spec import format_spec, parse_named_spec


@runtime_checkable
class Encoder(Protocol):
    """Turns texts into vectors.

    Attributes
    ----------
    name : str
        Stable identifier of the encoder *and every parameter that changes its
        output*; the embedding cache is keyed by it.
    """

    name: str

    def encode(self, texts) -> np.ndarray:
        """Encode texts.

        Parameters
        ----------
        texts : sequence of str, length n

        Returns
        -------
        numpy.ndarray of float32, shape (n, d)
        """
        ...


def parse_model_spec(spec: str) -> tuple[str, dict[str, object]]:
    """Split ``name?key=value&...`` into the name and a parameter dict (values read by
    :func:`annal.spec.read_value`).

    Raises
    ------
    AnnalError
        Empty name, a parameter without ``=``, or a repeated key.
    """
    return parse_named_spec(spec, "model spec")


#: Inverse of :func:`parse_model_spec` (parameters in the given order).
format_model_spec = format_spec


def check_embeddings(
    vectors: np.ndarray,
    n_rows: int | None,
    where: str,
    dim: int | None = None,
    *,
    row_ids: np.ndarray | None = None,
    keep_dtype: bool = False,
) -> np.ndarray:
    """Validate an embedding matrix and return it as C-contiguous float32.

    Parameters
    ----------
    vectors : array-like, shape (n, d)
    n_rows : int or None
        Expected number of rows, if known.
    where : str
        Names the source in error messages.
    dim : int or None
        Expected dimension, if known.
    row_ids : numpy.ndarray of int, optional
        What each row is called in ``where`` (e.g. the file rows a subset was taken from);
        default the row positions.
    keep_dtype : bool
        Return float16/float32 input as it is (a memory map stays one; checked in chunks),
        so a large float16 file is never copied to float32 whole.

    Raises
    ------
    AnnalError
        Not 2-D, zero width, a wrong row count or dimension, a non-float dtype, or
        NaN/inf values (naming the first bad row).
    """
    arr = np.asarray(vectors)
    if arr.ndim != 2 or arr.shape[1] == 0:
        raise AnnalError(
            f"{where}: embeddings must be a 2-D (rows, dim) array, got shape {arr.shape}"
        )
    if not np.issubdtype(arr.dtype, np.floating):
        raise AnnalError(f"{where}: embeddings must be floating point, got dtype {arr.dtype}")
    if n_rows is not None and arr.shape[0] != n_rows:
        raise AnnalError(f"{where}: embeddings have {arr.shape[0]} rows, expected {n_rows}")
    if dim is not None and arr.shape[1] != dim:
        raise AnnalError(f"{where}: embeddings have dimension {arr.shape[1]}, expected {dim}")
    if keep_dtype and arr.dtype in (np.float16, np.float32):
        step = 1 << 16
        finite = np.concatenate(
            [np.isfinite(arr[i : i + step]).all(axis=1) for i in range(0, len(arr), step)]
            or [np.ones(0, dtype=bool)]
        )
    else:
        arr = np.ascontiguousarray(arr, dtype=np.float32)
        finite = np.isfinite(arr).all(axis=1)
    if not finite.all():
        bad = np.flatnonzero(~finite)
        first = bad[0] if row_ids is None else np.asarray(row_ids)[bad[0]]
        raise AnnalError(f"{where}: {bad.size} embedding rows hold NaN/inf, first at row {first}")
    return arr
