"""What every peer adapter shares: the call signature, a fixed-probability model, availability.

An adapter turns one peer library's query strategy into the benchmark's common call::

    prepare(X, labelled, batch, *, proba=None, seed=0) -> run
    run() -> np.ndarray[int64] (batch,)   # positions into X, unlabelled, unique

``X`` is the pool (float32, (n, d), unit rows), ``labelled`` the labelled positions (int64,
(m,)), ``proba`` the fitted classifier's class probabilities on the whole pool (float32,
(n, c)). ``prepare`` does the peer-specific reshaping of the inputs (not timed); ``run`` is
the peer's query call and nothing else (timed).
"""

from __future__ import annotations

import importlib
import importlib.metadata
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin

Run = Callable[[], np.ndarray]


class FixedProba(ClassifierMixin, BaseEstimator):
    """A "fitted" classifier that answers ``predict_proba`` with precomputed rows.

    Every implementation of an uncertainty strategy is handed the same probabilities, so
    the benchmark times the selection, not the classifier. ``predict_proba(X)`` returns the
    whole-pool table when ``len(X) == n`` and the unlabelled rows when
    ``len(X) == n - m``.

    Parameters
    ----------
    proba : np.ndarray of float32, shape (n, c)
        Probabilities of every pool row.
    unlabelled : np.ndarray of int64, shape (u,)
        Positions of the unlabelled rows (ascending).
    """

    def __init__(self, proba: np.ndarray | None = None, unlabelled: np.ndarray | None = None):
        self.proba = proba
        self.unlabelled = unlabelled

    def fit(self, X, y=None):  # noqa: D102 - nothing to learn, the table is the model
        self.classes_ = np.arange(self.proba.shape[1])
        self.proba_unlabelled_ = np.ascontiguousarray(self.proba[self.unlabelled])
        self.n_features_in_ = X.shape[1] if X is not None and np.ndim(X) == 2 else 0
        return self

    def predict_proba(self, X) -> np.ndarray:  # noqa: D102
        n = X.shape[0]
        if n == len(self.proba):
            return self.proba
        if n == len(self.proba_unlabelled_):
            return self.proba_unlabelled_
        raise ValueError(
            f"FixedProba knows {len(self.proba)} or {len(self.unlabelled)} rows, got {n}"
        )

    def predict(self, X) -> np.ndarray:  # noqa: D102
        return self.predict_proba(X).argmax(axis=1)


def fixed_proba(proba: np.ndarray, unlabelled: np.ndarray) -> FixedProba:
    """A fitted :class:`FixedProba` for ``proba`` (n, c) and the unlabelled positions."""
    return FixedProba(proba, unlabelled).fit(None)


def unlabelled_positions(n: int, labelled: np.ndarray) -> np.ndarray:
    """Ascending int64 positions of ``range(n)`` not in ``labelled``."""
    mask = np.ones(n, dtype=bool)
    mask[labelled] = False
    return np.flatnonzero(mask).astype(np.int64)


@dataclass(frozen=True)
class Peer:
    """One peer query strategy behind the common call (see module docstring).

    Attributes
    ----------
    implementation : str
        Library as written in results: ``small-text``, ``scikit-activeml`` or ``modAL``.
    strategy : str
        The annal strategy family it is compared with (``coreset``, ``cluster``, ``margin``,
        ``distance``).
    label : str
        The peer's own name for it, with the settings used.
    module : str
        The peer library's import name (to test availability).
    prepare : callable
        ``prepare(X, labelled, batch, *, proba, seed) -> run``.
    truncation : str
        How a too-slow call can be measured on fewer picks: ``recompute`` (greedy, every pick
        redoes the distances to all centers, so no pick is cheaper than the first),
        ``incremental`` (greedy, a setup then a constant cost per pick) or ``none``.
    needs_proba : bool
        Whether the strategy reads the classifier's probabilities.
    min_flops : callable
        ``min_flops(n, m, d, batch) -> float``: the multiply-adds (x2) the peer's algorithm
        cannot avoid for a pool of ``n`` rows with ``m`` labelled. Divided by the machine's
        measured matmul speed it is a floor of the peer's time (see :mod:`peers.flops`).
    """

    implementation: str
    strategy: str
    label: str
    module: str
    prepare: Callable[..., Run]
    truncation: str = "none"
    needs_proba: bool = False
    distribution: str = field(default="")
    min_flops: Callable[[int, int, int, int], float] = field(default=lambda n, m, d, b: 0.0)

    def available(self) -> tuple[bool, str]:
        """Whether the peer imports here, and its version or the import error text."""
        try:
            importlib.import_module(self.module)
        except Exception as exc:  # any import failure is a reason to report, not to crash
            return False, f"{type(exc).__name__}: {exc}"
        try:
            return True, importlib.metadata.version(self.distribution or self.module)
        except importlib.metadata.PackageNotFoundError:
            return True, "unknown"
