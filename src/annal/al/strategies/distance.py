"""Distance sampling (paper section 2.3.1): the unlabelled rows farthest from the labelled set.

Each UNLABELLED row is scored by its mean, min or max distance to the LABELLED rows
(docs/pitfalls.md #3: never to the pool, never to its own neighbours) and the highest scores are taken. With an exact
spec (``exact`` or ``faiss:flat``) the scores are computed with BLAS algebra
(:func:`annal.al.geometry.aggregate_distance`: the mean is one matrix-vector product); any other
spec from :mod:`annal.index` (e.g. the paper's ``faiss:lsh?nbits=16``) builds an index of the
labelled set and searches it: ``k = 1`` for ``min``, every labelled row for ``mean``/``max``.

On a large pool (at least ``large_pool`` unlabelled rows) ``min``/``max`` with the default cosine
spec go through a pivot index of the labelled set (:mod:`annal.al.pivots`): one product with
``pivots`` labelled rows bounds every row's distance, and only the rows whose bound can still
reach the batch are compared with the whole labelled set. The batch is the exact one; the work
is the ``u x P`` product plus the rows computed exactly, read in blocks of the pool's dtype.
"""

from __future__ import annotations

import functools
from typing import Annotated, Literal

import numpy as np
from annotated_types import Ge

from annal.al.geometry import aggregate_distance
from annal.al.pivots import PivotIndex, largest_distances, unit_rows
from annal.al.state import PoolState
from annal.al.strategies.base import Strategy, top_k
from annal.index import make_index, parse_spec

#: Index backends whose distances the numpy path reproduces exactly.
EXACT_BACKENDS = ("exact", "faiss:flat")
_SEARCH_BLOCK_ELEMS = 1 << 22
_CODE_BLOCK = 1 << 16  # rows encoded per call (bounds the float32 copy of a float16 pool)


