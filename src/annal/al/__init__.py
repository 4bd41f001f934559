"""Active learning: the loop, classifiers, query strategies and initial sets (paper 2.3).

>>> from annal.al import ActiveLearningLoop, stratified_split
>>> train, test = stratified_split(y, seed=0)
>>> records = ActiveLearningLoop("margin", initial=100, budget=100, rounds=10).run(
...     X[train], y[train], X[test], y[test])
"""

from __future__ import annotations

from annal.al.initial import Initializer
from annal.al.loop import ActiveLearningLoop, Oracle, RoundRecord, SimulatedOracle
from annal.al.models import CLASSIFIERS, LabelledModel, make_classifier
from annal.al.protocol import RunProtocol
from annal.al.registry import INITIALIZERS, STRATEGIES, make_initializer, make_strategy
from annal.al.split import stratified_split
from annal.al.state import PoolState
from annal.al.stopping import STOPPING, StoppingCriterion, make_stopping, stop_set
from annal.al.strategies import Strategy

__all__ = [
    "CLASSIFIERS",
    "INITIALIZERS",
    "STOPPING",
    "STRATEGIES",
    "ActiveLearningLoop",
    "Initializer",
    "LabelledModel",
    "Oracle",
    "PoolState",
    "RoundRecord",
    "RunProtocol",
    "SimulatedOracle",
    "StoppingCriterion",
    "Strategy",
    "make_classifier",
    "make_initializer",
    "make_stopping",
    "make_strategy",
    "stop_set",
    "stratified_split",
]
