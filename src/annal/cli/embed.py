"""``annal embed``: embed a dataset to a ``.npy`` file."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import typer

from annal._io import atomic_write
from annal.cli import output_file
from annal.cli.options import (
    CACHE_HELP,
    DATA_ROOT_OPT,
    LABEL_COL_OPT,
    MIN_CLASS_OPT,
    NO_CLEAN_OPT,
    POLICY_OPT,
    SOURCE_ARG,
    TEXT_COL_OPT,
    console,
    load_from_cli,
    model_opt,
    wrote,
)
from annal.embed.api import embed_dataset, embed_to_file, embedding_source
from annal.embed.writer import BACKENDS, CHUNK_ROWS, DTYPES
from annal.errors import AnnalError


def embed(
    source: str = SOURCE_ARG,
    out: Path = typer.Option(
        ..., "--out", callback=output_file, help="Output .npy file (float32, one row per kept row)."
    ),
    model: str | None = model_opt(),
    data_root: Path | None = DATA_ROOT_OPT,
    no_clean: bool = NO_CLEAN_OPT,
    label_policy: str = POLICY_OPT,
    text_col: list[str] = TEXT_COL_OPT,
    label_col: str = LABEL_COL_OPT,
    min_class_size: int = MIN_CLASS_OPT,
    ids_out: Path | None = typer.Option(
        None,
        "--ids-out",
        callback=output_file,
        help="Also write the source row ids (int64 .npy) of the rows.",
    ),
    no_cache: bool = typer.Option(
        False, "--no-cache", help=f"Do not read or write the cache. {CACHE_HELP}"
    ),
    chunk_size: int = typer.Option(
        CHUNK_ROWS,
        "--chunk-size",
        min=1,
        help="Outputs of more rows are written chunk by chunk to a memory-mapped file, "
        "resumable after a crash (rerun the same command).",
    ),
    dtype: str = typer.Option(
        "auto",
        "--dtype",
        help="Output type; auto is float16 for chunked outputs. One of: auto, float16, float32.",
    ),
    backend: str = typer.Option(
        "local",
        "--backend",
        help="Where chunks are encoded (ray: as Ray tasks). One of: local, ray.",
    ),
    address: str | None = typer.Option(
        None,
        "--address",
        help="Ray cluster address. Default: start a local Ray.",
        show_default=False,
    ),
) -> None:
    """Embed a dataset's texts and write the vectors to a .npy file.

    Says where the vectors came from: a precomputed file, the cache, or the encoder. Outputs
    larger than --chunk-size rows are written in chunks to a float16 memory-mapped file, with a
    progress bar and ETA; rerunning after a crash continues from the last finished chunk.
    """
    if dtype not in ("auto", *DTYPES):
        raise AnnalError(f"--dtype must be auto, float16 or float32, got {dtype!r}")
    if backend not in BACKENDS:
        raise AnnalError(f"--backend must be one of {', '.join(BACKENDS)}, got {backend!r}")
    ds = load_from_cli(
        source, data_root, no_clean, label_policy, text_col, label_col, min_class_size
    )
    source_text = embedding_source(ds, model, cache=not no_cache)
    start = time.perf_counter()
    chunked = len(ds) > chunk_size or backend == "ray"
    if chunked:
        written = np.dtype("float16" if dtype == "auto" else dtype)
        embed_to_file(
            ds,
            model,
            out,
            chunk_rows=chunk_size,
            dtype=written.name,
            backend=backend,
            address=address,
            cache=not no_cache,
        )
        shape = np.load(out, mmap_mode="r").shape
    else:
        written = np.dtype("float32" if dtype == "auto" else dtype)
        vectors = embed_dataset(ds, model, cache=not no_cache, progress=True)
        shape = vectors.shape
        with atomic_write(out) as fh:
            np.save(fh, vectors.astype(written, copy=False), allow_pickle=False)
    elapsed = time.perf_counter() - start
    if ids_out is not None:
        with atomic_write(ids_out) as fh:
            np.save(fh, ds.ids, allow_pickle=False)
    console.print(
        f"{shape[0]} x {shape[1]} {written.name} from {source_text} in {elapsed:.1f} s "
        f"({ds.report.dropped} of {ds.report.rows_read} rows dropped)"
    )
    wrote(out)
    if ids_out is not None:
        wrote(ids_out)


def register(app: typer.Typer) -> None:
    """Add the top-level ``embed`` command to the root app."""
    app.command("embed")(embed)