def index_aggregate_distance(spec: str, Q: np.ndarray, R: np.ndarray, aggregate: str) -> np.ndarray:
    """Mean/min/max distance from each row of ``Q`` (n, d) to ``R`` (m, d) through an index.

    Distances follow the index's convention; neighbours an index cannot return (padded with
    +inf) are left out of the mean and max; a row with none scores +inf.
    """
    index = make_index(spec)
    if _lsh_mean(index, aggregate):
        index.build(R[:1])  # the projection only: codes need no stored vectors
        return lsh_mean_distance(index.codes(Q), index.codes(R), index.params["nbits"])
    index.build(R, ids=np.arange(len(R), dtype=np.int64))
    k = 1 if aggregate == "min" else len(R)
    out = np.empty(len(Q), dtype=np.float32)
    step = max(1, _SEARCH_BLOCK_ELEMS // k)
    for start in range(0, len(Q), step):
        dist, _ = index.search(Q[start : start + step], k)
        finite = np.isfinite(dist)
        if aggregate == "min":
            val = dist[:, 0]
        elif aggregate == "max":
            val = np.where(finite, dist, -np.inf).max(axis=1)
        else:
            val = np.where(finite, dist, 0.0).sum(axis=1) / np.maximum(finite.sum(axis=1), 1)
        val = np.where(finite.any(axis=1), val, np.inf)
        out[start : start + len(val)] = val
    return out


def _lsh_mean(index, aggregate: str) -> bool:
    """Whether the mean distance through ``index`` (unbuilt) takes the code path below."""
    return aggregate == "mean" and index.backend == "faiss:lsh" and index.params["nbits"] <= 16


def lsh_mean_distance(q_codes: np.ndarray, r_codes: np.ndarray, nbits: int) -> np.ndarray:
    """Mean LSH distance ``1 - cos(pi h / nbits)`` from each query code to all ``r_codes``.

    What a search of every labelled row through ``faiss:lsh`` averages, without the search:
    the mean over the labelled codes ``c`` of ``g(popcount(q xor c))`` is, for every possible
    code ``q`` at once, the XOR-convolution of the labelled codes' histogram with ``g``, which
    the Walsh-Hadamard transform turns into a product: three transforms of ``2^nbits`` values
    (milliseconds for nbits = 16; ``g``'s is computed once per ``nbits``) instead of
    ``u x m`` distances and a sort of each row.

    Parameters
    ----------
    q_codes, r_codes : np.ndarray of int64
        Codes from :meth:`annal.index.faiss_backends.FaissLSHIndex.codes`, below ``2^16``.
    nbits : int
        The index's code length.

    Returns
    -------
    np.ndarray of float32, shape (len(q_codes),)
    """
    size = 1 << 16
    hist = np.bincount(np.asarray(r_codes, dtype=np.int64), minlength=size).astype(np.float64)
    conv = _walsh_hadamard(_walsh_hadamard(hist) * _transformed_g(int(nbits))) / size
    return (conv[np.asarray(q_codes, dtype=np.int64)] / len(r_codes)).astype(np.float32)


@functools.lru_cache(maxsize=16)
def _transformed_g(nbits: int) -> np.ndarray:
    """The Walsh-Hadamard transform of ``g(code) = 1 - cos(pi popcount(code) / nbits)`` over
    the ``2^16`` codes (read-only; the same for every round and run)."""
    size = 1 << 16
    ones = np.unpackbits(np.arange(size, dtype="<u2").view(np.uint8)).reshape(size, 16).sum(1)
    out = _walsh_hadamard(1.0 - np.cos(np.pi * ones / nbits))
    out.flags.writeable = False
    return out


def _walsh_hadamard(a: np.ndarray) -> np.ndarray:
    """The (unnormalised) Walsh-Hadamard transform of ``a`` (length a power of two), in a
    float64 copy: each level replaces the halves ``(x, y)`` of every block by ``(x + y, x - y)``
    in place."""
    a = np.array(a, dtype=np.float64)
    n, h = len(a), 1
    while h < n:
        v = a.reshape(-1, 2, h)
        x = v[:, 0].copy()
        v[:, 0] += v[:, 1]
        np.subtract(x, v[:, 1], out=v[:, 1])
        h *= 2
    return a


class DistanceSampling(Strategy):
    """The unlabelled rows whose mean / min / max distance to the labelled set is largest.

    Parameters
    ----------
    aggregate : {"mean", "min", "max"}
        How a row's distances to the labelled rows are combined: ``min`` is the distance to
        its nearest labelled row, ``max`` to its farthest.
    index : str
        An :mod:`annal.index` spec; ``exact?metric=cosine`` (default) and ``faiss:flat`` specs
        take the fast exact path, others search an index of the labelled set.
    large_pool : int
        From this many unlabelled rows on, ``min``/``max`` cosine distances use the pivot index
        of the labelled set (same batch, a fraction of the products; module docstring).
    pivots : int
        Pivots of that index.
    """

    name = "distance"

    def __init__(
        self,
        aggregate: Literal["mean", "min", "max"] = "mean",
        index: str = "exact?metric=cosine",
        large_pool: Annotated[int, Ge(1)] = 200_000,
        pivots: Annotated[int, Ge(1)] = 512,
    ) -> None:
        self.aggregate = aggregate
        self.index = index
        self.large_pool = large_pool
        self.pivots = pivots

    def check_params(self) -> None:
        """Annotated values, and ``index`` must be a valid index spec."""
        super().check_params()
        parse_spec(str(self.index))

    def scores(self, state: PoolState) -> np.ndarray:
        """Distance of every selectable row to the labelled set, float32 (u,)."""
        spec = parse_spec(str(self.index))
        unl, lab = state.unlabelled_pos, state.labelled_pos
        if len(lab) == 0:
            return np.zeros(len(unl), dtype=np.float32)
        if spec.backend in EXACT_BACKENDS:
            metric = spec.get("metric")
            V = state.unit if metric == "cosine" else state.X
            if self.aggregate == "mean":
                # One matrix-vector product over every row, then the unlabelled scores: reads
                # V once instead of copying V[unl] first (the copy cost 3x the product).
                return aggregate_distance(V, V[lab], metric=metric, aggregate="mean")[unl]
            return aggregate_distance(V[unl], V[lab], metric=metric, aggregate=self.aggregate)
        index = make_index(str(spec))
        if _lsh_mean(index, self.aggregate):
            codes = self._pool_codes(index, state.X)
            return lsh_mean_distance(codes[unl], codes[lab], index.params["nbits"])
        return index_aggregate_distance(str(spec), state.X[unl], state.X[lab], self.aggregate)

    def _pool_codes(self, index, X: np.ndarray) -> np.ndarray:
        """The LSH code of every pool row, computed in the first round and kept for the run.

        A row's code depends on its vector and the index's seeded projection only, so every
        round's labelled and unlabelled codes are rows of this one array (encoding the whole
        pool each round was most of a round's time). The cache holds ``X`` itself, so it is
        only reused for the very same pool array.
        """
        cached = self.__dict__.get("_code_cache")
        if cached is None or cached[0] is not X or cached[1] != index.spec:
            index.build(np.asarray(X[:1], dtype=np.float32))  # the projection only
            codes = np.empty(len(X), dtype=np.int64)
            for start in range(0, len(X), _CODE_BLOCK):
                block = np.asarray(X[start : start + _CODE_BLOCK], dtype=np.float32)
                codes[start : start + len(block)] = index.codes(block)
            cached = (X, index.spec, codes)
            self.__dict__["_code_cache"] = cached
        return cached[2]

    def uses_pivots(self, state: PoolState) -> bool:
        """Whether this round goes through the pivot index (large pool, min/max, cosine)."""
        spec = parse_spec(str(self.index))
        return (
            self.aggregate != "mean"
            and spec.backend in EXACT_BACKENDS
            and spec.get("metric") == "cosine"
            and len(state.labelled_pos) > 0
            and state.n_unlabelled >= int(self.large_pool)
        )

    def _select(self, state: PoolState, k: int, rng: np.random.Generator) -> np.ndarray:
        if self.uses_pivots(state):
            lab, unl = state.labelled_pos, state.unlabelled_pos
            index = PivotIndex(unit_rows(state.X, lab), int(self.pivots), int(rng.integers(2**31)))
            scores, _ = largest_distances(index, state.X, unl, k, self.aggregate)
            return unl[top_k(scores, k, rng)]
        return state.unlabelled_pos[top_k(self.scores(state), k, rng)]
