"""``linear-svm``: a linear SVM with sigmoid-calibrated probabilities."""

from __future__ import annotations

import warnings
from typing import Annotated

import numpy as np
from annotated_types import Gt
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.calibration import CalibratedClassifierCV
from sklearn.frozen import FrozenEstimator
from sklearn.svm import LinearSVC

from annal.al.classifiers.base import Classifier


class CalibratedLinearSVM(ClassifierMixin, BaseEstimator):
    """A linear SVM with sigmoid-calibrated probabilities that copes with tiny classes.

    Cross-validated calibration (``cv = min(3, smallest class size)``) when every class has at
    least two examples, else calibration on the training set itself.

    Parameters
    ----------
    C : float
        Inverse regularisation strength of :class:`~sklearn.svm.LinearSVC`.
    random_state : int or None
        Seed of the SVM solver.
    """

    def __init__(self, C: float = 1.0, random_state: int | None = None) -> None:
        self.C = C
        self.random_state = random_state

    def fit(self, X: np.ndarray, y: np.ndarray) -> CalibratedLinearSVM:
        """Fit the SVM and its calibration on ``X`` (n, d) and ``y`` (n,)."""
        svc = LinearSVC(C=self.C, random_state=self.random_state)
        min_count = int(np.unique(y, return_counts=True)[1].min())
        if min_count >= 2:
            model = CalibratedClassifierCV(svc, method="sigmoid", cv=min(3, min_count))
        else:
            # One "fold" that is the whole training set: the frozen SVM is not refitted, so
            # this is calibration on the training set (the default five folds failed with
            # fewer than five labelled rows).
            every = np.arange(len(y))
            model = CalibratedClassifierCV(
                FrozenEstimator(svc.fit(X, y)), method="sigmoid", cv=[(every, every)]
            )
        with warnings.catch_warnings():  # few-member classes: a known, accepted limitation
            warnings.simplefilter("ignore", UserWarning)
            self.model_ = model.fit(X, y)
        self.classes_ = self.model_.classes_
        return self

    def predict_proba(self, X: np.ndarray) -> np.ndarray:
        """Class probabilities, shape (n, len(classes_))."""
        return self.model_.predict_proba(X)


class LinearSVM(Classifier):
    """:class:`CalibratedLinearSVM`.

    Parameters
    ----------
    C : float
        Inverse regularisation strength.
    """

    name = "linear-svm"

    def __init__(self, C: Annotated[float, Gt(0)] = 1.0) -> None:
        self.C = C

    def estimator(self, seed: int) -> CalibratedLinearSVM:  # noqa: D102
        return CalibratedLinearSVM(C=self.C, random_state=seed)
