"""Linear classifiers: SGD with log loss (the paper's; vectorised, or scikit-learn's), logistic
regression, a calibrated linear SVM."""

from __future__ import annotations

import warnings
from typing import Annotated, Literal

import numpy as np
from annotated_types import Ge, Gt
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.calibration import CalibratedClassifierCV
from sklearn.frozen import FrozenEstimator
from sklearn.linear_model import LogisticRegression, SGDClassifier
from sklearn.svm import LinearSVC

from annal._threads import thread_budget
from annal.al.classifiers.base import Classifier
from annal.al.sgd import VectorisedSGD

#: Epochs of the ``sgd`` classifier: at most ``SGD_MAX_ITER``, and it stops once the training
#: loss has not improved by ``tol`` for ``SGD_PATIENCE`` epochs (scikit-learn's default 5 made
#: every fit run 6-8 epochs). Final macro-F1 within 0.3 points of the former 30/5 setting on
#: r8 and banking77 at about a third of the fit time; a patience of 1 lost a point.
SGD_MAX_ITER = 10
SGD_PATIENCE = 2


class SGD(Classifier):
    """:class:`~annal.al.sgd.VectorisedSGD`: the paper's SGD on the log loss, one-vs-rest, as
    mini-batch matrix products (the default classifier).

    Parameters
    ----------
    epochs : int
        Most passes over the data (default ``SGD_MAX_ITER``).
    n_iter_no_change : int
        Patience: epochs without a ``tol`` improvement of the loss before a class stops.
    tol : float
        Improvement of the summed epoch loss that counts.
    alpha : float
        L2 penalty on the weights; also sets the ``optimal`` schedule.
    batch_size : int
        Most samples per mini-batch.
    multi_class : {"ovr", "multinomial"}
        One binary log-loss problem per class, or one softmax problem.
    """

    name = "sgd"

    def __init__(
        self,
        epochs: Annotated[int, Ge(1)] = SGD_MAX_ITER,
        n_iter_no_change: Annotated[int, Ge(1)] = SGD_PATIENCE,
        tol: Annotated[float, Gt(0)] = 1e-3,
        alpha: Annotated[float, Gt(0)] = 1e-4,
        batch_size: Annotated[int, Ge(1)] = 512,
        multi_class: Literal["ovr", "multinomial"] = "ovr",
    ) -> None:
        self.epochs = epochs
        self.n_iter_no_change = n_iter_no_change
        self.tol = tol
        self.alpha = alpha
        self.batch_size = batch_size
        self.multi_class = multi_class

    def build(self, seed: int) -> VectorisedSGD:  # noqa: D102
        return VectorisedSGD(**self.get_params(deep=False), random_state=seed)


class SGDSklearn(Classifier):
    """scikit-learn's ``SGDClassifier`` with log loss and the settings of ``sgd``.

    A fresh fit each round must be fast: a bounded number of epochs, no early stopping, the
    per-class binary fits threaded over :func:`annal._threads.thread_budget` threads (the same
    model as one thread).

    Parameters
    ----------
    max_iter : int
        Most epochs (default ``SGD_MAX_ITER``).
    n_iter_no_change : int
        Patience: epochs without a ``tol`` improvement of the loss before it stops.
    tol : float
        Improvement of the training loss that counts.
    alpha : float
        L2 regularisation strength.
    """

    name = "sgd-sklearn"

    def __init__(
        self,
        max_iter: Annotated[int, Ge(1)] = SGD_MAX_ITER,
        n_iter_no_change: Annotated[int, Ge(1)] = SGD_PATIENCE,
        tol: Annotated[float, Gt(0)] = 1e-3,
        alpha: Annotated[float, Gt(0)] = 1e-4,
    ) -> None:
        self.max_iter = max_iter
        self.n_iter_no_change = n_iter_no_change
        self.tol = tol
        self.alpha = alpha

    def build(self, seed: int) -> SGDClassifier:  # noqa: D102
        return SGDClassifier(
            loss="log_loss",
            alpha=self.alpha,
            max_iter=self.max_iter,
            tol=self.tol,
            n_iter_no_change=self.n_iter_no_change,
            early_stopping=False,
            n_jobs=thread_budget(),
            random_state=seed,
        )


class LogReg(Classifier):
    """scikit-learn's ``LogisticRegression`` (lbfgs).

    Parameters
    ----------
    C : float
        Inverse regularisation strength.
    max_iter : int
        Most solver iterations.
    """

    name = "logreg"

    def __init__(
        self, C: Annotated[float, Gt(0)] = 1.0, max_iter: Annotated[int, Ge(1)] = 300
    ) -> None:
        self.C = C
        self.max_iter = max_iter

    def build(self, seed: int) -> LogisticRegression:  # noqa: D102
        return LogisticRegression(C=self.C, max_iter=self.max_iter, random_state=seed)


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
            model = CalibratedClassifierCV(FrozenEstimator(svc.fit(X, y)), method="sigmoid")
        with warnings.catch_warnings():  # few-member classes: a known, accepted limitation
            warnings.simplefilter("ignore", UserWarning)
            self.model_ = model.fit(X, y)
        self.classes_ = self.model_.classes_
        return self

    def predict_proba(self, X: np.ndarray) -> np.ndarray:
        """Class probabilities, shape (n, len(classes_))."""
        return self.model_.predict_proba(X)


class LinearSVM(Classifier):
    """:class:`CalibratedLinearSVM`: a linear SVM with sigmoid-calibrated probabilities.

    Parameters
    ----------
    C : float
        Inverse regularisation strength.
    """

    name = "linear-svm"

    def __init__(self, C: Annotated[float, Gt(0)] = 1.0) -> None:
        self.C = C

    def build(self, seed: int) -> CalibratedLinearSVM:  # noqa: D102
        return CalibratedLinearSVM(C=self.C, random_state=seed)
