"""``rf``: scikit-learn's ``RandomForestClassifier`` on every core."""

from __future__ import annotations

from typing import Annotated

from annotated_types import Ge
from sklearn.ensemble import RandomForestClassifier

from annal.al.classifiers.base import Classifier


class RandomForest(Classifier):
    """scikit-learn's ``RandomForestClassifier``.

    Parameters
    ----------
    n_estimators : int
        Trees.
    """

    name = "rf"

    def __init__(self, n_estimators: Annotated[int, Ge(1)] = 200) -> None:
        self.n_estimators = n_estimators

    def estimator(self, seed: int) -> RandomForestClassifier:  # noqa: D102
        return RandomForestClassifier(n_estimators=self.n_estimators, n_jobs=-1, random_state=seed)
