"""Distance sampling (paper section 2.3.1): the unlabelled rows farthest from the labelled set.

Each UNLABELLED row is scored by its mean, min or max distance to the LABELLED rows (PITFALLS 3:
never to the pool, never to its own neighbours) and the highest scores are taken. With an exact
spec (``exact`` or ``faiss:flat``) the scores are computed with BLAS algebra
(:func:`annal.al.geometry.aggregate_distance`: the mean is one matrix-vector product); any other
spec from :mod:`annal.index` (e.g. the paper's ``faiss:lsh?nbits=16``) builds an index of the
labelled set and searches it: ``k = 1`` for ``min``, every labelled row for ``mean``/``max``.
"""

from __future__ import annotations

from typing import Literal

import numpy as np

from annal.al.geometry import aggregate_distance
from annal.al.state import PoolState
from annal.al.strategies.base import Strategy, top_k
from annal.index import make_index, parse_spec

#: Index backends whose distances the numpy path reproduces exactly.
EXACT_BACKENDS = ("exact", "faiss:flat")
_SEARCH_BLOCK_ELEMS = 1 << 22


def index_aggregate_distance(spec: str, Q: np.ndarray, R: np.ndarray, aggregate: str) -> np.ndarray:
    """Mean/min/max distance from each row of ``Q`` (n, d) to ``R`` (m, d) through an index.

    Distances follow the index's convention; neighbours an index cannot return (padded with
    +inf) are left out of the mean and max; a row with none scores +inf.
    """
    index = make_index(spec).build(R, ids=np.arange(len(R), dtype=np.int64))
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
    """

    name = "distance"

    def __init__(
        self, aggregate: Literal["mean", "min", "max"] = "mean", index: str = "exact?metric=cosine"
    ) -> None:
        self.aggregate = aggregate
        self.index = index

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
        return index_aggregate_distance(str(spec), state.X[unl], state.X[lab], self.aggregate)

    def _select(self, state: PoolState, k: int, rng: np.random.Generator) -> np.ndarray:
        return state.unlabelled_pos[top_k(self.scores(state), k, rng)]
