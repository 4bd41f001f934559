"""``random``: a fresh seeded random subpool of ``size`` unlabelled rows every round.

The baseline of the subsampling papers (Coleman et al. 2022 compare SEALS with it; Lesci &
Vlachos 2024 with it too): exhaustive strategies become cheap, with no index at all.
"""

from __future__ import annotations

from typing import Annotated

import numpy as np
from annotated_types import Ge

from annal.al.pools.base import CandidatePool
from annal.al.state import PoolState


class RandomPool(CandidatePool):
    """``min(size, n_unlabelled)`` unlabelled rows drawn uniformly each round.

    Parameters
    ----------
    size : int
        Subpool size M (default 10,000, AnchorAL's M, so the two compare at equal size).
    """

    name = "random"

    def __init__(self, size: Annotated[int, Ge(1)] = 10_000) -> None:
        self.size = size

    def candidates(self, state: PoolState, rng: np.random.Generator) -> np.ndarray:
        """A seeded uniform sample of the selectable rows."""
        unl = state.unlabelled_pos
        if len(unl) <= int(self.size):
            return unl
        return np.sort(rng.choice(unl, size=int(self.size), replace=False))
