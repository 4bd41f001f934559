"""A classifier by name, and a fitted model whose probabilities cover every class.

:func:`make_classifier` turns a name from :data:`annal.al.classifiers.CLASSIFIERS` (``sgd``,
``sgd-sklearn``, ``logreg``, ``rf``, ``linear-svm``, ``mlp``, ``lda``; one file each under
:mod:`annal.al.classifiers`) or any scikit-learn estimator with ``predict_proba`` into an
unfitted estimator with its seed set.
:class:`LabelledModel` fits a *fresh* clone of it on the current labelled set each round and maps
its probabilities onto the global class list ``0..n_classes-1``: columns of classes the labelled
set lacks are zero, and a labelled set of a single class gives probability one for that class.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, clone
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import SGDClassifier

from annal._threads import thread_budget
from annal.al.classifiers import (
    CLASSIFIERS,
    SGD_MAX_ITER,
    SGD_PATIENCE,
    CalibratedLinearSVM,
    ShrunkLDA,
)
from annal.al.sgd import VectorisedSGD
from annal.errors import AnnalError

#: Rows per ``predict_proba`` call of :meth:`LabelledModel.predict`.
PREDICT_BLOCK = 8192

__all__ = [
    "CLASSIFIERS",
    "SGD_MAX_ITER",
    "SGD_PATIENCE",
    "CalibratedLinearSVM",
    "LabelledModel",
    "ShrunkLDA",
    "make_classifier",
    "thread_budget",
]


def make_classifier(
    name_or_estimator: str | BaseEstimator = "sgd",
    seed: int = 0,
    params: Mapping[str, Any] | None = None,
) -> BaseEstimator:
    """An unfitted classifier with probabilities, by name or from an estimator.

    Parameters
    ----------
    name_or_estimator : str or estimator
        A name from :data:`~annal.al.classifiers.CLASSIFIERS`: ``sgd``
        (:class:`~annal.al.sgd.VectorisedSGD`: the paper's SGD on the log loss, one-vs-rest,
        as mini-batch matrix products; at most ``SGD_MAX_ITER`` epochs with a patience of
        ``SGD_PATIENCE``), ``sgd-sklearn`` (scikit-learn's SGDClassifier with the same
        settings, its one-vs-rest fits threaded over :func:`thread_budget` threads, which gives
        the same model as one thread), ``lda`` (:class:`ShrunkLDA`, scikit-learn's shrunk LDA,
        the fast closed-form choice, within about a point of ``sgd``'s macro-F1; see
        BENCHMARKS.md), ``logreg``, ``rf``, ``linear-svm`` (calibrated), ``mlp`` (two hidden
        layers); or a scikit-learn estimator with ``predict_proba`` (cloned; its
        ``random_state`` set to ``seed`` when it has one).
    seed : int
        Seed of the estimator's randomness.
    params : dict, optional
        Parameters of a named classifier (its registry class's constructor, e.g.
        ``{"epochs": 5}`` for ``sgd``), checked now: an unknown name or a bad value is an
        :class:`AnnalError`.

    Returns
    -------
    estimator
        Unfitted; fit it through :class:`LabelledModel`.
    """
    if isinstance(name_or_estimator, str):
        return CLASSIFIERS.build(name_or_estimator, params).estimator(seed)
    est = clone(name_or_estimator)
    if not hasattr(est, "predict_proba"):
        raise AnnalError(f"classifier {type(est).__name__} has no predict_proba")
    if "random_state" in est.get_params():
        est.set_params(random_state=seed)
    try:
        return est.set_params(**dict(params or {}))
    except ValueError as exc:  # an unknown parameter (scikit-learn lists the valid ones)
        raise AnnalError(f"classifier {type(est).__name__}: {exc}") from None


class LabelledModel:
    """A classifier fitted on the labelled set, with probabilities over all ``n_classes``.

    Parameters
    ----------
    estimator : estimator
        Unfitted template (see :func:`make_classifier`); :meth:`fit` fits a fresh clone.
    n_classes : int
        Size of the global class list; class codes are ``0..n_classes-1``.
    """

    def __init__(self, estimator: BaseEstimator, n_classes: int) -> None:
        self.estimator = estimator
        self.n_classes = n_classes

    def fit(
        self, X: np.ndarray, y: np.ndarray, *, init: LabelledModel | None = None
    ) -> LabelledModel:
        """Fit a fresh clone on ``X`` (n, d) float32 and ``y`` (n,) int64.

        ``init``, a previous fitted model, warm-starts linear models from its coefficients
        (only as an explicit option; the default is a fresh fit).
        """
        y = np.asarray(y, dtype=np.int64)
        self.present_ = np.unique(y)
        self.fitted_ = None
        if len(self.present_) >= 2:
            est = clone(self.estimator)
            kwargs = _warm_start_kwargs(est, init, self.present_)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ConvergenceWarning)
                self.fitted_ = est.fit(X, y, **kwargs)
        return self

    def predict_proba(self, X: np.ndarray) -> np.ndarray:
        """Probabilities over the global classes, float32 of shape (n, n_classes)."""
        if self.fitted_ is not None and len(self.present_) == self.n_classes:
            # Every class present: the estimator's columns are the global ones, in order.
            return np.asarray(self.fitted_.predict_proba(X), dtype=np.float32)
        out = np.zeros((len(X), self.n_classes), dtype=np.float32)
        if self.fitted_ is None:
            out[:, self.present_[0]] = 1.0
            return out
        out[:, np.asarray(self.fitted_.classes_, dtype=np.int64)] = self.fitted_.predict_proba(X)
        return out

    def predict(self, X: np.ndarray) -> np.ndarray:
        """Predicted class codes (the most probable class), int64 of shape (n,).

        ``X`` (float16 or float32, possibly memory-mapped) is predicted :data:`PREDICT_BLOCK`
        rows at a time: neither a float32 copy of ``X`` nor its (n, n_classes) probability
        table is made (a 200k-row test set with 174 classes: 300 + 140 MB).
        """
        out = np.empty(len(X), dtype=np.int64)
        for start in range(0, len(X), PREDICT_BLOCK):
            block = np.ascontiguousarray(X[start : start + PREDICT_BLOCK], dtype=np.float32)
            out[start : start + len(block)] = self.predict_proba(block).argmax(axis=1)
        return out


def _warm_start_kwargs(est: BaseEstimator, init: LabelledModel | None, present: np.ndarray) -> dict:
    """``coef_init``/``intercept_init`` for an SGD model from a previous fit on the same classes."""
    if init is None or init.fitted_ is None or not isinstance(est, SGDClassifier | VectorisedSGD):
        return {}
    prev = init.fitted_
    if not np.array_equal(np.asarray(prev.classes_), present):
        return {}
    return {"coef_init": prev.coef_, "intercept_init": prev.intercept_}
