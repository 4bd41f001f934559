"""Query strategies, one module per family; all share :class:`~annal.al.strategies.base.Strategy`."""

from __future__ import annotations

from annal.al.strategies.base import Strategy
from annal.al.strategies.cluster import ClusterMarginSampling, ClusterSampling
from annal.al.strategies.combined import CombinedSampling
from annal.al.strategies.coreset import CoresetSampling
from annal.al.strategies.distance import DistanceSampling
from annal.al.strategies.random import RandomSampling
from annal.al.strategies.uncertainty import (
    EntropySampling,
    LeastConfidentSampling,
    MarginSampling,
)

#: Every strategy class, in the order of the registry.
STRATEGY_CLASSES: tuple[type[Strategy], ...] = (
    RandomSampling,
    LeastConfidentSampling,
    MarginSampling,
    EntropySampling,
    DistanceSampling,
    ClusterSampling,
    CombinedSampling,
    CoresetSampling,
    ClusterMarginSampling,
)

__all__ = [
    "STRATEGY_CLASSES",
    "ClusterMarginSampling",
    "ClusterSampling",
    "CombinedSampling",
    "CoresetSampling",
    "DistanceSampling",
    "EntropySampling",
    "LeastConfidentSampling",
    "MarginSampling",
    "RandomSampling",
    "Strategy",
]
