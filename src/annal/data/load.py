"""Load a labelled text dataset: resolve the source, read, clean, dedupe, encode labels.

The pipeline (:func:`build_dataset`) runs in this order and counts every drop in
:class:`~annal.data.dataset.DropReport`:

1. rows with no text or no label are dropped (``missing``);
2. labels are parsed into lists and the policy applied (``multi_label``);
3. texts are cleaned; rows empty afterwards are dropped (``empty_after_clean``);
4. identical cleaned texts are deduplicated, before any split: repeats with the same
   label keep the first row (``duplicates``); a text seen with different labels is
   dropped entirely (``conflicting``);
5. classes under ``min_class_size`` rows are dropped with a warning naming them
   (``rare_class``), since they cannot be stratified;
6. class names are sorted and encoded.

Ids stay the 0-based data-row numbers of the source file through every step.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from annal.data.clean import CleanConfig, clean_texts
from annal.data.dataset import Dataset, DropReport
from annal.data.labels import apply_policy, parse_label, sort_classes
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


def load_dataset(
    source: str | os.PathLike[str],
    *,
    data_root: str | os.PathLike[str] | None = None,
    text_col: str | Sequence[str] = "text",
    label_col: str = "label",
    label_policy: str = "single",
    clean: bool | CleanConfig = True,
    min_class_size: int = 2,
    dedupe: bool = True,
    label_sep: str | None = "auto",
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
    label_policy : {"single", "first", "keep"}
        Multi-label rows: keep single-label rows only, keep the first label, or keep
        all labels (in :attr:`Dataset.label_sets`).
    clean : bool or CleanConfig
        ``True``: all cleaning steps; ``False``: texts exactly as read.
    min_class_size : int
        Classes with fewer rows are dropped with a warning.
    dedupe : bool
        Deduplicate identical (cleaned) texts.
    label_sep : {"auto"} or str or None
        How label strings split into lists (see :func:`annal.data.labels.parse_label`).

    Returns
    -------
    Dataset
    """
    resolved = resolve_source(source, data_root)
    if resolved.path is None:
        from annal.data.synthetic import demo

        return demo(clean=clean, label_policy=label_policy, min_class_size=min_class_size)
    frame = read_table(resolved.path)
    text_cols = _text_columns(text_col, frame.columns)
    require_columns(frame, resolved.path, [*text_cols, label_col])
    return build_dataset(
        join_columns(frame, text_cols),
        frame[label_col].to_numpy(dtype=object),
        name=resolved.name,
        folder=resolved.folder,
        source=resolved.path,
        label_policy=label_policy,
        clean=clean,
        min_class_size=min_class_size,
        dedupe=dedupe,
        label_sep=label_sep,
    )


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
    resolved = resolve_source(source, data_root)
    if resolved.path is None:
        raise AnnalError(f"{source}: the built-in demo data has no data file")
    frame = read_table(resolved.path)
    text_cols = _text_columns(text_col, frame.columns)
    require_columns(frame, resolved.path, text_cols)
    return resolved, ["" if t is None else str(t) for t in join_columns(frame, text_cols)]


def _text_columns(text_col: str | Sequence[str], columns) -> list[str]:
    if isinstance(text_col, str):
        if text_col not in columns and "," in text_col:
            return [c.strip() for c in text_col.split(",") if c.strip()]
        return [text_col]
    cols = list(text_col)
    if not cols:
        raise AnnalError("text_col is empty: name at least one text column")
    return cols


