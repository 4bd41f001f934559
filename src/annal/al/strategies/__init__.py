"""Query strategies, one module per family; all share :class:`~annal.al.strategies.base.Strategy`."""

from __future__ import annotations

from annal.al.strategies.badge import BadgeSampling
from annal.al.strategies.base import Strategy
from annal.al.strategies.cal import ContrastiveSampling
from annal.al.strategies.class_balanced import ClassBalancedSampling
from annal.al.strategies.cluster import ClusterMarginSampling, ClusterSampling
from annal.al.strategies.combined import CombinedSampling
from annal.al.strategies.coreset import CoresetSampling
from annal.al.strategies.direct import DirectSampling
from annal.al.strategies.distance import DistanceSampling
from annal.al.strategies.galaxy import GalaxySampling
from annal.al.strategies.margin_kmeans import MarginKMeansSampling
from annal.al.strategies.probcover import ProbCoverSampling
from annal.al.strategies.random import RandomSampling
from annal.al.strategies.typiclust import TypiClustSampling
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
    ClassBalancedSampling,
    MarginKMeansSampling,
    GalaxySampling,
    DirectSampling,
    ContrastiveSampling,
    BadgeSampling,
    TypiClustSampling,
    ProbCoverSampling,
)

__all__ = [
    "STRATEGY_CLASSES",
    "BadgeSampling",
    "ClassBalancedSampling",
    "ContrastiveSampling",
    "DirectSampling",
    "GalaxySampling",
    "MarginKMeansSampling",
    "ProbCoverSampling",
    "TypiClustSampling",
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
