"""Combined sampling: several strategies share the budget by weight (paper: cluster + distance).

Each member picks its share (largest-remainder split of the budget by weight) from the rows the
members before it left, so the batch has no duplicates and is exactly the budget.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated

import numpy as np
from annotated_types import Ge

from annal.al.state import PoolState
from annal.al.strategies.base import Strategy
from annal.al.strategies.cluster import ClusterSampling
from annal.al.strategies.distance import DistanceSampling
from annal.errors import AnnalError


def split_budget(weights: Sequence[float], budget: int) -> np.ndarray:
    """``budget`` split in proportion to ``weights`` (largest remainders), int64 (len(weights),)."""
    w = np.asarray(weights, dtype=np.float64)
    if len(w) == 0 or (w < 0).any() or w.sum() <= 0:
        raise AnnalError(
            f"combined weights must be non-negative and not all zero, got {w.tolist()}"
        )
    ideal = budget * w / w.sum()
    shares = np.floor(ideal).astype(np.int64)
    order = np.argsort(-(ideal - shares), kind="stable")
    shares[order[: budget - int(shares.sum())]] += 1
    return shares


class CombinedSampling(Strategy):
    """Weighted combination of strategies.

    Parameters
    ----------
    strategies : sequence of (Strategy, float), optional
        Members and their weights; default the paper's ``cluster`` 0.5 + ``distance`` 0.5.
    """

    name = "combined"

    def __init__(
        self, strategies: Sequence[tuple[Strategy, Annotated[float, Ge(0)]]] | None = None
    ) -> None:
        self.strategies = strategies

    def members(self) -> list[tuple[Strategy, float]]:
        """The strategies and weights in use."""
        if self.strategies is None:
            return [(ClusterSampling(), 0.5), (DistanceSampling(), 0.5)]
        return [(s, float(w)) for s, w in self.strategies]

    @property
    def needs_proba(self) -> bool:  # type: ignore[override]
        """True when any member reads the classifier."""
        return any(s.needs_proba for s, _ in self.members())

    def _select(self, state: PoolState, k: int, rng: np.random.Generator) -> np.ndarray:
        members = self.members()
        shares = split_budget([w for _, w in members], k)
        chosen = []
        for (strategy, _), share in zip(members, shares, strict=True):
            if share == 0:
                continue
            pos = strategy.positions(state, int(share), rng)
            chosen.append(pos)
            state = state.without(pos)
        return np.concatenate(chosen)
