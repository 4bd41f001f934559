"""scikit-activeml adapters: ``CoreSet``, ``TypiClust``, ``UncertaintySampling(margin)``.

scikit-activeml marks unlabelled rows with ``NaN`` in ``y``; the labelled rows get label 0
(none of these strategies reads the label values). Settings are the library's defaults.
"""

from __future__ import annotations

import numpy as np

from . import flops
from .base import Peer, Run, fixed_proba, unlabelled_positions


def _y(n: int, labelled: np.ndarray) -> np.ndarray:
    y = np.full(n, np.nan)
    y[labelled] = 0.0
    return y


def prepare_coreset(X, labelled, batch, *, proba=None, seed=0) -> Run:
    """scikit-activeml ``CoreSet()`` (k-center greedy, euclidean)."""
    from skactiveml.pool import CoreSet

    y = _y(len(X), labelled)

    def run() -> np.ndarray:
        return np.asarray(CoreSet(random_state=seed).query(X, y, batch_size=batch))

    return run


def prepare_typiclust(X, labelled, batch, *, proba=None, seed=0) -> Run:
    """scikit-activeml ``TypiClust()``: k-means with k = m + batch over the whole pool."""
    from skactiveml.pool import TypiClust

    y = _y(len(X), labelled)

    def run() -> np.ndarray:
        strategy = TypiClust(random_state=seed)
        return np.asarray(strategy.query(X, y, batch_size=batch))

    return run


def prepare_margin(X, labelled, batch, *, proba=None, seed=0) -> Run:
    """scikit-activeml ``UncertaintySampling(method='margin_sampling')``, ``fit_clf=False``."""
    from skactiveml.classifier import SklearnClassifier
    from skactiveml.pool import UncertaintySampling

    unl = unlabelled_positions(len(X), labelled)
    n_classes = proba.shape[1]
    y = _y(len(X), labelled)
    # Any label set covering every class makes the wrapper "fitted" on all columns.
    y_fit = np.arange(len(labelled)) % n_classes
    clf = SklearnClassifier(fixed_proba(proba, unl), classes=np.arange(n_classes))
    clf.fit(X[labelled], y_fit.astype(float))
    clf.estimator_ = fixed_proba(proba, unl)  # the wrapper's refit dropped the table
    strategy = UncertaintySampling(method="margin_sampling", random_state=seed)

    def run() -> np.ndarray:
        return np.asarray(strategy.query(X, y, clf, fit_clf=False, batch_size=batch))

    return run


def _peer(strategy, label, prepare, **kw) -> Peer:
    return Peer(
        "scikit-activeml",
        strategy,
        label,
        "skactiveml",
        prepare,
        distribution="scikit-activeml",
        **kw,
    )


PEERS = (
    _peer(
        "coreset",
        "CoreSet()",
        prepare_coreset,
        truncation="incremental",
        min_flops=flops.greedy_incremental,
    ),
    _peer(
        "cluster",
        "TypiClust()",
        prepare_typiclust,
        min_flops=flops.typiclust,
    ),
    _peer(
        "margin",
        "UncertaintySampling(method='margin_sampling')",
        prepare_margin,
        needs_proba=True,
    ),
)
