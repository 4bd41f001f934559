"""modAL adapters: ``margin_sampling`` and ranked batch (``uncertainty_batch_sampling``).

modAL works on the unlabelled matrix itself and returns indices into it; they are mapped back
to pool positions inside the timed call (that is part of using modAL).
"""

from __future__ import annotations

import numpy as np

from . import flops
from .base import Peer, Run, fixed_proba, unlabelled_positions


def prepare_margin(X, labelled, batch, *, proba=None, seed=0) -> Run:
    """modAL ``margin_sampling(classifier, X_unlabelled, n_instances=batch)``."""
    from modAL.uncertainty import margin_sampling

    unl = unlabelled_positions(len(X), labelled)
    X_unl = np.ascontiguousarray(X[unl])
    clf = fixed_proba(proba, unl)

    def run() -> np.ndarray:
        idx, _ = margin_sampling(clf, X_unl, n_instances=batch)
        return unl[np.asarray(idx)]

    return run


def prepare_ranked_batch(X, labelled, batch, *, proba=None, seed=0) -> Run:
    """modAL ranked batch: ``uncertainty_batch_sampling(learner, X_unlabelled, batch)``.

    Greedy: each pick scores every unlabelled row by its distance to the labelled set plus
    the picks so far (recomputed from scratch per pick) mixed with its uncertainty.
    """
    from modAL.batch import uncertainty_batch_sampling
    from modAL.models import ActiveLearner

    unl = unlabelled_positions(len(X), labelled)
    X_unl = np.ascontiguousarray(X[unl])
    learner = ActiveLearner(
        estimator=fixed_proba(proba, unl),
        X_training=X[labelled],
        y_training=np.zeros(len(labelled), dtype=np.int64),
    )
    learner.estimator = fixed_proba(proba, unl)  # ActiveLearner's fit dropped the table

    def run() -> np.ndarray:
        idx, _ = uncertainty_batch_sampling(learner, X_unl, n_instances=batch)
        return unl[np.asarray(idx)]

    return run


def _peer(strategy, label, prepare, **kw) -> Peer:
    return Peer("modAL", strategy, label, "modAL", prepare, distribution="modAL-python", **kw)


PEERS = (
    _peer("margin", "margin_sampling", prepare_margin, needs_proba=True),
    _peer(
        "distance",
        "uncertainty_batch_sampling (ranked batch)",
        prepare_ranked_batch,
        truncation="recompute",
        needs_proba=True,
        min_flops=flops.greedy_recompute,
    ),
)
