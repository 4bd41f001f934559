"""The project store: one SQLite file (WAL mode) holding rows, labels, events, queue and model.

Every write is one ``BEGIN IMMEDIATE`` transaction committed before the call returns
(``synchronous=FULL``), so a killed server loses at most the write in flight. Each thread gets
its own connection (the web server's request threads and the background trainer share the file,
not a connection).

Tables
------
``meta``
    key/value: ``schema_version``, ``config`` (JSON), ``token`` (the page's CSRF token).
``items``
    ``id`` (0-based row of the source file), ``ext_id`` (the ``--id-col`` value or the row
    number, as text), ``text``.
``labels``
    the label set in button order (``pos``); class code = rank of ``pos``.
``annotations``
    the current label of each labelled row, with who/when.
``skips``
    rows someone skipped (never served again unless the skip is undone).
``events``
    every label/skip, with the previous state so it can be undone (``undone`` = 1 once undone).
``queue``
    the rows to serve next, in ``rank`` order (the trainer replaces it after each fit).
``assignments``
    which browser tab (``client``) holds which row since when (``at``, the lease), in the order
    the tab sees them (``ord``), so two tabs never get the same row.
``rounds``
    one row per fit: labelled count, estimated macro-F1 with interval, stopping advice, and the
    model's probabilities on the stop set (for the stabilising-predictions criteria).
"""

from __future__ import annotations

import io
import json
import os
import secrets
import sqlite3
import threading
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from annal.errors import AnnalError

SCHEMA_VERSION = 1
DB_NAME = "project.db"
#: Seconds a tab holds a row it was given but has not labelled; then another tab may get it.
LEASE_S = 600.0
#: Window over which labels per minute are counted.
RATE_WINDOW_S = 300.0

_SCHEMA = """
CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE items(id INTEGER PRIMARY KEY, ext_id TEXT NOT NULL UNIQUE, text TEXT NOT NULL);
CREATE TABLE labels(id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, pos INTEGER NOT NULL);
CREATE TABLE annotations(
    item INTEGER PRIMARY KEY, label INTEGER NOT NULL, who TEXT NOT NULL, at REAL NOT NULL);
CREATE INDEX annotations_label ON annotations(label);
CREATE TABLE skips(item INTEGER PRIMARY KEY, who TEXT NOT NULL, at REAL NOT NULL);
CREATE TABLE events(
    seq INTEGER PRIMARY KEY AUTOINCREMENT, item INTEGER NOT NULL, kind TEXT NOT NULL,
    label INTEGER, prev_label INTEGER, prev_skip INTEGER NOT NULL DEFAULT 0,
    who TEXT NOT NULL, client TEXT, at REAL NOT NULL, undone INTEGER NOT NULL DEFAULT 0);
CREATE INDEX events_client ON events(client, undone);
CREATE INDEX events_at ON events(at);
CREATE TABLE queue(
    item INTEGER PRIMARY KEY, rank INTEGER NOT NULL, source TEXT NOT NULL, round INTEGER NOT NULL);
CREATE INDEX queue_rank ON queue(rank);
CREATE TABLE assignments(
    item INTEGER PRIMARY KEY, client TEXT NOT NULL, at REAL NOT NULL, ord REAL NOT NULL);
CREATE INDEX assignments_client ON assignments(client, at);
CREATE TABLE rounds(
    round INTEGER PRIMARY KEY, n_labelled INTEGER NOT NULL, at REAL NOT NULL, phase TEXT NOT NULL,
    fit_s REAL NOT NULL, f1 REAL, f1_lo REAL, f1_hi REAL, cv_folds INTEGER,
    stop_proba BLOB, advice TEXT NOT NULL DEFAULT '[]');
"""


@dataclass(frozen=True)
class Item:
    """One row as the page shows it."""

    id: int
    ext_id: str
    text: str
    label: str | None = None
    suggestion: str | None = None
    proba: float | None = None

    def as_dict(self) -> dict:
        """JSON-ready dict."""
        return dict(self.__dict__)


@dataclass(frozen=True)
class Snapshot:
    """What the trainer needs from the store, read in one transaction.

    ``labelled_ids`` ascending with their class codes ``y`` (rank of the label's position);
    ``blocked_ids``: skipped rows and rows held by a tab (a strategy must not pick them).
    """

    n_items: int
    labels: list[str]
    labelled_ids: np.ndarray
    y: np.ndarray
    blocked_ids: np.ndarray
    n_rounds: int


