"""``annal embed``: embed a dataset to a ``.npy`` file."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import typer

from annal._io import atomic_write
from annal.cli.options import (
    CACHE_HELP,
    DatasetArgs,
    console,
    dataset_command,
    model_opt,
    output_opt,
    wrote,
)
from annal.embed.api import embed_dataset, embed_to_file, embedding_source
from annal.embed.folder import FOLDER_CHUNK_ROWS, FOLDER_DTYPE, embed_folder
from annal.embed.writer import CHUNK_ROWS, DTYPES
from annal.errors import AnnalError
from annal.ray_connect import EXECUTION_BACKENDS


@dataset_command
def embed(
    dataset: DatasetArgs,
    out: Path | None = output_opt(
        "--out", "Output .npy file, one row per kept row. Default: FOLDER/<model>.npy (see above)."
    ),
    model: str | None = model_opt(),
    ids_out: Path | None = output_opt(
        "--ids-out", "Also write the source row ids (int64 .npy) of the rows."
    ),
    no_cache: bool = typer.Option(
        False, "--no-cache", help=f"Do not read or write the cache. {CACHE_HELP}"
    ),
    chunk_size: int | None = typer.Option(
        None,
        "--chunk-size",
        min=1,
        help=f"Outputs of more rows are written chunk by chunk to a memory-mapped file, "
        f"resumable after a crash (rerun the same command). Default: {CHUNK_ROWS} for --out, "
        f"{FOLDER_CHUNK_ROWS} for a folder's own file.",
        show_default=False,
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

    Without --out, SOURCE must be a dataset folder (data.csv): the raw text of every data row
    is embedded into FOLDER/<model>.npy (minilm.npy for the default model), float16,
    row-aligned with data.csv like the shared folders' files, so 'annal data list' shows it and
    'annal al run FOLDER' uses it; cleaning and drop options do not apply there. Rerun the same
    command after a crash to continue from the last finished chunk.

    With --out, the kept rows (after cleaning and drops) are written, in their order
    (--ids-out gives their data-row ids). Says where the vectors came from: a precomputed file,
    the cache, or the encoder. Outputs larger than --chunk-size rows are written in chunks to a
    float16 memory-mapped file, with a progress bar and ETA, resumable the same way.
    """
    if dtype not in ("auto", *DTYPES):
        raise AnnalError(f"--dtype must be auto, float16 or float32, got {dtype!r}")
    if backend not in EXECUTION_BACKENDS:
        raise AnnalError(
            f"--backend must be one of {', '.join(EXECUTION_BACKENDS)}, got {backend!r}"
        )
    if out is None:
        if ids_out is not None:
            raise AnnalError("--ids-out goes with --out (a folder's own file has every row)")
        if dtype not in ("auto", FOLDER_DTYPE):
            raise AnnalError(f"--dtype {dtype}: a folder's own file is {FOLDER_DTYPE}")
        start = time.perf_counter()
        done = embed_folder(
            dataset.source,
            model,
            data_root=dataset.data_root,
            text_col=dataset.text_cols,
            chunk_rows=chunk_size or FOLDER_CHUNK_ROWS,
            backend=backend,
            address=address,
        )
        if done.existed:
            console.print(
                f"{done.path} is already complete ({done.rows} x {done.dim}); nothing to do"
            )
            return
        console.print(
            f"{done.rows} x {done.dim} {FOLDER_DTYPE} from {done.encoder}, every data row, in "
            f"{time.perf_counter() - start:.1f} s"
        )
        wrote(done.path)
        return
    chunk_size = chunk_size or CHUNK_ROWS
    ds = dataset.load()
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
