"""``annal label init``: make a labelling project from a data file.

:func:`init_project` reads a data file with annal's readers, keeps every row, embeds the texts,
imports labels already present, queues the initialiser's first batch, and writes the project
into a temporary folder that is moved into place only when complete, so a failed ``init``
leaves nothing half-written.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import numpy as np
from pydantic import ValidationError

from annal.data.readers import read_table, require_columns
from annal.errors import AnnalError
from annal.label.project import VECTORS_NAME, LabelConfig, Project
from annal.label.store import DB_NAME, ProjectStore, label_list
from annal.label.trainer import Trainer


def _column_text(values) -> list[str]:
    out = []
    for v in values:
        if v is None or (isinstance(v, float) and np.isnan(v)):
            out.append("")
        else:
            out.append(str(v))
    return out


def _ext_ids(frame, path: Path, id_col: str | None) -> list[str]:
    if id_col is None:
        return [str(i) for i in range(len(frame))]
    raw = frame[id_col].to_numpy(dtype=object)
    ids = _column_text(raw)
    for row, value in enumerate(ids):
        if not value.strip():
            raise AnnalError(f"{path}: column {id_col!r} is empty at data row {row}")
    seen: dict[str, int] = {}
    for row, value in enumerate(ids):
        if value in seen:
            raise AnnalError(
                f"{path}: column {id_col!r} has duplicate id {value!r} "
                f"(data rows {seen[value]} and {row})"
            )
        seen[value] = row
    return ids


def _imported_labels(frame, path: Path, label_col: str | None, labels: list[str]):
    if label_col is None:
        return []
    known = set(labels)
    pairs = []
    for row, value in enumerate(_column_text(frame[label_col].to_numpy(dtype=object))):
        value = value.strip()
        if not value:
            continue
        if value not in known:
            raise AnnalError(
                f"{path}: data row {row} has label {value!r}, which is not in --labels "
                f"({', '.join(labels)})"
            )
        pairs.append((row, value))
    return pairs


def embed_rows(texts: list[str], model: str, *, progress: bool = True) -> np.ndarray:
    """Vectors of ``texts``: a ``.npy`` file with one row per data row, or an encoder spec
    (through the embedding cache)."""
    from annal.embed.api import embed_texts
    from annal.embed.precomputed import load_embeddings
    from annal.embed.registry import get_encoder

    if model.lower().endswith(".npy"):
        return load_embeddings(model, n_rows=len(texts))
    return embed_texts(texts, get_encoder(model, progress=progress))


def _prepare_folder(folder: Path, force: bool) -> None:
    if folder.exists() and not folder.is_dir():
        raise AnnalError(f"{folder}: exists and is not a folder")
    if folder.is_dir() and any(folder.iterdir()) and not force:
        raise AnnalError(f"{folder}: folder is not empty (use --force to replace it)")


def init_project(
    folder: str | os.PathLike[str],
    data: str | os.PathLike[str],
    *,
    text_col: str,
    labels: str | list[str],
    id_col: str | None = None,
    label_col: str | None = None,
    force: bool = False,
    progress: bool = True,
    **config,
) -> Project:
    """Create a labelling project in ``folder`` from the data file ``data``.

    Parameters
    ----------
    folder : str or PathLike
        Project folder; must be missing or empty unless ``force``.
    data : str or PathLike
        CSV, TSV, JSONL or Parquet file; every row is kept (row ``i`` becomes item ``i``).
    text_col : str
        Column with the text to label.
    labels : str or list of str
        The label set (``"a,b,c"``); no duplicates.
    id_col : str, optional
        Column of unique row ids (default: the row number).
    label_col : str, optional
        Column of labels already given (empty cells are unlabelled rows).
    force : bool
        Replace a non-empty ``folder``.
    progress : bool
        Progress bar while embedding.
    **config
        Fields of :class:`LabelConfig` (``model``, ``strategy``, ``strategy_params``, ``init``,
        ``classifier``, ``batch``, ``initial``, ``retrain_every``, ``seed``, ...).

    Returns
    -------
    Project
    """
    folder = Path(folder).expanduser()
    data = Path(data).expanduser()
    _prepare_folder(folder, force)
    names = label_list(labels)
    cfg = make_config(
        source=str(data), text_col=text_col, id_col=id_col, label_col=label_col, **config
    )
    frame = read_table(data)
    require_columns(frame, data, [c for c in (text_col, id_col, label_col) if c])
    texts = _column_text(frame[text_col].to_numpy(dtype=object))
    ext_ids = _ext_ids(frame, data, id_col)
    imported = _imported_labels(frame, data, label_col, names)
    vectors = embed_rows(texts, cfg.model, progress=progress)
    return create_project(
        folder,
        ext_ids=ext_ids,
        texts=texts,
        vectors=vectors,
        labels=names,
        config=cfg,
        imported=imported,
        force=force,
    )


def make_config(**fields) -> LabelConfig:
    """A checked :class:`LabelConfig`; a bad value is one :class:`AnnalError` naming it."""
    try:
        cfg = LabelConfig(**fields)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(map(str, first["loc"]))
        raise AnnalError(f"label config: {where}: {first['msg']}") from None
    cfg.check()
    return cfg


def create_project(
    folder: str | os.PathLike[str],
    *,
    ext_ids: list[str],
    texts: list[str],
    vectors: np.ndarray,
    labels: list[str],
    config: LabelConfig,
    imported: list[tuple[int, str]] = (),
    force: bool = False,
) -> Project:
    """Write a project from rows already in memory, all or nothing.

    Everything (vectors, store, the first batch) is written into a temporary folder beside
    ``folder`` and moved into place at the end; on any error the temporary folder is removed
    and ``folder`` is left as it was.
    """
    folder = Path(folder).expanduser()
    _prepare_folder(folder, force)
    if len(vectors) != len(texts):
        raise AnnalError(f"{len(vectors)} vectors for {len(texts)} rows")
    folder.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{folder.name}.init-", dir=folder.parent))
    try:
        np.save(tmp / VECTORS_NAME, np.asarray(vectors, dtype=np.float32), allow_pickle=False)
        store = ProjectStore.create(
            tmp / DB_NAME,
            ext_ids=ext_ids,
            texts=texts,
            labels=labels,
            config=config.model_dump(),
            initial=imported,
        )
        store.close()
        staged = Project(tmp)
        Trainer(staged).step()
        staged.store.close()
        old = None
        if folder.exists():
            old = folder.parent / f"{tmp.name}.old"
            os.replace(folder, old)
        os.replace(tmp, folder)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return Project(folder)
