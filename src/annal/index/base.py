"""The :class:`VectorIndex` protocol every backend implements, with its shared checks.

Distance convention (every backend, every metric; smaller is always nearer):

- ``cosine``: ``1 - cos(q, x)``, in ``[0, 2]``. Vectors are L2-normalised on the way in
  (an all-zero vector stays zero, so its cosine distance to anything is 1).
- ``ip``: ``-dot(q, x)``, the negated inner product.
- ``l2``: the SQUARED Euclidean distance ``||q - x||^2`` (what FAISS and hnswlib return;
  Annoy's plain L2 is squared on the way out).

Approximate backends report their own estimate where the library gives no exact score
(``faiss:lsh`` turns Hamming distances into the SimHash estimate ``1 - cos(pi * h / nbits)``).

Ids are the caller's: non-negative int64 values given to :meth:`VectorIndex.build` /
:meth:`VectorIndex.add` (``0..n-1`` when omitted) and returned by
:meth:`VectorIndex.search`, never internal positions.

k larger than the index: ``search(queries, k)`` returns ``k' = min(k, ntotal)`` columns
(zero columns on an empty index); a row an approximate backend cannot fill is padded
with id ``-1`` and distance ``+inf``.
"""

from __future__ import annotations

import json
import os
import tempfile
from abc import abstractmethod
from pathlib import Path
from typing import Annotated, Any, BinaryIO, ClassVar, Literal

import numpy as np
from annotated_types import Ge

from annal.errors import AnnalError
from annal.registry import Component, typed_params
from annal.spec import format_spec, format_value, split_spec

#: The canonical metric names every index reports in ``VectorIndex.metric``.
METRICS = ("cosine", "ip", "l2")

#: Parameter types shared by the backends (their constructor annotations).
Metric = Literal["cosine", "ip", "l2"]
Threads = Annotated[int, Ge(0)] | None
Seed = Annotated[int, Ge(0)]
Device = Literal["cpu", "gpu"]


def resolve_threads(threads: int | None) -> int | None:
    """``None`` keeps the library default, ``0`` means every core, else the count itself."""
    if threads is None:
        return None
    return (os.cpu_count() or 1) if threads == 0 else int(threads)


def normalize_rows(x: np.ndarray) -> np.ndarray:
    """Unit-length rows of ``x`` (n, d) as C-contiguous float32; all-zero rows stay zero."""
    x = np.ascontiguousarray(x, dtype=np.float32)
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return x / norms


