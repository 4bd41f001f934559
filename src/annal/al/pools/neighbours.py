"""The ANN index a candidate pool searches: built once per pool of embeddings, saved, reused.

The index holds every pool row (labelled or not) under its row position. Labelled rows are
never removed and the index is never rebuilt per round: searches ask for more neighbours than
needed and drop the rows that are not selectable, asking again (4x as many, at most four
passes) only for the queries left short. The index is saved under a folder named by the spec and a fingerprint of
the vectors and ids (BLAKE2b of their bytes), so later rounds, later runs and other strategies
over the same pool load it instead of building it: next to the embeddings when the pool is a
memory-mapped ``.npy`` file (``<file>.indexes/``), else under ``$ANNAL_CACHE_DIR/indexes``.
"""

from __future__ import annotations

import hashlib
import time
from pathlib import Path
from typing import Annotated

import numpy as np
from pydantic import AfterValidator

from annal.al.geometry import as_float32
from annal.al.pools.base import CandidatePool
from annal.al.state import PoolState
from annal.errors import AnnalError

_HASH_CHUNK = 1 << 16  # rows hashed per step
_PASSES = 4  # searches per query at most, each fetching 4x more neighbours


def fingerprint(X: np.ndarray, ids: np.ndarray) -> str:
    """BLAKE2b hex digest (32 chars) of the shape, dtype, ids and bytes of ``X``, read in chunks."""
    h = hashlib.blake2b(digest_size=16)
    h.update(f"{X.shape}|{X.dtype}|".encode())
    h.update(np.ascontiguousarray(ids, dtype=np.int64).tobytes())
    for start in range(0, len(X), _HASH_CHUNK):
        h.update(np.ascontiguousarray(X[start : start + _HASH_CHUNK]).tobytes())
    return h.hexdigest()


def index_folder(spec: str, X: np.ndarray, ids: np.ndarray, root: str | None) -> Path:
    """Where the index of ``X`` under ``spec`` is saved (see module docstring)."""
    from annal.embed.cache import cache_root

    if root:
        base = Path(root).expanduser()
    elif isinstance(X, np.memmap) and X.filename:
        base = Path(str(X.filename) + ".indexes")
    else:
        base = cache_root() / "indexes"
    slug = "".join(c if c.isalnum() or c in "-_." else "_" for c in spec)
    return base / f"{slug}-{fingerprint(X, ids)}"


