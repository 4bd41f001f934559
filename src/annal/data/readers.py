"""Read a table of labelled text from CSV, TSV, JSONL or Parquet, chosen by extension.

Every reader returns the raw table; row ``i`` of the table is data row ``i`` of the
file (0-based, header excluded), which becomes the stable dataset id.
"""

from __future__ import annotations

import codecs
import io
import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from annal.errors import AnnalError

FORMATS: dict[str, str] = {
    ".csv": "csv",
    ".tsv": "tsv",
    ".tab": "tsv",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".parquet": "parquet",
    ".pq": "parquet",
}

# Marks undecodable bytes so the offending data row can be found after parsing.
_MARK = "\U0010fffd"
codecs.register_error("annal-mark", lambda exc: (_MARK, exc.end))


def file_format(path: Path) -> str:
    """The format name for ``path``'s extension, or an :class:`AnnalError`."""
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        known = ", ".join(sorted(FORMATS))
        raise AnnalError(f"{path}: unknown format {path.suffix or '(no extension)'!r}; use {known}")
    return fmt


def read_table(path: Path) -> pd.DataFrame:
    """Read ``path`` into a DataFrame, one row per data row.

    Parameters
    ----------
    path : pathlib.Path
        A ``.csv``, ``.tsv``, ``.jsonl`` or ``.parquet`` file.

    Returns
    -------
    pandas.DataFrame
        Columns as in the file; CSV/TSV cells are strings, empty cells NaN.

    Raises
    ------
    AnnalError
        Missing file, unknown extension, bytes that are not UTF-8 (naming the data
        row), or a file the parser rejects.
    """
    fmt = file_format(path)
    if not path.is_file():
        raise AnnalError(f"{path}: no such file")
    if fmt == "parquet":
        try:
            frame = pd.read_parquet(path)
        except Exception as exc:  # pyarrow raises many types; all mean "bad file"
            raise AnnalError(f"{path}: cannot read Parquet: {exc}") from exc
        return _decode_binary_columns(path, frame)
    raw = path.read_bytes()
    try:
        _check_utf8(raw)
    except UnicodeDecodeError as exc:
        raise AnnalError(_decode_error_message(path, raw, exc, fmt)) from None
    if fmt == "jsonl":
        return _parse_jsonl(path, raw.decode("utf-8-sig"))
    # The parser gets the bytes: a decoded copy of the file (4 bytes a character once one
    # text holds an emoji) and pandas' own copy of it made reading a 231 MB CSV of a million
    # rows peak at 2.6 GB, the whole of `annal al run`'s peak.
    return _parse_delimited(path, raw, fmt)


#: Bytes decoded per step by :func:`_check_utf8`.
_UTF8_CHECK_BYTES = 1 << 22


def _check_utf8(raw: bytes) -> None:
    """Raise a :class:`UnicodeDecodeError` with offsets into ``raw`` (a leading BOM counted)
    unless ``raw`` is UTF-8, decoding a block at a time instead of holding the decoded file."""
    bom = len(codecs.BOM_UTF8) if raw.startswith(codecs.BOM_UTF8) else 0
    decoder = codecs.getincrementaldecoder("utf-8")()
    view = memoryview(raw)[bom:]
    try:
        for start in range(0, len(view), _UTF8_CHECK_BYTES):
            decoder.decode(view[start : start + _UTF8_CHECK_BYTES])
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        try:
            bytes(view).decode("utf-8")
        except UnicodeDecodeError as exc:  # "utf-8-sig" would count from after the BOM
            raise UnicodeDecodeError(
                exc.encoding, raw, exc.start + bom, exc.end + bom, exc.reason
            ) from None


