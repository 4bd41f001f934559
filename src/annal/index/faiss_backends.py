"""FAISS backends: ``faiss:flat``, ``faiss:lsh``, ``faiss:hnsw`` and ``faiss:ivf``.

``import faiss`` happens on first use, not at import time. Caller ids are kept by FAISS
itself (``IndexIDMap2`` around flat, LSH and HNSW; IVF stores ids natively). Cosine is
inner product on L2-normalised vectors (FAISS has no cosine metric); scores are turned
into the distance convention of :mod:`annal.index.base`: l2 stays squared L2, ip becomes
``-ip``, cosine ``1 - ip``; LSH's Hamming distance ``h`` becomes ``1 - cos(pi * h / nbits)``.

``device=gpu`` (flat and IVF) moves the index onto GPU 0 when the installed faiss is a
GPU build that sees a GPU, and raises :class:`AnnalError` otherwise. Removal works for
flat, LSH and IVF on CPU; HNSW graphs cannot delete nodes (``remove`` raises).
``threads`` sets FAISS's OpenMP thread count for the duration of each call.

``storage`` (flat, HNSW, IVF) is how the vectors are held: ``float32`` (4 bytes a dimension,
exact), ``fp16`` (2 bytes, FAISS's ``ScalarQuantizer`` QT_fp16: relative error about 1e-3,
what a float16 pool stores anyway) or ``sq8`` (1 byte, 8-bit per-dimension scalar quantizer
trained on the build vectors). At 1M MiniLM rows the vectors take 1.5 GB, 768 MB or 384 MB:
``faiss:ivf?nlist=1024&nprobe=8&storage=fp16`` halves the index of a million-row pool.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, TypeAlias

import numpy as np
from annotated_types import Ge

from annal._threads import limit_threads
from annal.errors import AnnalError
from annal.index.base import Device, Metric, Seed, Threads, VectorIndex

#: How an index holds its vectors (see the module docstring).
Storage: TypeAlias = Literal["float32", "fp16", "sq8"]


def import_faiss() -> Any:
    """The ``faiss`` module (imported on first use)."""
    import faiss

    return faiss


def gpu_count() -> int:
    """GPUs the installed faiss can use (0 for faiss-cpu)."""
    faiss = import_faiss()
    if not hasattr(faiss, "StandardGpuResources"):
        return 0
    return int(faiss.get_num_gpus())


class FaissIndex(VectorIndex):
    """Shared plumbing of the FAISS backends: ids, threads, GPU, score conversion."""

    #: Whether the index needs ``train`` before vectors can be added.
    needs_training = False

    def _new_index(self, dim: int) -> Any:
        """The empty FAISS index for vectors of dimension ``dim``, ids included."""
        raise NotImplementedError

    def _prepare_search(self, k: int) -> None:
        """Set search-time parameters before a search for ``k`` neighbours."""

    def _quantizer_type(self) -> int:
        """FAISS's ``ScalarQuantizer`` type for ``storage`` (fp16 or sq8)."""
        sq = import_faiss().ScalarQuantizer
        return sq.QT_fp16 if self.storage == "fp16" else sq.QT_8bit

    def _to_distance(self, scores: np.ndarray) -> np.ndarray:
        if self.metric == "l2":
            return scores
        return -scores if self.metric == "ip" else 1.0 - scores

    def _metric_type(self) -> int:
        faiss = import_faiss()
        return faiss.METRIC_L2 if self.metric == "l2" else faiss.METRIC_INNER_PRODUCT

    def _to_device(self, index: Any) -> Any:
        if getattr(self, "device", "cpu") != "gpu":
            return index
        faiss = import_faiss()
        if gpu_count() == 0:
            raise AnnalError(
                f"{self.spec}: device=gpu needs a GPU build of faiss that sees a GPU; "
                f"the installed faiss {faiss.__version__} sees none (use device=cpu)"
            )
        self._gpu_resources = faiss.StandardGpuResources()
        return faiss.index_cpu_to_gpu(self._gpu_resources, 0, index)

    def _build(self, x: np.ndarray, ids: np.ndarray) -> None:
        with limit_threads(self.n_threads, faiss=True):
            self._index = self._new_index(x.shape[1])
            if self.needs_training or not self._index.is_trained:  # sq8 learns its ranges
                self._index.train(x)
            self._index.add_with_ids(x, ids)

    def _add(self, x: np.ndarray, ids: np.ndarray) -> None:
        with limit_threads(self.n_threads, faiss=True):
            self._index.add_with_ids(x, ids)

    def _search(self, q: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        self._prepare_search(k)
        with limit_threads(self.n_threads, faiss=True):
            scores, found = self._index.search(q, k)
        return self._to_distance(scores), found

    def _remove(self, ids: np.ndarray) -> None:
        faiss = import_faiss()
        try:
            self._index.remove_ids(faiss.IDSelectorBatch(ids))
        except RuntimeError as exc:
            raise AnnalError(f"{self.spec}: faiss cannot remove from this index ({exc})") from None

    def _save(self, fh) -> None:
        faiss = import_faiss()
        index = self._index
        if self.params.get("device", "cpu") == "gpu":
            index = faiss.index_gpu_to_cpu(index)
        writer = faiss.PyCallbackIOWriter(fh.write)  # streams: no in-memory copy of the index
        faiss.write_index(index, writer)
        del writer

    def _load(self, path: str, ids: np.ndarray) -> None:
        faiss = import_faiss()
        self._index = self._to_device(faiss.read_index(path))
        self._loaded()

    def _loaded(self) -> None:
        """Re-attach handles to inner structures after :meth:`_load`."""

    def _memory_bytes(self) -> int:
        faiss = import_faiss()
        index = self._index
        if getattr(self, "device", "cpu") == "gpu":
            try:
                index = faiss.index_gpu_to_cpu(index)
            except RuntimeError:  # an id map around a GPU index: count the float32 vectors
                return 4 * self.ntotal * self.dim
        return int(faiss.serialize_index(index).nbytes)


class FaissFlatIndex(FaissIndex):
    """Exhaustive FAISS search: ``faiss:flat?metric=cosine|ip|l2[&storage=fp16|sq8]
    [&threads=N][&device=gpu]``."""

    name = "faiss:flat"

    def __init__(
        self,
        metric: Metric = "cosine",
        threads: Threads = None,
        device: Device = "cpu",
        storage: Storage = "float32",
    ):
        self.metric = metric
        self.threads = threads
        self.device = device
        self.storage = storage

    def _new_index(self, dim: int) -> Any:
        faiss = import_faiss()
        if self.storage == "float32":
            flat = faiss.IndexFlat(dim, self._metric_type())
        else:
            flat = faiss.IndexScalarQuantizer(dim, self._quantizer_type(), self._metric_type())
        return faiss.IndexIDMap2(self._to_device(flat))


class FaissLSHIndex(FaissIndex):
    """Random-hyperplane LSH: ``faiss:lsh?nbits=16[&seed=0][&threads=N]`` (cosine only).

    Vectors are projected by a seeded random orthonormal matrix to ``nbits`` dimensions
    and reduced to their signs; the Hamming distance ``h`` between codes estimates the
    angle as ``pi * h / nbits``, reported as the cosine distance ``1 - cos(pi * h / nbits)``.
    """

    name = "faiss:lsh"

    def __init__(
        self,
        nbits: Annotated[int, Ge(1)] = 16,
        metric: Literal["cosine"] = "cosine",
        threads: Threads = None,
        seed: Seed = 0,
    ) -> None:
        self.nbits = nbits
        self.metric = metric
        self.threads = threads
        self.seed = seed

    def _new_index(self, dim: int) -> Any:
        faiss = import_faiss()
        nbits = self.nbits
        rotation = faiss.RandomRotationMatrix(dim, nbits)
        rotation.init(self.seed)
        lsh = faiss.IndexLSH(nbits, nbits, False, False)
        self._parts = (rotation, lsh)  # keep the SWIG objects alive
        return faiss.IndexIDMap2(faiss.IndexPreTransform(rotation, lsh))

    def _to_distance(self, scores: np.ndarray) -> np.ndarray:
        return 1.0 - np.cos(np.pi * scores / self.nbits)

    def codes(self, x: np.ndarray) -> np.ndarray:
        """The index's binary code of each row of ``x`` (n, d) as an integer, int64 (n,).

        Bytes of FAISS's code in little-endian order: two codes differ in exactly the bits
        whose count is their Hamming distance. Needs a built index, codes of at most 7 bytes.
        """
        rotation, lsh = self._parts
        with limit_threads(self.n_threads, faiss=True):
            packed = lsh.sa_encode(rotation.apply(np.ascontiguousarray(x, dtype=np.float32)))
        packed = np.asarray(packed, dtype=np.uint8).reshape(len(x), -1)
        if packed.shape[1] > 7:
            raise ValueError("codes of more than 7 bytes do not fit an int64")
        weights = np.left_shift(np.int64(1), 8 * np.arange(packed.shape[1], dtype=np.int64))
        return packed.astype(np.int64) @ weights


class FaissHNSWIndex(FaissIndex):
    """FAISS HNSW graph: ``faiss:hnsw?M=32&efConstruction=40&efSearch=16[&metric=...]
    [&storage=fp16|sq8]``.

    The search beam is ``max(efSearch, k)``. HNSW cannot remove vectors.
    """

    name = "faiss:hnsw"
    supports_remove = False
    query_params = ("efSearch",)

    def __init__(
        self,
        M: Annotated[int, Ge(2)] = 32,
        efConstruction: Annotated[int, Ge(1)] = 40,
        efSearch: Annotated[int, Ge(1)] = 16,
        metric: Metric = "cosine",
        threads: Threads = None,
        storage: Storage = "float32",
    ) -> None:
        self.M = M
        self.efConstruction = efConstruction
        self.efSearch = efSearch
        self.metric = metric
        self.threads = threads
        self.storage = storage

    def _new_index(self, dim: int) -> Any:
        faiss = import_faiss()
        if self.storage == "float32":
            self._hnsw = faiss.IndexHNSWFlat(dim, self.M, self._metric_type())
        else:
            self._hnsw = faiss.IndexHNSWSQ(dim, self._quantizer_type(), self.M, self._metric_type())
        self._hnsw.hnsw.efConstruction = self.efConstruction
        return faiss.IndexIDMap2(self._hnsw)

    def _loaded(self) -> None:
        self._hnsw = import_faiss().downcast_index(self._index.index)

    def _prepare_search(self, k: int) -> None:
        self._hnsw.hnsw.efSearch = max(self.efSearch, k)


class FaissIVFIndex(FaissIndex):
    """Inverted file over k-means cells: ``faiss:ivf?nlist=100&nprobe=1[&metric=...]
    [&storage=fp16|sq8]`` (fp16/sq8 code each vector's residual from its cell centre).

    Training runs FAISS k-means (seeded by ``seed``; spherical for cosine) on the build
    vectors, which must number at least ``nlist``; later ``add`` calls reuse the cells.
    """

    name = "faiss:ivf"
    needs_training = True
    query_params = ("nprobe",)

    def __init__(
        self,
        nlist: Annotated[int, Ge(1)] = 100,
        nprobe: Annotated[int, Ge(1)] = 1,
        metric: Metric = "cosine",
        threads: Threads = None,
        seed: Seed = 0,
        device: Device = "cpu",
        storage: Storage = "float32",
    ) -> None:
        self.nlist = nlist
        self.nprobe = nprobe
        self.metric = metric
        self.threads = threads
        self.seed = seed
        self.device = device
        self.storage = storage

    def _new_index(self, dim: int) -> Any:
        faiss = import_faiss()
        self._quantizer = faiss.IndexFlat(dim, self._metric_type())
        if self.storage == "float32":
            ivf = faiss.IndexIVFFlat(self._quantizer, dim, self.nlist, self._metric_type())
        else:
            ivf = faiss.IndexIVFScalarQuantizer(
                self._quantizer, dim, self.nlist, self._quantizer_type(), self._metric_type()
            )
        ivf.cp.seed = self.seed
        ivf.cp.spherical = self.metric == "cosine"
        return self._to_device(ivf)

    def _build(self, x: np.ndarray, ids: np.ndarray) -> None:
        if len(x) < self.nlist:
            raise AnnalError(
                f"{self.spec}: IVF needs at least nlist={self.nlist} build vectors, "
                f"got {len(x)}; lower nlist"
            )
        super()._build(x, ids)

    def _prepare_search(self, k: int) -> None:
        self._index.nprobe = min(self.nprobe, self.nlist)