class PoolIndex:
    """One pool's index, built or loaded on first use.

    Parameters
    ----------
    spec : str
        An :mod:`annal.index` spec.
    root : str, optional
        Folder for saved indexes (default: see module docstring).
    save : bool
        Save a newly built index and load a saved one; False builds in memory every run.
    seed : int
        Seed of the sample a trained index (IVF) learns from.
    """

    def __init__(self, spec: str, *, root: str | None = None, save: bool = True, seed: int = 0):
        from annal.index import parse_spec

        self.spec = str(parse_spec(spec))
        self.root = root
        self.save = save
        self.seed = seed
        self.index = None
        self.n = 0
        #: Seconds the last :meth:`ensure` spent building or loading (0 when already built).
        self.build_s = 0.0
        #: Whether the index came from disk.
        self.loaded = False
        self.folder: Path | None = None

    def ensure(self, X: np.ndarray) -> None:
        """Build (or load) the index over the rows of ``X`` unless already done."""
        from annal.index import load_index, make_index

        self.build_s = 0.0
        if self.index is not None:
            if len(X) != self.n:
                raise AnnalError("the pool changed size between rounds; start a fresh pool")
            return
        t0 = time.perf_counter()
        positions = np.arange(len(X), dtype=np.int64)
        if self.save:
            self.folder = index_folder(self.spec, X, positions, self.root)
            if (self.folder / "meta.json").is_file():
                try:
                    self.index = load_index(self.folder)
                    self.loaded = self.index.ntotal == len(X)
                except AnnalError:
                    self.index = None
                if not self.loaded:
                    self.index = None
        if self.index is None:
            self.index = make_index(self.spec).build_chunked(X, positions, seed=self.seed)
            if self.save:
                try:
                    self.index.save(self.folder)
                except (AnnalError, OSError):
                    pass  # an index that cannot be saved (annoy on some file systems) still works
        self.n = len(X)
        self.build_s = time.perf_counter() - t0

    def search(
        self, queries: np.ndarray, k: int, allowed: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """The ``k`` nearest rows of each query among the rows where ``allowed`` is True.

        Parameters
        ----------
        queries : np.ndarray, shape (q, d)
        k : int
        allowed : np.ndarray of bool, shape (n,)
            Rows that may be returned (unlabelled, not excluded).

        Returns
        -------
        distances : np.ndarray of float32, shape (q, k)
            In the index's convention, ascending; ``+inf`` where fewer were found.
        positions : np.ndarray of int64, shape (q, k)
            Row positions; ``-1`` where fewer were found.
        """
        queries = as_float32(queries)
        q, total = len(queries), self.index.ntotal
        dist = np.full((q, k), np.inf, dtype=np.float32)
        pos = np.full((q, k), -1, dtype=np.int64)
        todo = np.arange(q)
        blocked = int((~allowed).sum())
        fetch = min(total, k + min(blocked, k) + 1)
        for _ in range(_PASSES):
            d, p = self.index.search(queries[todo], fetch)
            ok = (p >= 0) & allowed[np.maximum(p, 0)]
            # Keep the first k allowed neighbours of each row, in order.
            rank = np.cumsum(ok, axis=1) - 1
            keep = ok & (rank < k)
            rows, cols = np.nonzero(keep)
            pos[todo[rows], rank[rows, cols]] = p[rows, cols]
            dist[todo[rows], rank[rows, cols]] = d[rows, cols]
            todo = todo[ok.sum(axis=1) < k]
            if fetch >= total or not len(todo):
                break
            fetch = min(total, fetch * 4)
        return dist, pos

    def memory_bytes(self) -> int:
        """Bytes the index holds (its serialised size for library indexes)."""
        return 0 if self.index is None else self.index.memory_bytes

    def disk_bytes(self) -> int:
        """Bytes of the saved index folder (0 when not saved)."""
        if self.folder is None or not self.folder.is_dir():
            return 0
        return sum(f.stat().st_size for f in self.folder.iterdir() if f.is_file())


#: The index of ``seals`` and ``anchoral`` unless a spec names another.
DEFAULT_INDEX = "faiss:hnsw?M=32"


def _check_index_spec(spec: str) -> str:
    from annal.index import parse_spec

    return str(parse_spec(spec))


#: An :mod:`annal.index` spec, checked when the pool is built.
IndexSpecText = Annotated[str, AfterValidator(_check_index_spec)]


class IndexedPool(CandidatePool):
    """A candidate pool that searches a :class:`PoolIndex`.

    Its subclasses take three parameters for the index (set with :meth:`set_index`):

    index : str
        An :mod:`annal.index` spec; the index is built once over the pool and saved.
    index_dir : str, optional
        Folder for saved indexes (default: next to a memory-mapped pool, else the cache).
    save_index : bool
        Save and reuse the index across runs.
    """

    index: str
    index_dir: str | None
    save_index: bool

    def set_index(self, index: str, index_dir: str | None, save_index: bool) -> None:
        """Store the index parameters (called by the subclass constructors)."""
        self.index = index
        self.index_dir = index_dir
        self.save_index = save_index

    def _index_for(self, state: PoolState) -> PoolIndex:
        """This pool's index over ``state.X``, built or loaded on the first call."""
        pool_index = self.__dict__.get("_pool_index")
        if pool_index is None:
            pool_index = PoolIndex(str(self.index), root=self.index_dir, save=self.save_index)
            self._pool_index = pool_index
        pool_index.ensure(state.X)
        return pool_index

    def build_seconds(self) -> float:
        """Index build/load time of the last call."""
        pool_index = self.pool_index()
        return 0.0 if pool_index is None else pool_index.build_s

    def pool_index(self) -> PoolIndex | None:
        """The index this pool searches (None before the first round)."""
        return self.__dict__.get("_pool_index")
