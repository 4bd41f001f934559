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
from annal.embed.api import embed_dataset, embedding_source


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
) -> None:
    """Embed a dataset's texts and write the vectors to a .npy file.

    Says where the vectors came from: a precomputed file, the cache, or the encoder.
    """
    ds = load_from_cli(
        source, data_root, no_clean, label_policy, text_col, label_col, min_class_size
    )
    source_text = embedding_source(ds, model, cache=not no_cache)
    start = time.perf_counter()
    vectors = embed_dataset(ds, model, cache=not no_cache, progress=True)
    elapsed = time.perf_counter() - start
    with atomic_write(out) as fh:
        np.save(fh, vectors, allow_pickle=False)
    if ids_out is not None:
        with atomic_write(ids_out) as fh:
            np.save(fh, ds.ids, allow_pickle=False)
    console.print(
        f"{vectors.shape[0]} x {vectors.shape[1]} float32 from {source_text} in {elapsed:.1f} s "
        f"({ds.report.dropped} of {ds.report.rows_read} rows dropped)"
    )
    wrote(out)
    if ids_out is not None:
        wrote(ids_out)


def register(app: typer.Typer) -> None:
    """Add the top-level ``embed`` command to the root app."""
    app.command("embed")(embed)
