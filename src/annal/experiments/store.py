"""The results store: one SQLite file (standard library, WAL mode) per run directory.

Tables
------
``meta``      key/value: the config hash, the config itself (JSON), creation time.
``datasets``  per dataset: class names, label distribution, pool and test sizes.
``runs``      one row per grid cell: config hash, dataset, strategy (+ params), init, seed,
              classifier, library versions, status (pending/running/done/failed), the
              traceback of a failure, a fingerprint of its split and its initial set.
``rounds``    one row per finished AL round of a run, every field of the round record;
              per-class lists and selected ids as JSON.

Only the driver process writes; each round is committed as soon as it arrives, so a crash or
``kill -9`` loses at most the round in flight.
"""

from __future__ import annotations

import json
import os
import sqlite3
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pandas as pd

from annal._io import write_table
from annal.al.loop import RoundRecord
from annal.al.metrics import PER_CLASS_FIELDS, per_class_by_name
from annal.errors import AnnalError

STORE_NAME = "results.sqlite"
_SQLITE_MAGIC = b"SQLite format 3\x00"

#: The round columns, all derived from :class:`annal.al.RoundRecord` (declaration order).
#: Round fields that count something: integers in every frame and export.
ROUND_COUNTS = RoundRecord.columns_of("count")
#: Number-valued round fields (counts and reals), stored as their own REAL columns.
ROUND_SCALARS = RoundRecord.columns_of("count", "real")
#: Yes/no round-record fields (whether each stopping criterion would stop), stored as 0/1/NULL.
ROUND_FLAGS = RoundRecord.columns_of("flag")
#: List-valued round-record fields, stored as JSON text.
ROUND_LISTS = RoundRecord.columns_of("list")
#: Round fields that measure time, not results: left out of equality checks.
TIMING_FIELDS = RoundRecord.timing_fields()
#: The SQLite type of each kind of round column.
_SQL_TYPES = {"count": "REAL", "real": "REAL", "flag": "INTEGER", "list": "TEXT"}

_SCHEMA = f"""
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS datasets (
    name TEXT PRIMARY KEY, classes TEXT NOT NULL, class_counts TEXT NOT NULL,
    n_rows INTEGER NOT NULL, report TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS runs (
    run_id INTEGER PRIMARY KEY, cell TEXT NOT NULL UNIQUE, config_hash TEXT NOT NULL,
    dataset TEXT NOT NULL, strategy TEXT NOT NULL, strategy_name TEXT NOT NULL,
    strategy_params TEXT NOT NULL, init TEXT NOT NULL, seed INTEGER NOT NULL,
    classifier TEXT NOT NULL, experiments TEXT NOT NULL, versions TEXT NOT NULL,
    n_pool INTEGER NOT NULL, n_test INTEGER NOT NULL, initial INTEGER NOT NULL,
    budget INTEGER NOT NULL, rounds INTEGER NOT NULL,
    split_fingerprint TEXT NOT NULL, initial_ids TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'pending', traceback TEXT,
    started_at REAL, finished_at REAL
);
CREATE TABLE IF NOT EXISTS rounds (
    run_id INTEGER NOT NULL REFERENCES runs(run_id), round INTEGER NOT NULL,
    {", ".join(f"{c} {_SQL_TYPES[kind]}" for c, kind in RoundRecord.columns().items())},
    extra TEXT NOT NULL DEFAULT '{{}}',
    PRIMARY KEY (run_id, round)
);
"""


def _jsonable(value: Any) -> Any:
    """Numpy scalars/arrays -> plain Python, for JSON and SQLite."""
    if hasattr(value, "tolist"):
        return value.tolist()
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    return value


def _add_missing_columns(con: sqlite3.Connection) -> None:
    """Bring a store written by an older annal up to the current round columns; values that
    the older version kept in ``extra`` move into their new column."""
    have = {r[1] for r in con.execute("PRAGMA table_info(rounds)")}
    columns = [(c, _SQL_TYPES[k]) for c, k in RoundRecord.columns().items() if k != "list"]
    for col, kind in ((c, k) for c, k in columns if c not in have):
        with con:
            con.execute(f"ALTER TABLE rounds ADD COLUMN {col} {kind}")
            con.execute(f"UPDATE rounds SET {col} = json_extract(extra, '$.{col}')")


