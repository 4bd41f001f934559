"""DIRECT: deep active learning under imbalance and label noise (Nuggehalli, Zhang, Jain & Nowak).

Every class ``k`` lines the pool up by its one-vs-rest margin (:mod:`.class_graphs`); a threshold
on the line is a classifier "k above, not k below", and its score is the number of labelled rows
it gets right minus those it gets wrong (noise-tolerant: the best threshold need not separate the
labels perfectly). Half the budget goes to a 1-D agnostic search of each class's best threshold,
rarest classes (fewest labelled rows) first: the uncertainty region runs from the last "k" of the
pure-"k" top of the line to the first "not k" of the pure-"not k" bottom; ``annotators`` rows are
drawn uniformly from its free rows, labelled, and the region shrinks from the end whose
threshold scores worse, geometrically, so the class's share is spent in ``share / annotators``
steps. The other half is split evenly over all classes (in a random order) and taken on both
sides of each class's best threshold, alternating, nearest first.

When the batch does not fit ``2 * n_classes`` rows, only the ``budget // 2`` rarest classes
search, one row each. The search needs the labels of its own picks: in sequential mode the
oracle answers them; in batch mode each class draws its whole share at once (DIRECT with as many
parallel annotators as rows, the published batch variant), the predicted class standing in for
the answers. One round costs O(C n log n).
"""

from __future__ import annotations

import numpy as np

from annal.al.state import PoolState
from annal.al.strategies.base import Strategy
from annal.al.strategies.class_graphs import ClassGraphs
from annal.errors import AnnalError


def threshold_scores(w: np.ndarray) -> np.ndarray:
    """Score of every threshold on a line with labels ``w`` (+1, -1, 0), int64 (len(w) + 1,).

    Threshold ``t`` predicts "k" for positions ``< t``: its score is the sum of ``w`` above it
    minus the sum below it (right answers minus wrong ones).
    """
    above = np.concatenate([[0], np.cumsum(w)])
    below = np.concatenate([np.cumsum(w[::-1])[::-1], [0]])
    return above - below


def uncertainty_region(w: np.ndarray) -> tuple[int, int]:
    """``(I, J)``: from the last "k" before the first labelled "not k", to the first "not k"
    after the last labelled "k" (whole line ends when a side has no such row)."""
    known = np.flatnonzero(w != 0)
    kind = w[known] > 0
    lo, hi = 0, len(w) - 1
    if len(known):
        first_neg = int(np.argmin(kind)) if not kind.all() else len(kind)
        if first_neg > 0:
            lo = int(known[first_neg - 1])
        last_pos = len(kind) - 1 - int(np.argmax(kind[::-1])) if kind.any() else -1
        if last_pos + 1 < len(kind):
            hi = int(known[last_pos + 1])
    return lo, max(lo, hi)


class DirectSampling(Strategy):
    """Per-class noise-tolerant threshold search on margin lines, then rows around the thresholds.

    Parameters
    ----------
    annotators : int
        Rows labelled per step of the threshold search (``B1``, paper default 5); in batch mode
        each class's share is drawn in one step.
    search_share : float
        Share of the budget spent on the threshold search (the rest goes around the thresholds).
    """

    name = "direct"
    needs_proba = True

    def __init__(self, annotators: int = 5, search_share: float = 0.5) -> None:
        self.annotators = annotators
        self.search_share = search_share

    def _select(self, state: PoolState, k: int, rng: np.random.Generator) -> np.ndarray:
        if int(self.annotators) < 1 or not 0 <= float(self.search_share) <= 1:
            raise AnnalError(
                f"direct needs annotators >= 1 and 0 <= search_share <= 1, got {self!r}"
            )
        graphs = ClassGraphs(state, rng)
        n_classes = graphs.n_classes
        known = graphs.labels[graphs.labels >= 0]
        counts = np.bincount(known, minlength=n_classes)[:n_classes]
        rarest = np.lexsort((rng.permutation(n_classes), counts))
        search = int(k * float(self.search_share))
        if search // n_classes >= 1:
            classes, share = rarest, search // n_classes
        else:
            classes, share = rarest[:search], 1
        picked: list[int] = []
        for c in classes:
            picked.extend(self._search(graphs, int(c), share, rng))
        rest = k - len(picked)
        for i, c in enumerate(rng.permutation(n_classes)):
            quota = rest * (i + 1) // n_classes - rest * i // n_classes
            picked.extend(self._around_threshold(graphs, int(c), quota))
        return graphs.positions(picked)

    def _search(self, graphs: ClassGraphs, k: int, share: int, rng: np.random.Generator) -> list:
        """Agnostic 1-D search of class ``k``'s threshold with ``share`` labels; the picks."""
        order = graphs.order[k]
        w, free = graphs.line(k)
        lo, hi = uncertainty_region(w)
        step = int(self.annotators) if graphs.sequential else share
        picked: list[int] = []
        left = share
        while left > 0:
            batch = min(step, left)
            cand = lo + np.flatnonzero(free[lo : hi + 1])
            if len(cand) == 0:
                break
            ranks = np.sort(rng.choice(cand, size=min(batch, len(cand)), replace=False))
            answers = graphs.take(order[ranks])
            picked.extend(order[ranks].tolist())
            free[ranks] = False
            w[ranks] = np.where(answers == k, 1, -1)
            steps = left // step  # steps left, this one included
            left -= batch
            if steps <= 1 or not graphs.sequential:
                continue
            # Shrink the region to 1/c2 of its free rows, c2 = diam^(1/steps): the end whose
            # threshold scores worse goes first (ties: a coin).
            diam = int(free[lo : hi + 1].sum())
            target = max(1, diam / diam ** (1.0 / steps)) if diam else 1
            score = threshold_scores(w)
            while diam > target and lo < hi:
                if score[lo] < score[hi] or (score[lo] == score[hi] and rng.integers(2) == 0):
                    diam -= int(free[lo])
                    lo += 1
                else:
                    diam -= int(free[hi])
                    hi -= 1
        return picked

    @staticmethod
    def _around_threshold(graphs: ClassGraphs, k: int, quota: int) -> list:
        """``quota`` free rows on both sides of class ``k``'s best threshold, alternating."""
        if quota <= 0:
            return []
        order = graphs.order[k]
        w, free = graphs.line(k)
        best = int(np.argmax(threshold_scores(w)))
        free_ranks = np.flatnonzero(free)
        split = np.searchsorted(free_ranks, best)
        above, below = free_ranks[:split][::-1], free_ranks[split:]
        n = min(len(above), len(below))
        merged = np.empty(2 * n, dtype=np.int64)
        merged[0::2], merged[1::2] = above[:n], below[:n]
        merged = np.concatenate([merged, above[n:], below[n:]])[:quota]
        nodes = order[merged]
        graphs.free[nodes] = False
        return nodes.tolist()
