"""``sgd-sklearn``: scikit-learn's ``SGDClassifier`` on the log loss (the reference ``sgd``)."""

from __future__ import annotations

from typing import Annotated

from annotated_types import Ge, Gt
from sklearn.linear_model import SGDClassifier

from annal._threads import thread_budget
from annal.al.classifiers.base import Classifier
from annal.al.classifiers.sgd import SGD_MAX_ITER, SGD_PATIENCE


class SklearnSGD(Classifier):
    """scikit-learn's ``SGDClassifier`` with the settings of ``sgd``.

    A fresh fit each round must be fast: a bounded number of epochs, no early stopping, the
    per-class binary fits threaded over :func:`annal._threads.thread_budget` threads (the same
    model as one thread).

    Parameters
    ----------
    alpha : float
        L2 regularisation strength.
    max_iter : int
        Most epochs.
    n_iter_no_change : int
        Epochs without a ``tol`` improvement of the loss before it stops.
    tol : float
        Improvement of the training loss that counts.
    """

    name = "sgd-sklearn"

    def __init__(
        self,
        alpha: Annotated[float, Gt(0)] = 1e-4,
        max_iter: Annotated[int, Ge(1)] = SGD_MAX_ITER,
        n_iter_no_change: Annotated[int, Ge(1)] = SGD_PATIENCE,
        tol: Annotated[float, Gt(0)] = 1e-3,
    ) -> None:
        self.alpha = alpha
        self.max_iter = max_iter
        self.n_iter_no_change = n_iter_no_change
        self.tol = tol

    def estimator(self, seed: int) -> SGDClassifier:  # noqa: D102
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
