"""``mlp``: scikit-learn's ``MLPClassifier`` with two hidden layers."""

from __future__ import annotations

from typing import Annotated

from annotated_types import Ge
from sklearn.neural_network import MLPClassifier

from annal.al.classifiers.base import Classifier


class MLP(Classifier):
    """scikit-learn's ``MLPClassifier``.

    Parameters
    ----------
    hidden_layer_sizes : tuple of int
        Units per hidden layer.
    max_iter : int
        Most epochs.
    """

    name = "mlp"

    def __init__(
        self,
        hidden_layer_sizes: tuple[Annotated[int, Ge(1)], ...] = (256, 128),
        max_iter: Annotated[int, Ge(1)] = 200,
    ) -> None:
        self.hidden_layer_sizes = hidden_layer_sizes
        self.max_iter = max_iter

    def estimator(self, seed: int) -> MLPClassifier:  # noqa: D102
        return MLPClassifier(
            hidden_layer_sizes=self.hidden_layer_sizes, max_iter=self.max_iter, random_state=seed
        )
