"""Where a dataset comes from: a dataset name under the data root, a dataset folder, a data
file, or ``"demo"``; and reading a source's text and label columns as they are in the file.

Row ``i`` of what :func:`read_source` returns is data row ``i`` of the file (0-based), the
id that every later step keeps.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from annal.data.readers import FORMATS, join_columns, read_table, require_columns
from annal.errors import AnnalError

DATA_ROOT_ENV = "ANNAL_DATA_ROOT"
SHARED_DATASETS_ENV = "ANNAL_SHARED_DATASETS"
DATA_FILE_NAMES = tuple(f"data{ext}" for ext in (".csv", ".tsv", ".jsonl", ".parquet"))


@dataclass(frozen=True)
class ResolvedSource:
    """Where a dataset comes from: a data file, and the folder when it is a dataset folder."""

    name: str
    path: Path | None
    folder: Path | None


def data_root(data_root: str | os.PathLike[str] | None = None) -> Path | None:
    """The data root: the argument, else ``$ANNAL_DATA_ROOT``, else ``None``."""
    value = data_root if data_root is not None else os.environ.get(DATA_ROOT_ENV)
    return Path(value).expanduser() if value else None


def shared_datasets_root() -> Path | None:
    """The project's shared datasets: ``$ANNAL_SHARED_DATASETS``, else ``../shared/datasets``
    beside the repository (a source checkout); ``None`` when that folder is absent.

    Tests and benchmarks find the real datasets here; users name theirs with ``--data-root``.
    """
    env = os.environ.get(SHARED_DATASETS_ENV)
    root = Path(env) if env else Path(__file__).resolve().parents[3].parent / "shared" / "datasets"
    return root if root.is_dir() else None


def folder_data_file(folder: Path) -> Path | None:
    """The data file of a dataset folder (``data.csv`` first), or ``None``."""
    for name in DATA_FILE_NAMES:
        if (folder / name).is_file():
            return folder / name
    return None


def resolve_source(
    source: str | os.PathLike[str], data_root_: str | os.PathLike[str] | None = None
) -> ResolvedSource:
    """Resolve a dataset name, folder or file path.

    Parameters
    ----------
    source : str or PathLike
        ``"demo"``; an existing dataset folder or data file; or a dataset name under
        the data root.
    data_root_ : str or PathLike, optional
        Overrides ``$ANNAL_DATA_ROOT``.

    Returns
    -------
    ResolvedSource
    """
    text = os.fspath(source)
    if text == "demo":
        return ResolvedSource("demo", None, None)
    path = Path(text).expanduser()
    if path.is_dir():
        data_file = folder_data_file(path)
        if data_file is None:
            raise AnnalError(f"{path}: folder has no {' / '.join(DATA_FILE_NAMES)}")
        return ResolvedSource(path.resolve().name, data_file, path)
    if path.is_file():
        return ResolvedSource(path.stem, path, None)
    if path.suffix.lower() in FORMATS or len(path.parts) > 1:
        raise AnnalError(f"{path}: no such file or folder")
    root = data_root(data_root_)
    if root is None:
        raise AnnalError(
            f"dataset {text!r} not found: not a file or folder, and no data root is set "
            f"(use --data-root or ${DATA_ROOT_ENV})"
        )
    folder = root / text
    if folder.is_dir() and folder_data_file(folder) is not None:
        return ResolvedSource(text, folder_data_file(folder), folder)
    names = ", ".join(dataset_names(root)) or "(none)"
    raise AnnalError(f"dataset {text!r} not found under {root}; available: {names}")


def dataset_names(root: Path) -> list[str]:
    """Names of the dataset folders directly under ``root``, sorted."""
    if not root.is_dir():
        return []
    return sorted(p.name for p in root.iterdir() if p.is_dir() and folder_data_file(p))


def read_source(
    source: str | os.PathLike[str] | ResolvedSource,
    *,
    data_root: str | os.PathLike[str] | None = None,
    text_col: str | Sequence[str] = "text",
    label_col: str | None = None,
) -> tuple[ResolvedSource, np.ndarray, np.ndarray | None]:
    """The joined text column(s) and the raw label column of a dataset folder or file.

    Parameters
    ----------
    source, data_root
        As in :func:`resolve_source` (or a source already resolved).
    text_col : str or sequence of str
        Text column(s), joined with ``". "``; a comma-separated string naming existing
        columns works too.
    label_col : str, optional
        The label column; ``None`` reads no labels.

    Returns
    -------
    resolved : ResolvedSource
    texts : ndarray of object, shape (n,)
        Row ``i`` is data row ``i``; ``None`` where a row has no text.
    labels : ndarray of object, shape (n,), or None
        The raw label cells (``None`` when ``label_col`` is ``None``).

    Raises
    ------
    AnnalError
        Unknown source, ``"demo"`` (it has no file), unreadable file or missing column.
    """
    resolved = source if isinstance(source, ResolvedSource) else resolve_source(source, data_root)
    if resolved.path is None:
        raise AnnalError(f"{resolved.name}: the built-in demo data has no data file")
    frame = read_table(resolved.path)
    text_cols = text_columns(text_col, frame.columns)
    require_columns(frame, resolved.path, [*text_cols, *([label_col] if label_col else [])])
    labels = None if label_col is None else frame[label_col].to_numpy(dtype=object)
    return resolved, join_columns(frame, text_cols), labels


def source_texts(
    source: str | os.PathLike[str],
    *,
    data_root: str | os.PathLike[str] | None = None,
    text_col: str | Sequence[str] = "text",
) -> tuple[ResolvedSource, list[str]]:
    """The raw text of every data row of a dataset folder or file, nothing dropped or cleaned.

    These are the rows of a dataset folder's ``<model>.npy`` files: row ``i`` is data row
    ``i`` (the dataset id). Several text columns are joined as :func:`load_dataset` joins
    them; a row without text is ``""``.

    Raises
    ------
    AnnalError
        Unknown source, ``"demo"`` (it has no file), unreadable file or missing column.
    """
    resolved, texts, _ = read_source(source, data_root=data_root, text_col=text_col)
    return resolved, ["" if t is None else str(t) for t in texts]


def text_columns(text_col: str | Sequence[str], columns) -> list[str]:
    """The text column names ``text_col`` stands for among ``columns``."""
    if isinstance(text_col, str):
        if text_col not in columns and "," in text_col:
            return [c.strip() for c in text_col.split(",") if c.strip()]
        return [text_col]
    cols = list(text_col)
    if not cols:
        raise AnnalError("text_col is empty: name at least one text column")
    return cols
