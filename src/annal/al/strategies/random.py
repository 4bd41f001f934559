"""Random sampling: the baseline every other strategy is compared with."""

from __future__ import annotations

import numpy as np

from annal.al.state import PoolState
from annal.al.strategies.base import Strategy


class RandomSampling(Strategy):
    """Uniformly random unlabelled rows."""

    name = "random"

    def _select(self, state: PoolState, k: int, rng: np.random.Generator) -> np.ndarray:
        return rng.choice(state.unlabelled_pos, size=k, replace=False)