def _hold_first(con: sqlite3.Connection, item: int, client: str, now: float) -> None:
    """Give ``item`` to ``client``, ahead of the other rows it holds."""
    first = con.execute("SELECT MIN(ord) FROM assignments WHERE client = ?", (client,)).fetchone()
    ord_ = now if first[0] is None else first[0] - 1.0
    con.execute("INSERT OR REPLACE INTO assignments VALUES (?, ?, ?, ?)", (item, client, now, ord_))


def label_list(value: str | Sequence[str]) -> list[str]:
    """``"a,b,c"`` or a sequence -> stripped names; empty or duplicate names are an error."""
    names = [s.strip() for s in (value.split(",") if isinstance(value, str) else value)]
    if not names or any(not n for n in names):
        raise AnnalError(f"labels: empty label name in {','.join(names)!r}")
    seen: set[str] = set()
    for name in names:
        if name in seen:
            raise AnnalError(f"labels: {name!r} is listed twice")
        seen.add(name)
    return names


class ProjectStore:
    """The SQLite file of a labelling project.

    Parameters
    ----------
    path : str or PathLike
        The ``project.db`` file; it must exist and carry :data:`SCHEMA_VERSION` (use
        :meth:`create` for a new one).
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        if not self.path.is_file():
            raise AnnalError(f"{self.path}: no labelling project here (run `annal label init`)")
        self._local = threading.local()
        try:
            version = self.meta("schema_version")
        except sqlite3.DatabaseError as exc:
            raise AnnalError(f"{self.path}: not an annal project database ({exc})") from None
        if version != str(SCHEMA_VERSION):
            raise AnnalError(
                f"{self.path}: project schema version {version}, this annal reads version "
                f"{SCHEMA_VERSION}"
            )

    # -- connections and transactions -------------------------------------------------------

    @staticmethod
    def _connect(path: Path) -> sqlite3.Connection:
        con = sqlite3.connect(path, isolation_level=None, timeout=30.0, check_same_thread=False)
        con.execute("PRAGMA journal_mode=WAL")
        con.execute("PRAGMA synchronous=FULL")
        con.execute("PRAGMA foreign_keys=ON")
        return con

    @property
    def con(self) -> sqlite3.Connection:
        """This thread's connection."""
        con = getattr(self._local, "con", None)
        if con is None:
            con = self._local.con = self._connect(self.path)
        return con

    def close(self) -> None:
        """Close this thread's connection."""
        con = getattr(self._local, "con", None)
        if con is not None:
            con.close()
            self._local.con = None

    @contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        """One write transaction (``BEGIN IMMEDIATE`` ... ``COMMIT``), rolled back on error."""
        con = self.con
        con.execute("BEGIN IMMEDIATE")
        try:
            yield con
        except BaseException:
            con.execute("ROLLBACK")
            raise
        con.execute("COMMIT")

    @contextmanager
    def read(self) -> Iterator[sqlite3.Connection]:
        """One consistent read transaction."""
        con = self.con
        con.execute("BEGIN")
        try:
            yield con
        finally:
            con.execute("COMMIT")

    # -- creation ------------------------------------------------------------------------------

    @classmethod
    def create(
        cls,
        path: str | os.PathLike[str],
        *,
        ext_ids: Sequence[str],
        texts: Sequence[str],
        labels: Sequence[str],
        config: dict,
        initial: Iterable[tuple[int, str]] = (),
        who: str = "import",
    ) -> ProjectStore:
        """Write a new project database at ``path`` (which must not exist).

        ``initial`` holds ``(row, label name)`` pairs of labels imported from the data file.
        """
        path = Path(path)
        con = cls._connect(path)
        try:
            con.executescript(_SCHEMA)
            con.execute("BEGIN IMMEDIATE")
            con.executemany(
                "INSERT INTO meta VALUES (?, ?)",
                [
                    ("schema_version", str(SCHEMA_VERSION)),
                    ("config", json.dumps(config, sort_keys=True)),
                    ("token", secrets.token_urlsafe(32)),
                    ("created", str(time.time())),
                ],
            )
            con.executemany(
                "INSERT INTO items VALUES (?, ?, ?)",
                ((i, str(e), str(t)) for i, (e, t) in enumerate(zip(ext_ids, texts, strict=True))),
            )
            con.executemany(
                "INSERT INTO labels(name, pos) VALUES (?, ?)",
                [(name, pos) for pos, name in enumerate(label_list(labels))],
            )
            code = dict(con.execute("SELECT name, id FROM labels").fetchall())
            now = time.time()
            rows = [(int(r), code[name], who, now) for r, name in initial]
            con.executemany("INSERT INTO annotations VALUES (?, ?, ?, ?)", rows)
            con.executemany(
                "INSERT INTO events(item, kind, label, who, at) VALUES (?, 'import', ?, ?, ?)",
                rows,
            )
            con.execute("COMMIT")
        finally:
            con.close()
        return cls(path)

    # -- meta ----------------------------------------------------------------------------------

    def meta(self, key: str) -> str | None:
        """A meta value, or None."""
        row = self.con.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else row[0]

    def set_meta(self, key: str, value: str) -> None:
        """Set a meta value."""
        with self.write() as con:
            con.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, value))

    @property
    def config(self) -> dict:
        """The project's configuration (written by ``init``)."""
        return json.loads(self.meta("config") or "{}")

    @property
    def token(self) -> str:
        """The CSRF token every write from the page must carry."""
        return str(self.meta("token"))

    # -- labels --------------------------------------------------------------------------------

    def labels(self) -> list[str]:
        """Label names in button order."""
        return [r[0] for r in self.con.execute("SELECT name FROM labels ORDER BY pos")]

    def _label_id(self, con: sqlite3.Connection, name: str) -> int:
        row = con.execute("SELECT id FROM labels WHERE name = ?", (name,)).fetchone()
        if row is None:
            raise AnnalError(f"unknown label {name!r}; labels are: {', '.join(self.labels())}")
        return int(row[0])

    def add_label(self, name: str) -> list[str]:
        """Add a label at the end of the set; returns the new label list."""
        (name,) = label_list([name])
        with self.write() as con:
            if con.execute("SELECT 1 FROM labels WHERE name = ?", (name,)).fetchone():
                raise AnnalError(f"label {name!r} already exists")
            pos = con.execute("SELECT COALESCE(MAX(pos), -1) + 1 FROM labels").fetchone()[0]
            con.execute("INSERT INTO labels(name, pos) VALUES (?, ?)", (name, pos))
        return self.labels()

    def rename_label(self, old: str, new: str) -> list[str]:
        """Rename ``old`` to ``new``; if ``new`` exists, merge: ``old``'s rows get ``new``."""
        (new,) = label_list([new])
        with self.write() as con:
            src = self._label_id(con, old)
            row = con.execute("SELECT id FROM labels WHERE name = ?", (new,)).fetchone()
            if row is None:
                con.execute("UPDATE labels SET name = ? WHERE id = ?", (new, src))
            elif int(row[0]) != src:
                dst = int(row[0])
                con.execute("UPDATE annotations SET label = ? WHERE label = ?", (dst, src))
                for col in ("label", "prev_label"):
                    con.execute(f"UPDATE events SET {col} = ? WHERE {col} = ?", (dst, src))
                con.execute("DELETE FROM labels WHERE id = ?", (src,))
        return self.labels()

    # -- serving rows --------------------------------------------------------------------------

    def _items(self, con: sqlite3.Connection, ids: Sequence[int]) -> list[Item]:
        if not ids:
            return []
        marks = ",".join("?" * len(ids))
        rows = con.execute(
            f"""SELECT i.id, i.ext_id, i.text, la.name
                FROM items i
                LEFT JOIN annotations a ON a.item = i.id LEFT JOIN labels la ON la.id = a.label
                WHERE i.id IN ({marks})""",
            list(ids),
        ).fetchall()
        by_id = {r[0]: Item(*r) for r in rows}
        return [by_id[i] for i in ids if i in by_id]

    def items(self, ids: Sequence[int]) -> list[Item]:
        """Rows by id, in the given order (unknown ids left out)."""
        return self._items(self.con, [int(i) for i in ids])

    def claim(self, client: str, n: int, now: float | None = None) -> list[Item]:
        """Rows for one tab: those it already holds, then up to ``n`` new ones.

        New rows come from the queue in rank order, else (queue used up while the trainer
        works) from the unlabelled rows after a random start. A row held by another tab within
        :data:`LEASE_S` is never given out, so two tabs never get the same row.
        """
        now = time.time() if now is None else now
        with self.write() as con:
            held = [
                r[0]
                for r in con.execute(
                    """SELECT g.item FROM assignments g
                       WHERE g.client = ? AND g.item NOT IN (SELECT item FROM annotations)
                       AND g.item NOT IN (SELECT item FROM skips) ORDER BY g.ord, g.item""",
                    (client,),
                )
            ]
            free = """NOT EXISTS (SELECT 1 FROM annotations a WHERE a.item = {c})
                AND NOT EXISTS (SELECT 1 FROM skips s WHERE s.item = {c})
                AND NOT EXISTS (SELECT 1 FROM assignments g WHERE g.item = {c}
                                AND (g.at > ? OR g.client = ?))"""
            fresh = [
                r[0]
                for r in con.execute(
                    f"SELECT q.item FROM queue q WHERE {free.format(c='q.item')} "
                    "ORDER BY q.rank LIMIT ?",
                    (now - LEASE_S, client, n),
                )
            ]
            if len(fresh) < n:
                total = con.execute("SELECT COUNT(*) FROM items").fetchone()[0]
                start = int(now * 1000) % max(total, 1)
                for lo, hi in ((start, total), (0, start)):
                    fresh += [
                        r[0]
                        for r in con.execute(
                            f"SELECT i.id FROM items i WHERE i.id >= ? AND i.id < ? "
                            f"AND {free.format(c='i.id')} ORDER BY i.id LIMIT ?",
                            (lo, hi, now - LEASE_S, client, n - len(fresh)),
                        )
                        if r[0] not in fresh
                    ]
                    if len(fresh) >= n:
                        break
            con.executemany(
                "INSERT OR REPLACE INTO assignments VALUES (?, ?, ?, ?)",
                [(i, client, now, now + k * 1e-6) for k, i in enumerate(fresh)],
            )
            con.execute("UPDATE assignments SET at = ? WHERE client = ?", (now, client))
            return self._items(con, held + fresh)

    def hold(self, client: str, item: int, now: float | None = None) -> None:
        """Give ``item`` to ``client`` (search results a person labels directly, undo)."""
        now = time.time() if now is None else now
        with self.write() as con:
            _hold_first(con, item, client, now)

    # -- writes from the page --------------------------------------------------------------------

    def _record(
        self, con: sqlite3.Connection, item: int, kind: str, label: int | None, who, client, now
    ) -> None:
        if con.execute("SELECT 1 FROM items WHERE id = ?", (item,)).fetchone() is None:
            raise AnnalError(f"no row with id {item}")
        prev = con.execute("SELECT label FROM annotations WHERE item = ?", (item,)).fetchone()
        skipped = con.execute("SELECT 1 FROM skips WHERE item = ?", (item,)).fetchone()
        con.execute(
            "INSERT INTO events(item, kind, label, prev_label, prev_skip, who, client, at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                item,
                kind,
                label,
                None if prev is None else prev[0],
                int(bool(skipped)),
                who,
                client,
                now,
            ),
        )
        if kind == "label":
            con.execute(
                "INSERT OR REPLACE INTO annotations VALUES (?, ?, ?, ?)", (item, label, who, now)
            )
            con.execute("DELETE FROM skips WHERE item = ?", (item,))
        else:
            con.execute("INSERT OR REPLACE INTO skips VALUES (?, ?, ?)", (item, who, now))
        con.execute("DELETE FROM assignments WHERE item = ?", (item,))

    def label(
        self,
        item: int,
        label: str,
        *,
        who: str = "local",
        client: str | None = None,
        now: float | None = None,
    ) -> None:
        """Give ``item`` the label ``label`` (one committed transaction)."""
        now = time.time() if now is None else now
        with self.write() as con:
            self._record(con, int(item), "label", self._label_id(con, label), who, client, now)

    def label_many(self, pairs: Iterable[tuple[int, str]], *, who: str = "oracle") -> None:
        """Label several rows, each in its own transaction (as a person would)."""
        for item, name in pairs:
            self.label(item, name, who=who)

    def skip(
        self, item: int, *, who: str = "local", client: str | None = None, now: float | None = None
    ) -> None:
        """Skip ``item``: it is not served again (unless the skip is undone)."""
        now = time.time() if now is None else now
        with self.write() as con:
            self._record(con, int(item), "skip", None, who, client, now)

    def undo(self, *, client: str | None = None, who: str = "local") -> int | None:
        """Undo the last label or skip of ``client`` (else of ``who``); the row goes back to it.

        Returns the row's id, or None when there is nothing to undo.
        """
        with self.write() as con:
            row = None
            if client is not None:
                row = con.execute(
                    "SELECT seq, item, prev_label, prev_skip FROM events "
                    "WHERE client = ? AND undone = 0 AND kind IN ('label', 'skip') "
                    "ORDER BY seq DESC LIMIT 1",
                    (client,),
                ).fetchone()
            if row is None:
                row = con.execute(
                    "SELECT seq, item, prev_label, prev_skip FROM events "
                    "WHERE who = ? AND undone = 0 AND kind IN ('label', 'skip') "
                    "ORDER BY seq DESC LIMIT 1",
                    (who,),
                ).fetchone()
            if row is None:
                return None
            seq, item, prev_label, prev_skip = row
            con.execute("UPDATE events SET undone = 1 WHERE seq = ?", (seq,))
            if prev_label is None:
                con.execute("DELETE FROM annotations WHERE item = ?", (item,))
            else:
                con.execute("UPDATE annotations SET label = ? WHERE item = ?", (prev_label, item))
            if prev_skip:
                con.execute(
                    "INSERT OR REPLACE INTO skips VALUES (?, ?, ?)", (item, who, time.time())
                )
            else:
                con.execute("DELETE FROM skips WHERE item = ?", (item,))
            if client is not None:
                _hold_first(con, item, client, time.time())
            return int(item)

    # -- reading for the page and the trainer ----------------------------------------------------

    def n_items(self) -> int:
        """Number of rows."""
        return int(self.con.execute("SELECT COUNT(*) FROM items").fetchone()[0])

    def annotations(self) -> dict[int, str]:
        """``{row id: label name}`` of every labelled row."""
        return dict(
            self.con.execute(
                "SELECT a.item, l.name FROM annotations a JOIN labels l ON l.id = a.label"
            ).fetchall()
        )

    def counts(self) -> dict:
        """Labelled/skipped counts and the class histogram (every label, in button order)."""
        with self.read() as con:
            hist = dict(
                con.execute(
                    "SELECT l.name, COUNT(a.item) FROM labels l "
                    "LEFT JOIN annotations a ON a.label = l.id GROUP BY l.id ORDER BY l.pos"
                ).fetchall()
            )
            skipped = con.execute("SELECT COUNT(*) FROM skips").fetchone()[0]
            n_items = con.execute("SELECT MAX(id) + 1 FROM items").fetchone()[0] or 0
        return {
            "n_items": int(n_items),
            "n_labelled": int(sum(hist.values())),
            "n_skipped": int(skipped),
            "histogram": hist,
            "classes_covered": int(sum(1 for v in hist.values() if v)),
            "n_classes": len(hist),
        }

    def labels_per_minute(self, now: float | None = None) -> float:
        """Labels given in the last :data:`RATE_WINDOW_S` seconds, per minute of that window
        (or of the time since the first of them, when labelling began more recently)."""
        now = time.time() if now is None else now
        n, first = self.con.execute(
            "SELECT COUNT(*), MIN(at) FROM events WHERE kind = 'label' AND undone = 0 AND at > ?",
            (now - RATE_WINDOW_S,),
        ).fetchone()
        if not n:
            return 0.0
        span = max(now - first, 60.0)
        return 60.0 * n / span

    def snapshot(self, now: float | None = None) -> Snapshot:
        """Labelled rows with class codes, and rows a strategy must not pick, consistently."""
        now = time.time() if now is None else now
        with self.read() as con:
            names = [r[0] for r in con.execute("SELECT name FROM labels ORDER BY pos")]
            rows = con.execute(
                "SELECT a.item, l.name FROM annotations a JOIN labels l ON l.id = a.label "
                "ORDER BY a.item"
            ).fetchall()
            blocked = [
                r[0]
                for r in con.execute(
                    "SELECT item FROM skips UNION SELECT item FROM assignments WHERE at > ?",
                    (now - LEASE_S,),
                )
            ]
            n_items = con.execute("SELECT COUNT(*) FROM items").fetchone()[0]
            n_rounds = con.execute("SELECT COUNT(*) FROM rounds").fetchone()[0]
        code = {n: i for i, n in enumerate(names)}
        ids = np.array([r[0] for r in rows], dtype=np.int64)
        y = np.array([code[r[1]] for r in rows], dtype=np.int64)
        blocked_ids = np.setdiff1d(np.array(blocked, dtype=np.int64), ids)
        return Snapshot(int(n_items), names, ids, y, blocked_ids, int(n_rounds))

    def queue_left(self, now: float | None = None) -> int:
        """Queued rows not yet labelled, skipped or held by a tab."""
        now = time.time() if now is None else now
        return int(
            self.con.execute(
                """SELECT COUNT(*) FROM queue q
                   WHERE q.item NOT IN (SELECT item FROM annotations)
                   AND q.item NOT IN (SELECT item FROM skips)
                   AND q.item NOT IN (SELECT item FROM assignments WHERE at > ?)""",
                (now - LEASE_S,),
            ).fetchone()[0]
        )

    def queued(self) -> list[int]:
        """The queue's rows in serving order."""
        return [r[0] for r in self.con.execute("SELECT item FROM queue ORDER BY rank")]

    def search(self, query: str, limit: int = 20) -> list[Item]:
        """Rows whose text contains ``query`` (case-insensitive), first ``limit`` by id."""
        ids = [
            r[0]
            for r in self.con.execute(
                "SELECT id FROM items WHERE instr(lower(text), lower(?)) > 0 ORDER BY id LIMIT ?",
                (query, limit),
            )
        ]
        return self.items(ids)

    # -- written by the trainer ------------------------------------------------------------------

    def set_queue(self, ids: Sequence[int], source: str, round: int) -> None:
        """Replace the queue with ``ids`` (served in this order)."""
        with self.write() as con:
            con.execute("DELETE FROM queue")
            con.executemany(
                "INSERT OR IGNORE INTO queue VALUES (?, ?, ?, ?)",
                [(int(i), rank, source, int(round)) for rank, i in enumerate(ids)],
            )

    def record_round(
        self,
        *,
        round: int,
        n_labelled: int,
        phase: str,
        fit_s: float,
        estimate: dict | None,
        stop_proba: np.ndarray | None,
        advice: list[dict],
        queue: Sequence[int],
    ) -> None:
        """Store one fit (its round row) and the next queue, in one short transaction."""
        blob = None
        if stop_proba is not None:
            buf = io.BytesIO()
            np.save(buf, np.asarray(stop_proba, dtype=np.float32), allow_pickle=False)
            blob = buf.getvalue()
        est = estimate or {}
        with self.write() as con:
            con.execute(
                "INSERT OR REPLACE INTO rounds VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    int(round),
                    int(n_labelled),
                    time.time(),
                    phase,
                    float(fit_s),
                    est.get("f1"),
                    est.get("lo"),
                    est.get("hi"),
                    est.get("folds"),
                    blob,
                    json.dumps(advice),
                ),
            )
            con.execute("DELETE FROM queue")
            con.executemany(
                "INSERT OR IGNORE INTO queue VALUES (?, ?, ?, ?)",
                [(int(i), rank, phase, int(round)) for rank, i in enumerate(queue)],
            )

    def rounds(self) -> list[dict]:
        """Every stored fit, oldest first (``stop_proba`` decoded to an array or None)."""
        cur = self.con.execute("SELECT * FROM rounds ORDER BY round")
        names = [d[0] for d in cur.description]
        out = []
        for row in cur.fetchall():
            rec = dict(zip(names, row, strict=True))
            rec["stop_proba"] = (
                None
                if rec["stop_proba"] is None
                else np.load(io.BytesIO(rec["stop_proba"]), allow_pickle=False)
            )
            rec["advice"] = json.loads(rec["advice"])
            out.append(rec)
        return out

    def last_round(self) -> dict | None:
        """The latest fit's row (without ``stop_proba``), or None."""
        cur = self.con.execute(
            "SELECT round, n_labelled, at, phase, fit_s, f1, f1_lo, f1_hi, cv_folds, advice "
            "FROM rounds ORDER BY round DESC LIMIT 1"
        )
        row = cur.fetchone()
        if row is None:
            return None
        rec = dict(zip([d[0] for d in cur.description], row, strict=True))
        rec["advice"] = json.loads(rec["advice"])
        return rec

    def export_rows(self) -> list[tuple]:
        """``(ext_id, text, label, who, at)`` for every row, by id (None where unlabelled)."""
        return self.con.execute(
            """SELECT i.ext_id, i.text, la.name, a.who, a.at
               FROM items i
               LEFT JOIN annotations a ON a.item = i.id LEFT JOIN labels la ON la.id = a.label
               ORDER BY i.id"""
        ).fetchall()
