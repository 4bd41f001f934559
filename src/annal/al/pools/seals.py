"""``seals``: Similarity Search for Efficient Active Learning (Coleman et al., AAAI 2022).

The candidate pool is the union of the ``k`` nearest unlabelled neighbours of every labelled
row, found with an ANN index over the whole pool. It grows incrementally: each round searches
only the rows labelled since the last one, and rows that got labelled leave the pool. Ids stay
dataset ids in every round (the pool is kept as a mask over row positions, never as indices
into an earlier round's subset).
"""

from __future__ import annotations

from typing import Annotated

import numpy as np
from annotated_types import Ge

from annal.al.pools.neighbours import DEFAULT_INDEX, IndexedPool, IndexSpecText
from annal.al.state import PoolState

#: Labelled rows searched per index call (bounds the neighbour arrays).
_QUERY_CHUNK = 4096


class SEALSPool(IndexedPool):
    """The ``k`` nearest unlabelled neighbours of every labelled row, grown round by round.

    Parameters
    ----------
    k : int
        Neighbours per labelled row (the paper's k = 100).
    index, index_dir, save_index
        The pool's ANN index, as for every :class:`~annal.al.pools.neighbours.IndexedPool`.
    """

    name = "seals"

    def __init__(
        self,
        k: Annotated[int, Ge(1)] = 100,
        index: IndexSpecText = DEFAULT_INDEX,
        index_dir: str | None = None,
        save_index: bool = True,
    ) -> None:
        self.k = k
        self.set_index(index, index_dir, save_index)

    def update(self, state: PoolState) -> None:
        """Add the neighbours of the rows labelled since the last call; drop labelled rows."""
        pool_index = self._index_for(state)
        if "_pool" not in self.__dict__:
            self._expanded = np.zeros(len(state.X), dtype=bool)
            self._pool = np.zeros(len(state.X), dtype=bool)
        new = np.flatnonzero(state.labelled & ~self._expanded)
        allowed = ~state.labelled
        for start in range(0, len(new), _QUERY_CHUNK):
            rows = new[start : start + _QUERY_CHUNK]
            _, found = pool_index.search(state.rows(rows), int(self.k), allowed)
            self._pool[found[found >= 0]] = True
        self._expanded[new] = True
        self._pool &= allowed

    def candidates(self, state: PoolState, rng: np.random.Generator) -> np.ndarray:
        """The grown pool's selectable rows."""
        self.update(state)
        return np.flatnonzero(self._pool & ~state.excluded)