class ResultsStore:
    """A connection to ``RUN_DIR/results.sqlite``.

    Parameters
    ----------
    path : str or Path
        The SQLite file (created with its tables when missing).
    """

    def __init__(self, path: str | Path, *, readonly: bool = False) -> None:
        self.path = Path(path)
        self.readonly = readonly
        self._con: sqlite3.Connection | None = None

    # -- connection -------------------------------------------------------------------------
    @property
    def con(self) -> sqlite3.Connection:
        """The open connection (opened, WAL mode, on first use).

        Raises
        ------
        AnnalError
            When the file is not a usable SQLite database (corrupt, locked, unwritable).
        """
        if self._con is None:
            try:
                self._con = self._open()
            except sqlite3.Error as exc:
                raise AnnalError(f"{self.path}: cannot open the results store: {exc}") from None
        return self._con

    def _open(self) -> sqlite3.Connection:
        if self.readonly:
            # Never writes (no WAL switch, no schema, no upgrade), so a read-only file works.
            con = sqlite3.connect(f"{self.path.absolute().as_uri()}?mode=ro", uri=True)
            con.row_factory = sqlite3.Row
            return con
        self.path.parent.mkdir(parents=True, exist_ok=True)
        con = sqlite3.connect(self.path, timeout=30.0)
        con.row_factory = sqlite3.Row
        con.execute("PRAGMA journal_mode=WAL")
        con.execute("PRAGMA synchronous=NORMAL")
        con.executescript(_SCHEMA)
        _add_missing_columns(con)
        return con

    def close(self) -> None:
        """Close the connection (a later call reopens it)."""
        if self._con is not None:
            self._con.close()
            self._con = None

    def __enter__(self) -> ResultsStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        with self.con as con:  # commits on success, rolls back on error
            yield con

    @classmethod
    def existing(cls, run_dir: str | Path) -> ResultsStore:
        """The store of an existing run directory, checked before anything is written to it.

        It is opened for writing (which upgrades a store of an older annal in place) when the
        file and its folder are writable, else read-only.

        Raises
        ------
        AnnalError
            When ``run_dir`` holds no ``results.sqlite``, or one that is empty, not an SQLite
            file, damaged, or not an annal results store.
        """
        path = Path(run_dir) / STORE_NAME
        if not path.is_file():
            raise AnnalError(f"{run_dir}: no {STORE_NAME} here; run `annal experiment run` first")
        try:
            with open(path, "rb") as fh:
                head = fh.read(len(_SQLITE_MAGIC))
        except OSError as exc:
            raise AnnalError(f"{path}: cannot read: {exc.strerror or exc}") from None
        if head != _SQLITE_MAGIC:
            what = "an empty file" if not head else "not an SQLite file"
            raise AnnalError(f"{path}: {what}, not an annal results store")
        writable = os.access(path, os.W_OK) and os.access(path.parent, os.W_OK | os.X_OK)
        probe = cls(path, readonly=True)
        try:
            ok = probe.con.execute("PRAGMA quick_check").fetchone()[0]
            tables = {r[0] for r in probe.con.execute("SELECT name FROM sqlite_master")}
        except sqlite3.Error as exc:
            raise AnnalError(f"{path}: damaged results store: {exc}") from None
        finally:
            probe.close()
        if ok != "ok":
            raise AnnalError(f"{path}: damaged results store: {ok}")
        missing = {"meta", "runs", "rounds"} - tables
        if missing:
            raise AnnalError(f"{path}: not an annal results store (no {sorted(missing)[0]} table)")
        return cls(path, readonly=not writable)

    @staticmethod
    def remove(run_dir: str | Path) -> None:
        """Delete the store (and its WAL files) of a run directory."""
        for suffix in ("", "-wal", "-shm"):
            p = Path(run_dir) / f"{STORE_NAME}{suffix}"
            if p.exists():
                p.unlink()

    # -- meta -------------------------------------------------------------------------------
    def get_meta(self, key: str) -> str | None:
        """A meta value, or None."""
        row = self.con.execute("SELECT value FROM meta WHERE key=?", (key,)).fetchone()
        return None if row is None else row["value"]

    def set_meta(self, values: Mapping[str, str]) -> None:
        """Insert or replace meta values."""
        with self._tx() as con:
            con.executemany("INSERT OR REPLACE INTO meta VALUES (?, ?)", list(values.items()))

    def embeddings(self) -> dict[str, dict[str, Any]]:
        """What embedded each dataset: ``{dataset: {"encoder": name, "dim": d}}``."""
        rows = self.con.execute("SELECT key, value FROM meta WHERE key LIKE 'embedding:%'")
        return {r["key"].split(":", 1)[1]: json.loads(r["value"]) for r in rows}

    def config(self) -> dict[str, Any]:
        """The config the results were produced with (as stored)."""
        raw = self.get_meta("config")
        return {} if raw is None else json.loads(raw)

    # -- datasets ---------------------------------------------------------------------------
    def put_dataset(
        self, name: str, classes: list[str], class_counts: list[int], report: Mapping[str, Any]
    ) -> None:
        """Record a dataset's classes and label distribution."""
        with self._tx() as con:
            con.execute(
                "INSERT OR REPLACE INTO datasets VALUES (?, ?, ?, ?, ?)",
                (
                    name,
                    json.dumps(list(classes)),
                    json.dumps(_jsonable(class_counts)),
                    int(sum(class_counts)),
                    json.dumps(_jsonable(dict(report))),
                ),
            )

    def datasets(self) -> dict[str, dict[str, Any]]:
        """Every dataset's ``classes``, ``class_counts``, ``n_rows`` and ``report``."""
        out = {}
        for r in self.con.execute("SELECT * FROM datasets ORDER BY name"):
            out[r["name"]] = {
                "classes": json.loads(r["classes"]),
                "class_counts": json.loads(r["class_counts"]),
                "n_rows": r["n_rows"],
                "report": json.loads(r["report"]),
            }
        return out

    # -- runs -------------------------------------------------------------------------------
    def ensure_run(self, cell: str, fields: Mapping[str, Any]) -> int:
        """The run id of ``cell``, inserting its row (status ``pending``) when new."""
        row = self.con.execute("SELECT run_id FROM runs WHERE cell=?", (cell,)).fetchone()
        if row is not None:
            return int(row["run_id"])
        cols = ["cell", *fields]
        plain = [_jsonable(v) for v in fields.values()]
        vals = [cell] + [json.dumps(v) if isinstance(v, (dict, list)) else v for v in plain]
        with self._tx() as con:
            cur = con.execute(
                f"INSERT INTO runs ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})", vals
            )
        return int(cur.lastrowid)

    def set_status(self, run_id: int, status: str, traceback: str | None = None) -> None:
        """Mark a run running / done / failed (with its traceback)."""
        now = time.time()
        with self._tx() as con:
            if status == "running":
                con.execute(
                    "UPDATE runs SET status=?, traceback=NULL, started_at=? WHERE run_id=?",
                    (status, now, run_id),
                )
            else:
                con.execute(
                    "UPDATE runs SET status=?, traceback=?, finished_at=? WHERE run_id=?",
                    (status, traceback, now, run_id),
                )

    def runs(self) -> pd.DataFrame:
        """All runs, one row each (JSON columns left as text)."""
        return pd.read_sql_query("SELECT * FROM runs ORDER BY run_id", self.con)

    def run_status(self) -> dict[str, str]:
        """``cell -> status`` for every run."""
        return {r["cell"]: r["status"] for r in self.con.execute("SELECT cell, status FROM runs")}

    # -- rounds -----------------------------------------------------------------------------
    def add_round(self, run_id: int, record: Mapping[str, Any]) -> None:
        """Store one round record and commit at once."""
        row = stored_row(record)
        cols = ["run_id", *row]
        with self._tx() as con:
            con.execute(
                f"INSERT OR REPLACE INTO rounds ({', '.join(cols)}) "
                f"VALUES ({', '.join('?' * len(cols))})",
                [run_id, *row.values()],
            )

    def rounds_of(self, run_id: int) -> list[dict[str, Any]]:
        """The stored round records of one run, in round order, as plain dicts."""
        rows = self.con.execute(
            "SELECT * FROM rounds WHERE run_id=? ORDER BY round", (run_id,)
        ).fetchall()
        return [self._record(r) for r in rows]

    @staticmethod
    def _record(r: sqlite3.Row) -> dict[str, Any]:
        rec: dict[str, Any] = {"round": int(r["round"])}
        for c in ROUND_SCALARS:
            v = r[c]
            rec[c] = int(v) if c in ROUND_COUNTS and v is not None else v
        for c in ROUND_FLAGS:
            rec[c] = None if r[c] is None else bool(r[c])
        for c in ROUND_LISTS:
            rec[c] = json.loads(r[c]) if r[c] is not None else None
        # Columns win over `extra` (an upgraded store still keeps the old copy there).
        rec.update({k: v for k, v in json.loads(r["extra"]).items() if k not in rec})
        return rec

    def rounds_frame(self) -> pd.DataFrame:
        """Every stored round joined with its run: one row per (dataset, strategy, init, seed,
        round); list fields stay JSON text."""
        q = (
            "SELECT r.dataset, r.strategy, r.init, r.seed, r.classifier, r.status, "
            "r.config_hash, r.experiments, x.* FROM rounds x JOIN runs r USING (run_id) "
            "ORDER BY r.dataset, r.strategy, r.init, r.seed, x.round"
        )
        return typed_rounds(pd.read_sql_query(q, self.con)).drop(columns=["run_id", "extra"])


