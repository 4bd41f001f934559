"""``annal label export``: the labelled rows (and, on request, the model's predictions)."""

from __future__ import annotations

import datetime as dt
import io
import os
from pathlib import Path

import numpy as np
import pandas as pd

from annal._io import atomic_write_bytes
from annal.errors import AnnalError
from annal.label.project import Project

EXPORT_FORMATS = ("csv", "jsonl", "parquet")


def export_frame(project: Project, *, predictions: bool = False) -> pd.DataFrame:
    """The labelled rows as a table: ``id``, ``text``, ``label``, ``who``, ``at`` (UTC, ISO).

    With ``predictions``, every row, and the latest model's ``predicted`` label and its
    ``probability`` for the unlabelled ones (empty where no model was fitted yet).
    """
    cols = ["id", "text", "label", "who", "at"]
    frame = pd.DataFrame(project.store.export_rows(), columns=cols)
    frame["at"] = [
        None if pd.isna(t) else dt.datetime.fromtimestamp(t, dt.UTC).isoformat(timespec="seconds")
        for t in frame["at"]
    ]
    labelled = frame["label"].notna().to_numpy()
    if not predictions:
        return frame.loc[labelled].reset_index(drop=True)
    frame["predicted"] = None
    frame["probability"] = np.nan
    pred = project.predictions()
    if pred is not None:
        codes, proba, names = pred
        rows = np.flatnonzero(~labelled)
        frame.loc[rows, "predicted"] = np.asarray(names, dtype=object)[codes[rows]]
        frame.loc[rows, "probability"] = proba[rows].astype(float)
    return frame


def format_of(path: Path, fmt: str | None) -> str:
    """``fmt``, or the one ``path``'s extension names."""
    if fmt is None:
        fmt = {".csv": "csv", ".jsonl": "jsonl", ".parquet": "parquet"}.get(path.suffix.lower())
        if fmt is None:
            raise AnnalError(f"{path}: cannot tell the format from the extension; use --format")
    if fmt not in EXPORT_FORMATS:
        raise AnnalError(f"unknown export format {fmt!r}; use one of {', '.join(EXPORT_FORMATS)}")
    return fmt


def export_project(
    project: Project,
    out: str | os.PathLike[str],
    *,
    fmt: str | None = None,
    predictions: bool = False,
) -> int:
    """Write the export table to ``out`` atomically; returns the number of rows written."""
    out = Path(out).expanduser()
    fmt = format_of(out, fmt)
    frame = export_frame(project, predictions=predictions)
    if fmt == "csv":
        data = frame.to_csv(index=False).encode()
    elif fmt == "jsonl":
        data = frame.to_json(orient="records", lines=True, force_ascii=False).encode()
    else:
        buf = io.BytesIO()
        frame.to_parquet(buf, index=False)
        data = buf.getvalue()
    atomic_write_bytes(out, data)
    return len(frame)
