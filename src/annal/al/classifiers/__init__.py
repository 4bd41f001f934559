"""Classifiers by name: one module per classifier, one registry (:data:`CLASSIFIERS`).

A classifier is a :class:`~annal.al.classifiers.base.Classifier` whose constructor stores its
annotated parameters; :data:`CLASSIFIERS` builds it with the values checked, and its
``estimator(seed)`` gives the unfitted scikit-learn estimator fitted each round.
"""

from __future__ import annotations

from annal.al.classifiers.base import Classifier
from annal.al.classifiers.lda import LDA, ShrunkLDA
from annal.al.classifiers.linear_svm import CalibratedLinearSVM, LinearSVM
from annal.al.classifiers.logreg import LogReg
from annal.al.classifiers.mlp import MLP
from annal.al.classifiers.random_forest import RandomForest
from annal.al.classifiers.sgd import SGD, SGD_MAX_ITER, SGD_PATIENCE
from annal.al.classifiers.sgd_sklearn import SklearnSGD
from annal.registry import Registry

#: Every classifier class, in the order of the registry (``sgd``, the default, first).
CLASSIFIER_CLASSES: tuple[type[Classifier], ...] = (
    SGD,
    SklearnSGD,
    LogReg,
    RandomForest,
    LinearSVM,
    MLP,
    LDA,
)
CLASSIFIERS: Registry[Classifier] = Registry("classifier", CLASSIFIER_CLASSES)

__all__ = [
    "CLASSIFIERS",
    "CLASSIFIER_CLASSES",
    "LDA",
    "MLP",
    "SGD",
    "SGD_MAX_ITER",
    "SGD_PATIENCE",
    "CalibratedLinearSVM",
    "Classifier",
    "LinearSVM",
    "LogReg",
    "RandomForest",
    "ShrunkLDA",
    "SklearnSGD",
]