def stored_row(record: Mapping[str, Any]) -> dict[str, Any]:
    """A round record as the ``rounds`` table stores it: ``round``, every
    :meth:`RoundRecord.columns` column (flags 0/1/None, lists JSON text), then ``extra`` (the
    JSON of any other key)."""
    rec = {k: _jsonable(v) for k, v in record.items()}
    columns = RoundRecord.columns()
    row: dict[str, Any] = {"round": int(rec["round"])}
    for name, kind in columns.items():
        value = rec.get(name)
        if kind == "flag":
            value = None if value is None else int(bool(value))
        elif kind == "list":
            value = json.dumps(value)
        row[name] = value
    row["extra"] = json.dumps({k: v for k, v in rec.items() if k not in row})
    return row


def typed_rounds(df: pd.DataFrame) -> pd.DataFrame:
    """Stored round rows with their column types: counts nullable integers (a count not
    observed is <NA>), the other numbers float (a column of NULLs would come back as objects),
    flags 1.0 / 0.0 / NaN (so CSV and Parquet read back alike); lists stay JSON text."""
    df = df.copy()
    counts = [c for c in ROUND_COUNTS if c in df.columns]
    floats = [c for c in (*ROUND_SCALARS, *ROUND_FLAGS) if c in df.columns and c not in counts]
    df[floats] = df[floats].astype(float)
    df[counts] = df[counts].astype("Int64")
    return df


