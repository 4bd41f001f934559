"""A dataset folder's own embedding files: ``FOLDER/<model>.npy``, one row per data row.

A dataset folder is ``data.csv`` plus row-aligned ``<model>.npy`` files (the shared folders
hold ``minilm.npy``). :func:`embed_folder` makes such a file for any folder: it embeds the raw
text of *every* data row (nothing cleaned or dropped, so row ``i`` is dataset id ``i`` and any
cleaning or label policy can be applied when the folder is loaded), in float16 like the shared
folders, chunk by chunk into a memory-mapped file that appears only when complete and that a
rerun after a crash continues (:func:`annal.embed.writer.write_chunked`).
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from annal.embed.api import PRECOMPUTED_DEFAULT, texts_to_file
from annal.embed.base import parse_model_spec
from annal.embed.registry import get_encoder
from annal.embed.sentence import DEFAULT_MODEL
from annal.errors import AnnalError

#: The dtype of a folder's embedding files (as the shared folders: half the bytes of float32).
FOLDER_DTYPE = "float16"
#: Rows per chunk: the unit of progress and of resumption (about 10 s of MiniLM on 2 cores).
FOLDER_CHUNK_ROWS = 1000


@dataclass(frozen=True)
class FolderEmbedding:
    """What :func:`embed_folder` did.

    Attributes
    ----------
    path : Path
        ``FOLDER/<model>.npy``.
    rows, dim : int
    encoder : str
        The encoder's name (its cache identity).
    existed : bool
        The file was already complete; nothing was computed.
    """

    path: Path
    rows: int
    dim: int
    encoder: str
    existed: bool


def folder_file_name(encoder_name: str) -> str:
    """The file name of an encoder's vectors in a dataset folder.

    The bundled MiniLM is ``minilm.npy`` (as in the shared folders); any other encoder is its
    name's last path part plus the parameters that change its vectors, made file-safe:
    ``tfidf?dim=256`` -> ``tfidf_dim=256.npy``, ``sentence-transformers/all-mpnet-base-v2`` ->
    ``all-mpnet-base-v2.npy``.
    """
    name, params = parse_model_spec(encoder_name)
    base = Path(name.rstrip("/")).name or name
    if base.lower() == DEFAULT_MODEL.lower():
        base = Path(PRECOMPUTED_DEFAULT).stem
    stem = base + "".join(f"_{k}={v}" for k, v in params.items())
    return re.sub(r"[^A-Za-z0-9._=-]+", "_", stem) + ".npy"


def embed_folder(
    source: str | os.PathLike[str],
    model: str | None = None,
    *,
    data_root: str | os.PathLike[str] | None = None,
    text_col: str | Sequence[str] = "text",
    chunk_rows: int = FOLDER_CHUNK_ROWS,
    backend: str = "local",
    address: str | None = None,
    progress: bool = True,
) -> FolderEmbedding:
    """Write ``FOLDER/<model>.npy``: the embedding of every data row's raw text (module doc).

    Parameters
    ----------
    source : str or PathLike
        A dataset folder, or a dataset name under the data root.
    model : str, optional
        Encoder spec (default: the bundled MiniLM, written as ``minilm.npy``).
    data_root : str or PathLike, optional
    text_col : str or sequence of str
        Text column(s), joined as :func:`annal.data.load_dataset` joins them.
    chunk_rows, backend, address, progress
        As :func:`annal.embed.writer.write_chunked`.

    Returns
    -------
    FolderEmbedding

    Raises
    ------
    AnnalError
        ``source`` is not a dataset folder; ``model`` names a ``.npy`` file; the folder already
        holds a file of that name with another row count (its data changed: remove the file).
    """
    from annal.data.sources import source_texts

    if model is not None and str(model).lower().endswith(".npy"):
        raise AnnalError(f"--model {model}: a .npy file is already embeddings; name an encoder")
    resolved, texts = source_texts(source, data_root=data_root, text_col=text_col)
    if resolved.folder is None:
        raise AnnalError(
            f"{source}: not a dataset folder (a folder holding data.csv); give --out FILE.npy "
            "to embed a single file"
        )
    encoder = get_encoder(model, progress=False)
    out = resolved.folder / folder_file_name(encoder.name)
    if out.exists():
        try:
            have = np.load(out, mmap_mode="r", allow_pickle=False).shape
        except (OSError, ValueError, EOFError):
            have = None
        if have is not None and len(have) == 2 and have[0] == len(texts):
            return FolderEmbedding(out, int(have[0]), int(have[1]), encoder.name, True)
        shape = "unreadable" if have is None else f"{have[0] if have else 0} rows"
        raise AnnalError(
            f"{out}: already exists ({shape}) but {resolved.path.name} has {len(texts)} rows; "
            "remove it to embed the folder again"
        )
    texts_to_file(
        texts,
        model,
        out,
        chunk_rows=chunk_rows,
        dtype=FOLDER_DTYPE,
        backend=backend,
        address=address,
        cache=False,
        progress=progress,
    )
    rows, dim = np.load(out, mmap_mode="r", allow_pickle=False).shape
    return FolderEmbedding(out, int(rows), int(dim), encoder.name, False)
