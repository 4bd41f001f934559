"""On-disk embedding cache.

Key: SHA-256 of the encoder's :attr:`~annal.embed.base.Encoder.name` (which carries
every output-changing parameter) and the texts. Each entry is ``<key>.npy`` (float32,
written with ``allow_pickle=False``) plus ``<key>.json`` metadata, both written
atomically; an entry whose files disagree is treated as missing and rewritten.
Location: ``$ANNAL_CACHE_DIR/embeddings``, else ``~/.cache/annal/embeddings``.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from annal._io import atomic_write, atomic_write_bytes
from annal.embed.base import check_embeddings
from annal.errors import AnnalError

CACHE_ENV = "ANNAL_CACHE_DIR"
_VERSION = 1


def cache_root() -> Path:
    """``$ANNAL_CACHE_DIR``, else ``~/.cache/annal``."""
    env = os.environ.get(CACHE_ENV)
    return Path(env).expanduser() if env else Path.home() / ".cache" / "annal"


def cache_key(encoder_name: str, texts: Sequence[str]) -> str:
    """SHA-256 hex digest of the encoder name and the texts (length-prefixed, UTF-8)."""
    h = hashlib.sha256()
    h.update(f"annal-embeddings-v{_VERSION}\0{encoder_name}\0{len(texts)}\0".encode())
    for text in texts:
        data = str(text).encode("utf-8", "surrogatepass")
        h.update(len(data).to_bytes(8, "little"))
        h.update(data)
    return h.hexdigest()


class EmbeddingCache:
    """Read and write cached embedding matrices.

    Parameters
    ----------
    root : str or PathLike, optional
        Cache folder; default :func:`cache_root` at call time.
    """

    def __init__(self, root: str | os.PathLike[str] | None = None) -> None:
        self.root = root

    @property
    def folder(self) -> Path:
        """Where entries live."""
        return (Path(self.root).expanduser() if self.root else cache_root()) / "embeddings"

    def _paths(self, key: str) -> tuple[Path, Path]:
        return self.folder / f"{key}.npy", self.folder / f"{key}.json"

    def get(self, key: str) -> np.ndarray | None:
        """The cached float32 matrix for ``key``, or ``None`` if absent or not sound.

        An entry gets the checks of a precomputed file (:func:`check_embeddings`: 2-D,
        float, finite) plus agreement with its metadata; anything else is treated as
        missing, so the caller recomputes and overwrites it.
        """
        npy, meta = self._paths(key)
        try:
            info = json.loads(meta.read_text(encoding="utf-8"))
            arr = np.load(npy, allow_pickle=False)
        except (OSError, ValueError, EOFError):
            return None
        if not isinstance(info, dict) or arr.dtype != np.float32:
            return None
        try:
            return check_embeddings(arr, info.get("n"), str(npy), dim=info.get("dim"))
        except AnnalError:
            return None

    def put(self, key: str, vectors: np.ndarray, encoder_name: str) -> None:
        """Store ``vectors`` (float32, shape (n, d)) under ``key`` atomically."""
        npy, meta = self._paths(key)
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        with atomic_write(npy) as fh:
            np.save(fh, vectors, allow_pickle=False)
        info = {
            "encoder": encoder_name,
            "n": int(vectors.shape[0]),
            "dim": int(vectors.shape[1]),
            "dtype": "float32",
            "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "version": _VERSION,
        }
        atomic_write_bytes(meta, json.dumps(info, indent=1).encode("utf-8"))
