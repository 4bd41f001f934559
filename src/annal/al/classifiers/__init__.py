"""Classifiers by name, one module per family; all share :class:`~annal.al.classifiers.base.Classifier`."""

from __future__ import annotations

from annal.al.classifiers.base import Classifier
from annal.al.classifiers.lda import LDA, ShrunkLDA
from annal.al.classifiers.linear import SGD, CalibratedLinearSVM, LinearSVM, LogReg, SGDSklearn
from annal.al.classifiers.nonlinear import MLP, RandomForest

#: Every classifier class, in the order of the registry.
CLASSIFIER_CLASSES: tuple[type[Classifier], ...] = (
    SGD,
    SGDSklearn,
    LogReg,
    RandomForest,
    LinearSVM,
    MLP,
    LDA,
)

__all__ = [
    "CLASSIFIER_CLASSES",
    "LDA",
    "MLP",
    "SGD",
    "SGDSklearn",
    "CalibratedLinearSVM",
    "Classifier",
    "LinearSVM",
    "LogReg",
    "RandomForest",
    "ShrunkLDA",
]
