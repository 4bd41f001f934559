"""Safe output files: a reader never sees a half-written file, and a bad path fails early.

Everything annal writes (embedding arrays, cache entries, tables, plots, reports) goes through
:func:`atomic_write`: the bytes go to a temporary file in the destination folder, which is
flushed, given the mode a plain ``open()`` would give (``0o666`` less the umask, not
``mkstemp``'s ``0o600``) and moved onto the target with :func:`os.replace` (atomic on POSIX
and Windows within one file system).

The writer gets an *open file*, never a path: a path-taking writer may change the name it
writes to (``numpy.save`` appends ``.npy``), and then the rename would move an empty file into
place. :func:`check_output_path` validates an output path before a command does any work.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from annal.errors import AnnalError


def _umask() -> int:
    """The process umask, read without changing it where the OS allows."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _reason(exc: OSError) -> str:
    return exc.strerror or str(exc)


def check_output_path(target: str | os.PathLike[str], *, what: str = "output") -> Path:
    """Check that a file can be written at ``target``; nothing is created.

    The target must not be a directory, and its nearest existing ancestor must be a
    writable directory (missing folders are created when the file is written).

    Returns
    -------
    pathlib.Path
        ``target`` with ``~`` expanded.

    Raises
    ------
    AnnalError
        Naming the path and why it cannot be written.
    """
    path = Path(target).expanduser()
    if path.is_dir():
        raise AnnalError(f"{what} {path}: is a directory, expected a file path")
    if path.exists() and not os.access(path, os.W_OK):
        raise AnnalError(f"{what} {path}: file is not writable")
    check_output_dir(path.parent, what=what)
    return path


def check_output_dir(folder: str | os.PathLike[str], *, what: str = "output") -> Path:
    """Check that ``folder`` is (or can be created as) a writable directory; nothing is created.

    Raises
    ------
    AnnalError
        When ``folder`` or an ancestor is a file, or the nearest existing ancestor is not
        writable.
    """
    folder = Path(folder).expanduser()
    probe = folder.absolute()
    while not probe.exists():
        if probe.parent == probe:
            break
        probe = probe.parent
    if not probe.is_dir():
        raise AnnalError(f"{what} {folder}: {probe} is a file, not a directory")
    if not os.access(probe, os.W_OK | os.X_OK):
        raise AnnalError(f"{what} {folder}: directory {probe} is not writable")
    return folder


@contextlib.contextmanager
def atomic_write(target: str | os.PathLike[str]) -> Iterator[BinaryIO]:
    """Yield an open binary file whose content replaces ``target`` when the body succeeds.

    Parameters
    ----------
    target : str or PathLike
        Final destination; missing parent folders are created.

    Yields
    ------
    BinaryIO
        Write here (``np.save(fh, ...)``, ``df.to_csv(fh)``, ``fig.savefig(fh, format=...)``).
        If the body raises, the temporary file is removed and ``target`` is untouched.

    Raises
    ------
    AnnalError
        ``target`` is a directory, or the file system refuses the write (read-only folder,
        full disk, ...): one line naming ``target``.
    """
    target = check_output_path(target)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    except OSError as exc:
        raise AnnalError(f"cannot write {target}: {_reason(exc)}") from None
    tmp_path = Path(tmp)
    try:
        with os.fdopen(fd, "wb") as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp_path, 0o666 & ~_umask())
        os.replace(tmp_path, target)
    except OSError as exc:
        tmp_path.unlink(missing_ok=True)
        raise AnnalError(f"cannot write {target}: {_reason(exc)}") from None
    except BaseException:
        tmp_path.unlink(missing_ok=True)
        raise


def atomic_write_bytes(target: str | os.PathLike[str], data: bytes) -> None:
    """Write ``data`` to ``target`` atomically (see :func:`atomic_write`)."""
    with atomic_write(target) as fh:
        fh.write(data)


def atomic_write_text(target: str | os.PathLike[str], text: str) -> None:
    """Write ``text`` (UTF-8) to ``target`` atomically (see :func:`atomic_write`)."""
    atomic_write_bytes(target, text.encode("utf-8"))


LOCK_NAME = ".annal.lock"


@contextlib.contextmanager
def run_lock(folder: str | os.PathLike[str], *, what: str = "run directory") -> Iterator[Path]:
    """Hold an exclusive lock on ``folder`` (created if missing) for the body.

    A second process asking for the same folder fails at once instead of redoing the
    work. The lock is an OS file lock (released even on ``kill -9``) on ``folder/.annal.lock``,
    which names the holder's pid. On exit the lock file, and every folder this call created
    that is still empty, are removed, so a run that failed to start leaves nothing behind.

    Raises
    ------
    AnnalError
        When another process holds the lock, or the folder cannot be created.
    """
    folder = Path(folder).expanduser()
    check_output_dir(folder, what=what)
    created = []
    probe = folder.absolute()
    while not probe.exists():
        created.append(probe)
        probe = probe.parent
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise AnnalError(f"{what} {folder}: cannot create it: {_reason(exc)}") from None
    lock = folder / LOCK_NAME
    try:
        import fcntl
    except ImportError:  # no POSIX locks (Windows): run unlocked
        fcntl = None
    fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o666)
    try:
        if fcntl is not None:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                holder = os.read(fd, 64).decode("ascii", "replace").strip() or "?"
                raise AnnalError(
                    f"{what} {folder}: in use by another annal run (pid {holder}); wait for "
                    "it to finish or use another --out"
                ) from None
        os.ftruncate(fd, 0)
        os.write(fd, str(os.getpid()).encode("ascii"))
        try:
            yield folder
        finally:
            lock.unlink(missing_ok=True)  # while still locked: a newcomer makes a fresh file
            for path in created:
                try:
                    path.rmdir()  # only when empty
                except OSError:
                    break
    finally:
        os.close(fd)


#: Table formats by file suffix, for :func:`write_table`.
TABLE_FORMATS = {".csv": "csv", ".tsv": "tsv", ".parquet": "parquet", ".pq": "parquet"}


def table_format(target: str | os.PathLike[str], *, what: str = "output") -> str:
    """The table format ``target``'s suffix names (csv, tsv, parquet).

    Raises
    ------
    AnnalError
        An unknown suffix (the message lists the known ones).
    """
    suffix = Path(target).suffix.lower()
    if suffix not in TABLE_FORMATS:
        known = ", ".join(TABLE_FORMATS)
        raise AnnalError(
            f"{what} {target}: unknown table format {suffix or '(none)'!r}; use {known}"
        )
    return TABLE_FORMATS[suffix]


def write_table(frame, target: str | os.PathLike[str]) -> Path:
    """Write a pandas DataFrame atomically in the format ``target``'s suffix names."""
    fmt = table_format(target)
    with atomic_write(target) as fh:
        if fmt == "parquet":
            frame.to_parquet(fh, index=False)
        else:
            frame.to_csv(fh, index=False, sep="\t" if fmt == "tsv" else ",")
    return Path(target).expanduser()