class VectorIndex(Component):
    """A nearest-neighbour index over float vectors keyed by the caller's int64 ids.

    A backend is a subclass with a registry ``name`` (the spec's backend, ``faiss:ivf``), a
    constructor that only stores its annotated parameters (one of them ``metric``, stored as
    one of :data:`METRICS`), and ``_build``, ``_add``, ``_search``, ``_remove`` and
    ``_memory_bytes`` on already-validated float32 arrays; one line in
    :data:`annal.index.backends.BACKEND_CLASSES` registers it. This class owns the checks
    (dimension, NaN/inf, duplicate or negative ids, ``k`` beyond ``ntotal``), the cosine
    normalisation and the padding rule, so every backend behaves the same.
    """

    #: Whether the library can delete vectors (``remove`` raises :class:`AnnalError` if not).
    supports_remove: ClassVar[bool] = True
    #: Whether vectors can be added after ``build``.
    supports_add: ClassVar[bool] = True
    #: Parameters that only change searches: :meth:`set_query_params` may change them on a
    #: built index (``efSearch``, ``nprobe``, ``ef``, ``search_k``).
    query_params: ClassVar[tuple[str, ...]] = ()

    metric: str
    # Empty until build; class-level so the constructor only stores parameters.
    _dim: int | None = None
    _ids: np.ndarray = np.empty(0, dtype=np.int64)
    _spec_text: str | None = None

    @property
    def backend(self) -> str:
        """The backend's name in spec strings (``faiss:ivf``)."""
        return type(self).name

    @property
    def spec(self) -> str:
        """The spec string that builds this index again (as written, when it came from one)."""
        return self._spec_text or format_spec(self.backend, self.changed_params())

    @property
    def params(self) -> dict[str, Any]:
        """Every parameter with its value (defaults filled in)."""
        return self.get_params(deep=False)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.spec!r})"

    def set_query_params(self, **params: Any) -> VectorIndex:
        """Change search-time parameters (:attr:`query_params`) of this index, built or not.

        No rebuild: the next :meth:`search` uses them, and ``str(index)`` prints them.

        Raises
        ------
        AnnalError
            A parameter that is not a query parameter of this backend, or a bad value.
        """
        unknown = [k for k in params if k not in self.query_params]
        if unknown:
            raise AnnalError(
                f"{self.backend}: {unknown[0]!r} is not a query parameter; query parameters: "
                f"{', '.join(self.query_params) or 'none'}"
            )
        typed = typed_params(type(self), params, f"for {self.backend}")
        for key, value in typed.items():
            setattr(self, key, value)
        if self._spec_text is not None:
            name, pairs = split_spec(self._spec_text, "index spec")
            written = dict(pairs) | {k: format_value(v) for k, v in typed.items()}
            self._spec_text = format_spec(name, written)
        return self

    def __str__(self) -> str:
        return self.spec

    @property
    def dim(self) -> int:
        """Vector dimension (0 before :meth:`build`)."""
        return self._dim or 0

    @property
    def ntotal(self) -> int:
        """Number of vectors currently stored."""
        return int(self._ids.size)

    @property
    def ids(self) -> np.ndarray:
        """The stored ids, int64, in insertion order (a copy)."""
        return self._ids.copy()

    @property
    def memory_bytes(self) -> int:
        """Bytes the index holds (its serialised size for library indexes), ids included."""
        self._require_built()
        return int(self._memory_bytes()) + int(self._ids.nbytes)

    @property
    def n_threads(self) -> int | None:
        """The thread count used for build and search (``None``: library default)."""
        return resolve_threads(self.threads)

    # -- public API ---------------------------------------------------------------
    def build(self, vectors: Any, ids: Any = None) -> VectorIndex:
        """Replace the contents with ``vectors`` (float, shape (n, d)) under ``ids``.

        Parameters
        ----------
        vectors : array-like of shape (n, d)
            Finite float vectors; copied to float32.
        ids : array-like of int of shape (n,), optional
            Unique non-negative ids; ``0..n-1`` when omitted.

        Returns
        -------
        self
        """
        x = self._check_vectors(vectors, "build", dim=None)
        ids = np.arange(len(x), dtype=np.int64) if ids is None else self._check_ids(ids, len(x))
        self._dim = int(x.shape[1])
        self._build(self._prepare(x), ids)
        self._ids = ids.copy()
        return self

    def add(self, vectors: Any, ids: Any) -> None:
        """Add ``vectors`` (shape (m, d)) under new unique ``ids`` (shape (m,))."""
        self._require_built()
        if not self.supports_add:
            raise AnnalError(
                f"{self.backend} cannot add vectors after build; build the index again"
            )
        x = self._check_vectors(vectors, "add", dim=self._dim)
        ids = self._check_ids(ids, len(x))
        clash = ids[np.isin(ids, self._ids)]
        if clash.size:
            raise AnnalError(f"{self.backend}.add: ids already in the index: {clash[:5].tolist()}")
        if len(x):
            self._add(self._prepare(x), ids)
            self._ids = np.concatenate([self._ids, ids])

    def search(self, queries: Any, k: int) -> tuple[np.ndarray, np.ndarray]:
        """The ``k`` nearest stored vectors of each query.

        Parameters
        ----------
        queries : array-like of shape (nq, d)
            Finite float query vectors of the index's dimension.
        k : int
            Neighbours wanted (>= 1); ``k' = min(k, ntotal)`` are returned.

        Returns
        -------
        distances : ndarray of float32, shape (nq, k')
            Ascending per row, in the convention of the module docstring.
        ids : ndarray of int64, shape (nq, k')
            The caller's ids; ``-1`` (with distance ``+inf``) where a row cannot be filled.
        """
        self._require_built()
        if isinstance(k, bool) or not isinstance(k, int | np.integer) or k < 1:
            raise AnnalError(f"{self.backend}.search: k must be a positive integer, got {k!r}")
        q = self._check_vectors(queries, "search", dim=self._dim)
        kk = min(int(k), self.ntotal)
        if kk == 0 or len(q) == 0:
            return (
                np.empty((len(q), kk), dtype=np.float32),
                np.empty((len(q), kk), dtype=np.int64),
            )
        dist, found = self._search(self._prepare(q), kk)
        found = np.asarray(found, dtype=np.int64)
        dist = np.array(dist, dtype=np.float32)
        missing = found < 0
        found[missing] = -1
        dist[missing] = np.inf
        return dist, found

    def remove(self, ids: Any) -> int:
        """Delete the vectors stored under ``ids``; returns how many were removed."""
        self._require_built()
        if not self.supports_remove:
            raise AnnalError(
                f"{self.backend} cannot remove vectors (the library does not support it); "
                "build the index again without them"
            )
        ids = self._check_ids(ids, None)
        unknown = ids[~np.isin(ids, self._ids)]
        if unknown.size:
            raise AnnalError(f"{self.backend}.remove: ids not in the index: {unknown[:5].tolist()}")
        if ids.size:
            self._remove(ids)
            self._ids = self._ids[~np.isin(self._ids, ids)]
        return int(ids.size)

    def build_chunked(
        self, vectors: Any, ids: Any = None, *, chunk: int = 65536, seed: int = 0
    ) -> VectorIndex:
        """:meth:`build` for inputs larger than memory (e.g. a float16 memory-mapped pool).

        Rows are converted to float32 ``chunk`` at a time, so no float32 copy of the whole of
        ``vectors`` is ever held. The first chunk is a seeded random sample of rows (what a
        trained backend such as IVF learns its cells from); the rest are added in order.
        Backends that cannot add after build get the whole array at once.

        Parameters
        ----------
        vectors : array-like of shape (n, d)
        ids : array-like of int of shape (n,), optional
        chunk : int
            Rows converted per step.
        seed : int
            Seed of the first chunk's sample.
        """
        n = len(vectors)
        ids = np.arange(n, dtype=np.int64) if ids is None else self._check_ids(ids, n)
        if not self.supports_add or n <= chunk:
            return self.build(vectors, ids)
        first = np.sort(np.random.default_rng(seed).choice(n, size=chunk, replace=False))
        self.build(np.asarray(vectors[first], dtype=np.float32), ids[first])
        rest = np.ones(n, dtype=bool)
        rest[first] = False
        rest_pos = np.flatnonzero(rest)
        for start in range(0, len(rest_pos), chunk):
            pos = rest_pos[start : start + chunk]
            self.add(np.asarray(vectors[pos], dtype=np.float32), ids[pos])
        return self

    def save(self, folder: str | os.PathLike[str]) -> Path:
        """Write the index to ``folder`` (created); :func:`annal.index.load_index` reads it.

        Every file is written atomically and ``meta.json`` last, so a folder without it (a
        crash half-way) is never read as an index.
        """
        from annal._io import atomic_write, atomic_write_bytes

        self._require_built()
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "meta.json").unlink(missing_ok=True)
        with atomic_write(folder / "ids.npy") as fh:
            np.save(fh, self._ids, allow_pickle=False)
        with atomic_write(folder / "index.bin") as fh:
            self._save(fh)
        meta = {"spec": str(self.spec), "dim": self.dim, "ntotal": self.ntotal}
        atomic_write_bytes(folder / "meta.json", json.dumps(meta).encode())
        return folder

    def _restore(self, folder: Path, dim: int) -> VectorIndex:
        ids = np.load(folder / "ids.npy", allow_pickle=False)
        self._dim = int(dim)
        self._load(str(folder / "index.bin"), ids)
        self._ids = ids
        return self

    # -- helpers ------------------------------------------------------------------
    def _require_built(self) -> None:
        if self._dim is None:
            raise AnnalError(f"{self} is empty: call build(vectors, ids) first")

    def _prepare(self, x: np.ndarray) -> np.ndarray:
        return normalize_rows(x) if self.metric == "cosine" else x

    def _check_vectors(self, vectors: Any, where: str, dim: int | None) -> np.ndarray:
        try:
            x = np.asarray(vectors, dtype=np.float32)
        except (TypeError, ValueError):
            raise AnnalError(f"{self.backend}.{where}: vectors must be numeric") from None
        if x.ndim != 2 or (dim is None and (x.shape[1] == 0 or x.shape[0] == 0)):
            raise AnnalError(
                f"{self.backend}.{where}: vectors must be a non-empty 2-D array, got shape {x.shape}"
            )
        if dim is not None and x.shape[1] != dim:
            raise AnnalError(
                f"{self.backend}.{where}: vectors have dimension {x.shape[1]}, the index has {dim}"
            )
        if not np.isfinite(x).all():
            bad = np.flatnonzero(~np.isfinite(x).all(axis=1))
            raise AnnalError(
                f"{self.backend}.{where}: rows {bad[:5].tolist()} contain NaN or inf values"
            )
        return np.ascontiguousarray(x)

    def _check_ids(self, ids: Any, n: int | None) -> np.ndarray:
        arr = np.asarray(ids)
        if arr.ndim != 1 or (arr.size and not np.issubdtype(arr.dtype, np.integer)):
            raise AnnalError(f"{self.backend}: ids must be a 1-D array of integers")
        arr = arr.astype(np.int64)
        if n is not None and arr.size != n:
            raise AnnalError(f"{self.backend}: got {arr.size} ids for {n} vectors")
        if (arr < 0).any():
            raise AnnalError(f"{self.backend}: ids must be non-negative (-1 marks empty slots)")
        uniq, counts = np.unique(arr, return_counts=True)
        if (counts > 1).any():
            raise AnnalError(f"{self.backend}: duplicate ids {uniq[counts > 1][:5].tolist()}")
        return arr

    # -- backend hooks ------------------------------------------------------------
    @abstractmethod
    def _build(self, x: np.ndarray, ids: np.ndarray) -> None:
        """Store ``x`` (float32 (n, d), normalised for cosine) under ``ids``."""

    def _add(self, x: np.ndarray, ids: np.ndarray) -> None:
        raise NotImplementedError  # only reached when supports_add is True

    @abstractmethod
    def _search(self, q: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Distances (convention above) and caller ids, shape (nq, k), ``k <= ntotal``."""

    def _remove(self, ids: np.ndarray) -> None:
        raise NotImplementedError  # only reached when supports_remove is True

    @abstractmethod
    def _memory_bytes(self) -> int:
        """Bytes held by the backend's own structures."""

    def _save(self, fh: BinaryIO) -> None:
        """Write the backend's structures to the open binary file ``fh``."""
        raise AnnalError(f"{self.backend} indexes cannot be saved")

    def _load(self, path: str, ids: np.ndarray) -> None:
        """Read what :meth:`_save` wrote (``ids`` are the stored ids, in insertion order)."""
        raise AnnalError(f"{self.backend} indexes cannot be loaded")


def save_through_path(fh: BinaryIO, write: Any, suffix: str = ".bin") -> None:
    """Run ``write(path)`` (a library that saves only to a path) and copy the file into ``fh``."""
    import shutil

    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "index" + suffix)
        write(path)
        with open(path, "rb") as src:
            shutil.copyfileobj(src, fh, 1 << 20)
