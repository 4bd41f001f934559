"""Class-balanced sampling: a base strategy's batch spread over the predicted classes.

The batch is split over the classes the classifier predicts for the unlabelled rows so that the
labelled set moves toward balance (small-text's ``ClassBalancer`` idea): each row of the budget
goes to the class with the fewest labelled rows plus rows given so far, among the classes that
still have predicted rows left (ties: the class with fewer predicted rows first, then a seeded
random order). Inside each class the base strategy picks its share from the rows predicted to be
of that class; the rarest predicted classes pick first.
"""

from __future__ import annotations

import heapq

import numpy as np

from annal.al.state import PoolState
from annal.al.strategies.base import Strategy


def balancing_quotas(
    labelled_counts: np.ndarray, available: np.ndarray, budget: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Split ``budget`` over classes by water-filling the labelled counts.

    Parameters
    ----------
    labelled_counts : np.ndarray of int, shape (c,)
        Labelled rows per class.
    available : np.ndarray of int, shape (c,)
        Unlabelled rows predicted per class (a class never gets more).
    budget : int, ``<= available.sum()``
    rng : np.random.Generator
        Breaks the remaining ties.

    Returns
    -------
    quotas : np.ndarray of int64, shape (c,)
        Rows per class, summing to ``budget``.
    order : np.ndarray of int64
        The classes with a quota, rarest first (fewest labelled, then fewest predicted).
    """
    counts = np.asarray(labelled_counts, dtype=np.int64)
    avail = np.asarray(available, dtype=np.int64)
    tiebreak = rng.permutation(len(counts))
    heap = [(int(counts[c]), int(avail[c]), int(tiebreak[c]), c) for c in np.flatnonzero(avail > 0)]
    heapq.heapify(heap)
    quotas = np.zeros(len(counts), dtype=np.int64)
    for _ in range(int(budget)):
        level, n_avail, tb, c = heapq.heappop(heap)
        quotas[c] += 1
        if quotas[c] < avail[c]:
            heapq.heappush(heap, (level + 1, n_avail, tb, c))
    given = np.flatnonzero(quotas)
    order = given[np.lexsort((tiebreak[given], avail[given], counts[given]))]
    return quotas, order.astype(np.int64)


class ClassBalancedSampling(Strategy):
    """A base strategy's picks spread over predicted classes, rarest first.

    Parameters
    ----------
    base : str or Strategy
        The strategy that ranks rows inside each predicted class (default ``margin``); a name
        from :func:`annal.al.make_strategy` or a strategy object.
    """

    name = "class-balanced"
    needs_proba = True

    def __init__(self, base: str | Strategy = "margin") -> None:
        self.base = base

    def _base(self) -> Strategy:
        if isinstance(self.base, Strategy):
            return self.base
        return Strategy.by_name(str(self.base))

    def _select(self, state: PoolState, k: int, rng: np.random.Generator) -> np.ndarray:
        base = self._base()
        unl = state.unlabelled_pos
        predicted = np.argmax(state.proba(), axis=1)
        n_classes = max(state.n_classes, int(predicted.max()) + 1)
        known = state.labelled_labels() if state.labels is not None else np.empty(0, np.int64)
        counts = np.bincount(known, minlength=n_classes)[:n_classes]
        avail = np.bincount(predicted, minlength=n_classes)
        quotas, order = balancing_quotas(counts, avail, k, rng)
        chosen = []
        for c in order:
            # The base strategy sees only the rows predicted as c (others are excluded).
            sub = state.without(unl[predicted != c])
            chosen.append(base.positions(sub, int(quotas[c]), rng))
        return np.concatenate(chosen)