def _decode_binary_columns(path: Path, frame: pd.DataFrame) -> pd.DataFrame:
    """Parquet binary cells as text (UTF-8), as CSV and JSONL give it; never ``"b'...'"``."""
    for col in frame.columns:
        values = frame[col].to_numpy(dtype=object, copy=True)
        binary = [i for i, v in enumerate(values) if isinstance(v, bytes | bytearray)]
        if not binary:
            continue
        for i in binary:
            try:
                values[i] = bytes(values[i]).decode("utf-8")
            except UnicodeDecodeError as exc:
                raise AnnalError(
                    f"{path}: column {col!r}, data row {i}: binary value that is not UTF-8 text "
                    f"(byte 0x{bytes(values[i])[exc.start : exc.end].hex()} at offset {exc.start})"
                ) from None
        frame[col] = pd.Series(values, index=frame.index, dtype=object)
    return frame


def _parse_delimited(path: Path, text: str | bytes, fmt: str) -> pd.DataFrame:
    """A CSV/TSV table from its text or its UTF-8 bytes (a leading BOM skipped)."""
    source = io.BytesIO(text) if isinstance(text, bytes) else io.StringIO(text)
    try:
        return pd.read_csv(
            source,
            encoding="utf-8-sig",
            sep="\t" if fmt == "tsv" else ",",
            dtype=str,
            keep_default_na=False,
            na_values=[""],
        )
    except pd.errors.EmptyDataError:
        raise AnnalError(f"{path}: the file is empty") from None
    except (pd.errors.ParserError, ValueError) as exc:
        raise AnnalError(f"{path}: cannot parse {fmt.upper()}: {exc}") from None


def _parse_jsonl(path: Path, text: str) -> pd.DataFrame:
    records = []
    for lineno, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            raise AnnalError(f"{path}: line {lineno} is not valid JSON: {exc.msg}") from None
        if not isinstance(record, dict):
            raise AnnalError(f"{path}: line {lineno} is not a JSON object")
        records.append(record)
    if not records:
        raise AnnalError(f"{path}: the file is empty")
    return pd.DataFrame.from_records(records)


def _decode_error_message(path: Path, raw: bytes, exc: UnicodeDecodeError, fmt: str) -> str:
    line = raw.count(b"\n", 0, exc.start) + 1
    where = f"line {line}"
    try:
        marked = raw.decode("utf-8-sig", errors="annal-mark")
        if fmt == "jsonl":
            rows = [ln for ln in marked.splitlines() if ln.strip()]
            hits = [i for i, ln in enumerate(rows) if _MARK in ln]
        else:
            frame = _parse_delimited(path, marked, fmt)
            cells = frame.astype(str).to_numpy()
            hits = np.flatnonzero([any(_MARK in c for c in row) for row in cells]).tolist()
        if hits:
            where = f"data row {hits[0]} (line {line})"
    except AnnalError:
        pass
    bad = raw[exc.start : exc.end].hex()
    return f"{path}: not UTF-8 at {where}: byte 0x{bad} at offset {exc.start}"


def join_columns(frame: pd.DataFrame, columns: Sequence[str], sep: str = ". ") -> np.ndarray:
    """Join several text columns per row with ``sep``, skipping missing or empty parts.

    Parameters
    ----------
    frame : pandas.DataFrame
    columns : sequence of str
        Existing column names.
    sep : str

    Returns
    -------
    numpy.ndarray, shape (n,), dtype object
        The joined text, or ``None`` where every part is missing.
    """
    parts = [frame[c].to_numpy(dtype=object) for c in columns]
    out = np.empty(len(frame), dtype=object)
    for i in range(len(frame)):
        pieces = [str(p[i]) for p in parts if _present(p[i])]
        out[i] = sep.join(pieces) if pieces else None
    return out


def _present(value: object) -> bool:
    if value is None:
        return False
    if isinstance(value, float) and np.isnan(value):
        return False
    return not (isinstance(value, str) and not value.strip())


def require_columns(frame: pd.DataFrame, path: Path | str, columns: Sequence[str]) -> None:
    """Raise :class:`AnnalError` naming the missing columns and the ones that exist."""
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        have = ", ".join(map(str, frame.columns)) or "(none)"
        raise AnnalError(f"{path}: no column {', '.join(map(repr, missing))}; columns are: {have}")
