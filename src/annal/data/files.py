"""Atomic file writes: a reader never sees a half-written file.

Everything annal writes (plots, embedding arrays, cache entries) goes to a temporary
file in the destination folder first and is moved into place with :func:`os.replace`,
which is atomic on POSIX and Windows when source and target share a file system.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

from annal.errors import AnnalError


@contextlib.contextmanager
def atomic_path(target: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary path beside ``target``; move it onto ``target`` on success.

    Parameters
    ----------
    target : str or PathLike
        Final destination. Its parent folder is created if missing. The temporary
        file keeps ``target``'s suffix, so writers that pick a format from the
        extension (``matplotlib``, ``numpy.save``) behave the same.

    Yields
    ------
    pathlib.Path
        Where to write. If the body raises, the temporary file is removed and
        ``target`` is left untouched.
    """
    target = Path(target).expanduser()
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(
            prefix=f".{target.name}.", suffix=f".tmp{target.suffix}", dir=target.parent
        )
    except OSError as exc:
        raise AnnalError(f"cannot write {target}: {exc.strerror or exc}") from exc
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        os.replace(tmp_path, target)
    except BaseException:
        tmp_path.unlink(missing_ok=True)
        raise


def atomic_write_bytes(target: str | os.PathLike[str], data: bytes) -> None:
    """Write ``data`` to ``target`` atomically (see :func:`atomic_path`)."""
    with atomic_path(target) as tmp:
        tmp.write_bytes(data)