def name_per_class(df: pd.DataFrame, classes: list[list[str] | None]) -> pd.DataFrame:
    """The per-class list columns as ``{"class name": value}`` JSON, row ``i`` named by
    ``classes[i]`` (None: a store without its dataset's classes; names are indices)."""
    df = df.copy()
    for field in PER_CLASS_FIELDS:
        if field in df.columns:
            named = []
            for v, names in zip(df[field], classes, strict=True):
                values = None if v is None else json.loads(v)
                if values is not None:
                    keys = names if names is not None else range(len(values))
                    values = json.dumps(per_class_by_name(values, keys))
                named.append(values)
            df[field] = named
    return df


def records_table(records: list[Mapping[str, Any]], classes: list[str]) -> pd.DataFrame:
    """Round records (``RoundRecord.as_dict()``) of one run as ``annal results export`` writes
    rounds: the same columns and types, per-class values named by ``classes``."""
    df = typed_rounds(pd.DataFrame([stored_row(r) for r in records])).drop(columns="extra")
    return name_per_class(df, [list(classes)] * len(df))


def export_rounds(run_dir: str | Path, fmt: str = "csv") -> Path:
    """Write ``RUN_DIR/rounds.csv`` (or ``rounds.parquet``): one row per (dataset, strategy,
    init, seed, round) with the metric columns.

    Raises
    ------
    AnnalError
        Unknown format, or no store in ``run_dir``.
    """
    if fmt not in ("csv", "parquet"):
        raise AnnalError(f"--format {fmt!r}: choose csv or parquet")
    with ResultsStore.existing(run_dir) as store:
        df = store.rounds_frame()
        classes = {k: v["classes"] for k, v in store.datasets().items()}
    df = name_per_class(df, [classes.get(d) for d in df["dataset"]])
    return write_table(df, Path(run_dir) / f"rounds.{fmt}")
