"""Strategies and initialisers by name, with parameters validated when they are built.

``make_strategy("distance", aggregate="max", index="faiss:lsh?nbits=16")`` builds a
:class:`~annal.al.strategies.distance.DistanceSampling`. For ``combined``, ``strategies`` may be a
string ``"cluster:0.5,distance:0.5"`` and parameters of a member are given with its name as a
prefix: ``make_strategy("combined", strategies="cluster:0.5,distance:0.5", **{"distance.aggregate": "max"})``.
"""

from __future__ import annotations

from annal.al.initial import (
    ClassCoverageInit,
    ClusterCoverageInit,
    CombinedInit,
    Initializer,
    RandomInit,
)
from annal.al.strategies import STRATEGY_CLASSES
from annal.al.strategies.base import Strategy
from annal.al.strategies.combined import CombinedSampling
from annal.al.strategies.probcover import ProbCoverInit
from annal.al.strategies.typiclust import TypiClustInit
from annal.errors import AnnalError
from annal.registry import Registry

STRATEGIES: Registry[Strategy] = Registry("strategy", STRATEGY_CLASSES)
INITIALIZERS: Registry[Initializer] = Registry(
    "initialiser",
    (
        RandomInit,
        ClassCoverageInit,
        ClusterCoverageInit,
        CombinedInit,
        TypiClustInit,
        ProbCoverInit,
    ),
)


def _parse_members(spec: str, nested: dict) -> list[tuple[Strategy, float]]:
    """``"cluster:0.5,distance:0.5"`` -> [(strategy, weight), ...] with prefixed params."""
    members = []
    for part in str(spec).split(","):
        name, _, weight = part.strip().partition(":")
        try:
            w = float(weight) if weight else 1.0
        except ValueError:
            raise AnnalError(f"bad weight {weight!r} in combined strategies {spec!r}") from None
        sub = {k.split(".", 1)[1]: v for k, v in nested.items() if k.split(".", 1)[0] == name}
        members.append((make_strategy(name, **sub), w))
    return members


def make_strategy(name: str, **params) -> Strategy:
    """A query strategy by name (see :data:`STRATEGIES`) with its parameters, checked now.

    Raises
    ------
    AnnalError
        Unknown name or parameter (the message lists the valid ones), or a bad value.
    """
    if name == CombinedSampling.name:
        nested = {k: v for k, v in params.items() if "." in k}
        params = {k: v for k, v in params.items() if "." not in k}
        if isinstance(params.get("strategies"), str):
            params["strategies"] = _parse_members(params["strategies"], nested)
        elif nested:
            raise AnnalError("member parameters like 'distance.aggregate' need strategies=...")
    return STRATEGIES.build(name, params)


Strategy.by_name = staticmethod(make_strategy)


def make_initializer(name: str, **params) -> Initializer:
    """An initial-set strategy by name (see :data:`INITIALIZERS`) with its parameters."""
    return INITIALIZERS.build(name, params)
