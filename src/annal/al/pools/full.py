"""``full``: every unlabelled row is a candidate (exhaustive; what every strategy did before)."""

from __future__ import annotations

import numpy as np

from annal.al.pools.base import CandidatePool, PoolStats
from annal.al.state import PoolState


class FullPool(CandidatePool):
    """The whole unlabelled pool; the strategy sees the round's state itself, not a copy."""

    name = "full"

    def __init__(self) -> None:
        pass

    def candidates(self, state: PoolState, rng: np.random.Generator) -> np.ndarray:
        """Every selectable row."""
        return state.unlabelled_pos

    def restrict(self, state: PoolState, budget: int, seed: int = 0) -> tuple[PoolState, PoolStats]:
        """``state`` unchanged (no subset copy)."""
        return state, PoolStats(state.n_unlabelled)
