"""``logreg``: scikit-learn's ``LogisticRegression`` (lbfgs)."""

from __future__ import annotations

from typing import Annotated

from annotated_types import Ge, Gt
from sklearn.linear_model import LogisticRegression

from annal.al.classifiers.base import Classifier


class LogReg(Classifier):
    """scikit-learn's ``LogisticRegression``.

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

    def estimator(self, seed: int) -> LogisticRegression:  # noqa: D102
        return LogisticRegression(C=self.C, max_iter=self.max_iter, random_state=seed)