def build_dataset(
    texts: Sequence[object],
    labels: Sequence[object],
    *,
    name: str,
    folder: Path | None = None,
    source: Path | None = None,
    label_policy: str = "single",
    clean: bool | CleanConfig = True,
    min_class_size: int = 2,
    dedupe: bool = True,
    label_sep: str | None = "auto",
) -> Dataset:
    """Run the loading pipeline (module docstring) on raw texts and labels.

    Parameters
    ----------
    texts : sequence, length n
        Raw texts (``None``/NaN = missing). Position ``i`` becomes id ``i``.
    labels : sequence, length n
        Raw label values (strings, list literals, lists).
    name, folder, source
        Stored on the :class:`Dataset`.
    label_policy, clean, min_class_size, dedupe, label_sep
        As in :func:`load_dataset`.

    Returns
    -------
    Dataset
    """
    if len(texts) != len(labels):
        raise AnnalError(f"{name}: {len(texts)} texts but {len(labels)} labels")
    config = _clean_config(clean)
    where = source or name
    n = len(texts)
    ids = np.arange(n, dtype=np.int64)
    counts: dict[str, int] = {"rows_read": n}

    # 1. missing text or label
    parsed = [parse_label(v, label_sep) for v in labels]
    present = np.array(
        [
            isinstance(t, str) and bool(t.strip()) and bool(p)
            for t, p in zip(texts, parsed, strict=True)
        ],
        dtype=bool,
    )
    counts["missing"] = int(n - present.sum())
    ids = ids[present]
    raw = np.empty(len(ids), dtype=object)
    raw[:] = [texts[i] for i in ids]
    parsed = [parsed[i] for i in ids]

    # 2. label policy
    label_lists, keep = apply_policy(parsed, label_policy)
    counts["multi_label"] = int((~keep).sum())
    ids, raw = ids[keep], raw[keep]

    # 3. cleaning
    cleaned = clean_texts(raw, config)
    nonempty = np.array([bool(t.strip()) for t in cleaned], dtype=bool)
    counts["empty_after_clean"] = int((~nonempty).sum())
    ids, raw, cleaned = ids[nonempty], raw[nonempty], cleaned[nonempty]
    label_lists = [lab for lab, k in zip(label_lists, nonempty, strict=True) if k]

    # 4. dedupe
    if dedupe:
        keep, counts["duplicates"], counts["conflicting"] = _dedupe(cleaned, label_lists)
        ids, raw, cleaned = ids[keep], raw[keep], cleaned[keep]
        label_lists = [lab for lab, k in zip(label_lists, keep, strict=True) if k]

    # 5. rare classes
    keep, rare = _rare_class_mask(label_lists, min_class_size)
    counts["rare_class"] = int((~keep).sum())
    if rare:
        warnings.warn(
            f"{name}: dropped {counts['rare_class']} rows of {len(rare)} classes with fewer "
            f"than {min_class_size} rows: {', '.join(rare)}",
            UserWarning,
            stacklevel=3,
        )
    ids, raw, cleaned = ids[keep], raw[keep], cleaned[keep]
    label_lists = [lab for lab, k in zip(label_lists, keep, strict=True) if k]

    # 6. encode
    if not len(ids):
        raise AnnalError(f"{where}: no rows left after loading ({_drop_summary(counts)})")
    classes = sort_classes({lab for labs in label_lists for lab in labs})
    if len(classes) < 2:
        raise AnnalError(f"{where}: only one class ({classes[0]!r}); need at least two")
    code = {c: i for i, c in enumerate(classes)}
    y = np.array([code[labs[0]] for labs in label_lists], dtype=np.int64)
    label_sets = None
    if label_policy == "keep":
        label_sets = tuple(tuple(code[lab] for lab in labs) for labs in label_lists)
    report = DropReport(rare_classes=tuple(rare), kept=len(ids), **counts)
    return Dataset(
        name=name,
        texts=cleaned,
        raw_texts=raw,
        y=y,
        classes=classes,
        ids=ids,
        folder=folder,
        report=report,
        label_sets=label_sets,
        source=source,
    )


def _clean_config(clean: bool | CleanConfig) -> CleanConfig:
    if isinstance(clean, CleanConfig):
        return clean
    return CleanConfig() if clean else CleanConfig.off()


def _dedupe(texts: np.ndarray, label_lists: list[tuple[str, ...]]) -> tuple[np.ndarray, int, int]:
    """Keep the first row of each text; drop every copy of a text with differing labels."""
    first: dict[str, int] = {}
    conflict: set[str] = set()
    keep = np.zeros(len(texts), dtype=bool)
    for i, text in enumerate(texts):
        j = first.get(text)
        if j is None:
            first[text] = i
            keep[i] = True
        elif set(label_lists[j]) != set(label_lists[i]):
            conflict.add(text)
    duplicates = int(len(texts) - keep.sum())
    conflicting = 0
    if conflict:
        in_conflict = np.array([t in conflict for t in texts], dtype=bool)
        conflicting = int(in_conflict.sum())
        duplicates -= conflicting - len(conflict)
        keep &= ~in_conflict
    return keep, duplicates, conflicting


def _rare_class_mask(
    label_lists: list[tuple[str, ...]], min_class_size: int
) -> tuple[np.ndarray, list[str]]:
    sizes: dict[str, int] = {}
    for labs in label_lists:
        for lab in labs:
            sizes[lab] = sizes.get(lab, 0) + 1
    rare = set(c for c, k in sizes.items() if k < min_class_size)
    keep = np.array([not (set(labs) & rare) for labs in label_lists], dtype=bool)
    return keep, list(sort_classes(rare)) if rare else []


def _drop_summary(counts: dict[str, int]) -> str:
    parts = [f"{k.replace('_', ' ')}: {v}" for k, v in counts.items() if k != "rows_read" and v]
    return f"{counts['rows_read']} rows read" + (", dropped " + ", ".join(parts) if parts else "")
