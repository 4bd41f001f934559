"""The candidate-pool protocol: where a strategy looks, kept apart from what it takes.

A :class:`CandidatePool` narrows a round's :class:`~annal.al.state.PoolState` to the labelled
rows plus a set of unlabelled *candidates*; the strategy then runs on that small state
(:meth:`PoolState.subset`) and names dataset ids as always, so any registered strategy runs
inside any pool. Like a strategy, a pool's constructor only stores its parameters; the work
happens in :meth:`CandidatePool.restrict`, once per round. Pools that grow from round to round
(SEALS) keep that state between calls; the loop starts every run with a fresh copy.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from annal.al.state import PoolState
from annal.registry import Component


@dataclass
class PoolStats:
    """What one :meth:`CandidatePool.restrict` call cost and produced.

    Attributes
    ----------
    size : int
        Unlabelled candidates handed to the strategy.
    build_s : float
        Seconds spent building (or loading) the pool's index in this call; 0 once built.
    search_s : float
        Seconds spent finding the candidates (index searches, anchors, sampling).
    """

    size: int
    build_s: float = 0.0
    search_s: float = 0.0


class CandidatePool(Component):
    """Base class of every candidate pool (see module docstring); a new pool is a subclass
    with a registry ``name`` plus one line in :data:`annal.al.pools.POOLS`."""

    def fresh(self) -> CandidatePool:
        """A copy with the same parameters and no state from earlier rounds."""
        return type(self)(**self.get_params())

    def update(self, state: PoolState) -> None:
        """Take in the rows labelled since the last call (no-op for stateless pools).

        The loop calls it for rounds replayed on resume, so a resumed run grows the same pool.
        """

    def candidates(self, state: PoolState, rng: np.random.Generator) -> np.ndarray:
        """Row positions of the unlabelled candidates (unique, selectable), int64."""
        raise NotImplementedError

    def build_seconds(self) -> float:
        """Seconds the last call spent building or loading an index (then reset to 0)."""
        return 0.0

    def restrict(self, state: PoolState, budget: int, seed: int = 0) -> tuple[PoolState, PoolStats]:
        """The state a strategy sees this round, and what finding it cost.

        Parameters
        ----------
        state : PoolState
            The whole pool this round.
        budget : int
            Rows the strategy will pick. When the pool finds fewer candidates than
            ``min(budget, n_unlabelled)``, seeded random unlabelled rows make up the
            difference, so the strategy can always return its full batch.
        seed : int
            Seed of every random choice of this call.

        Returns
        -------
        sub : PoolState
            The labelled rows plus the candidates, under their dataset ids.
        stats : PoolStats
        """
        rng = np.random.default_rng(seed)
        t0 = time.perf_counter()
        found = np.unique(np.asarray(self.candidates(state, rng), dtype=np.int64))
        need = min(int(budget), state.n_unlabelled) - len(found)
        if need > 0:
            others = np.setdiff1d(state.unlabelled_pos, found, assume_unique=True)
            found = np.union1d(found, rng.choice(others, size=need, replace=False))
        sub = state.subset(np.union1d(state.labelled_pos, found))
        elapsed = time.perf_counter() - t0
        build_s = self.build_seconds()
        return sub, PoolStats(len(found), build_s, max(0.0, elapsed - build_s))


def selectable(state: PoolState) -> np.ndarray:
    """Boolean mask (n,) of the rows a strategy may pick."""
    return ~state.labelled & ~state.excluded
