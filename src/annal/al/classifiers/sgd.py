"""``sgd``: the vectorised SGD on the log loss (:class:`annal.al.sgd.VectorisedSGD`), the default.

The algorithm and its parameter checks live in :mod:`annal.al.sgd`; this part only names it.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Strict

from annal.al.classifiers.base import Classifier
from annal.al.sgd import VectorisedSGD

#: Epochs of the ``sgd`` classifiers: at most ``SGD_MAX_ITER``, and it stops once the training
#: loss has not improved by ``tol`` for ``SGD_PATIENCE`` epochs (scikit-learn's default 5 made
#: every fit run 6-8 epochs). Final macro-F1 within 0.3 points of the former 30/5 setting on
#: r8 and banking77 at about a third of the fit time; a patience of 1 lost a point.
SGD_MAX_ITER = 10
SGD_PATIENCE = 2

#: An integer that is not a bool or a float (as :class:`VectorisedSGD` checks).
Int = Annotated[int, Strict()]


class SGD(Classifier):
    """:class:`~annal.al.sgd.VectorisedSGD`: the paper's SGD as mini-batch matrix products.

    The parameters are :class:`~annal.al.sgd.VectorisedSGD`'s (alphabetical here); their
    bounds are checked there, when the part is built. ``random_state`` is the round's seed.
    """

    name = "sgd"

    def __init__(
        self,
        alpha: float = 1e-4,
        batch_size: Int = 512,
        epochs: Int = SGD_MAX_ITER,
        min_batch: Int = 16,
        multi_class: Literal["ovr", "multinomial"] = "ovr",
        n_iter_no_change: Int = SGD_PATIENCE,
        step_batch: float = 30.0,
        tol: float | None = 1e-3,
    ) -> None:
        self.alpha = alpha
        self.batch_size = batch_size
        self.epochs = epochs
        self.min_batch = min_batch
        self.multi_class = multi_class
        self.n_iter_no_change = n_iter_no_change
        self.step_batch = step_batch
        self.tol = tol

    def check_params(self) -> None:
        """Types from the annotations, then :class:`VectorisedSGD`'s own bounds."""
        super().check_params()
        self.estimator(0)

    def estimator(self, seed: int) -> VectorisedSGD:  # noqa: D102
        return VectorisedSGD(**self.get_params(), random_state=seed)
