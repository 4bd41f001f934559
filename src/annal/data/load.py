"""Load a labelled text dataset by name: find the source (:mod:`annal.data.sources`), read
it, and run the pipeline (:mod:`annal.data.pipeline`); ``"demo"`` is generated
(:mod:`annal.data.synthetic`) and goes through the same pipeline steps.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

from annal.data.dataset import Dataset
from annal.data.pipeline import build_dataset
from annal.data.sources import read_source, resolve_source
from annal.data.synthetic import demo


def load_dataset(
    source: str | os.PathLike[str],
    *,
    data_root: str | os.PathLike[str] | None = None,
    text_col: str | Sequence[str] = "text",
    label_col: str = "label",
    **steps: Any,
) -> Dataset:
    """Load a labelled text dataset.

    Parameters
    ----------
    source : str or PathLike
        A dataset name under the data root, a dataset folder (holding ``data.csv``),
        a ``.csv`` / ``.tsv`` / ``.jsonl`` / ``.parquet`` file, or ``"demo"``.
    data_root : str or PathLike, optional
        Folder of dataset folders; defaults to ``$ANNAL_DATA_ROOT``.
    text_col : str or sequence of str
        Text column(s); several are joined with ``". "`` (e.g. title + description).
        A comma-separated string naming existing columns works too.
    label_col : str
        Label column.
    **steps
        ``label_policy``, ``clean``, ``min_class_size``, ``dedupe``, ``label_sep``: how the
        pipeline treats the rows (:class:`annal.data.pipeline.PipelineSteps`), the same for
        ``"demo"`` as for a file.

    Returns
    -------
    Dataset
    """
    resolved = resolve_source(source, data_root)
    if resolved.path is None:
        return demo(**steps)
    _, texts, labels = read_source(resolved, text_col=text_col, label_col=label_col)
    ds = build_dataset(
        texts, labels, name=resolved.name, folder=resolved.folder, source=resolved.path, **steps
    )
    del texts, labels
    release_arrow_memory()
    return ds


def release_arrow_memory() -> None:
    """Hand the memory Arrow kept after a read back to the system.

    pandas reads text columns into Arrow buffers; the dataset holds Python strings, so those
    buffers are free once it is built, but Arrow's allocator keeps freed memory for reuse:
    about three times the file's size (180 MB after a 57 MB CSV of 250k rows), which a long
    ``annal al run`` would otherwise hold to its end.
    """
    import pyarrow as pa

    pa.default_memory_pool().release_unused()
