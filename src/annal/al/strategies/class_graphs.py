"""The pool lined up once per class by one-vs-rest margin: the 1-D graphs of GALAXY and DIRECT.

For class ``k`` every row of the pool (labelled and selectable) is sorted by
``p_k - max_{j != k} p_j`` in descending order, ties in a seeded random order; a labelled row is
"k" or "not k". Both strategies walk these lines to find where "k" turns into "not k". Rows they
pick are *revealed*: in sequential mode the oracle answers (:meth:`PoolState.ask`), in batch mode
the classifier's predicted class stands in for the answer.
"""

from __future__ import annotations

import numpy as np

from annal.al.state import PoolState
from annal.al.strategies.uncertainty import class_margins


class ClassGraphs:
    """Per-class orderings of the labelled and selectable rows of ``state``.

    Attributes
    ----------
    rows : np.ndarray of int64, shape (m,)
        Pool positions of the nodes: the labelled rows, then the selectable ones.
    order : np.ndarray of int64, shape (c, m)
        ``order[k]`` lists the nodes from the largest margin of class ``k`` to the smallest.
    rank : np.ndarray of int64, shape (c, m)
        ``rank[k, node]`` is the node's position in ``order[k]``.
    labels : np.ndarray of int64, shape (m,)
        Known (or revealed) class of every node, -1 while unknown.
    free : np.ndarray of bool, shape (m,)
        Nodes that may still be picked this round.
    predicted : np.ndarray of int64, shape (m,)
        The classifier's most likely class of every node.
    """

    def __init__(self, state: PoolState, rng: np.random.Generator) -> None:
        lab, unl = state.labelled_pos, state.unlabelled_pos
        self.rows = np.concatenate([lab, unl]).astype(np.int64)
        parts = [state.proba()] if not len(lab) else [state.labelled_proba(), state.proba()]
        proba = np.concatenate(parts)
        margins = class_margins(proba)
        n_nodes, n_classes = len(self.rows), margins.shape[1]
        tiebreak = rng.permutation(n_nodes)
        self.order = np.empty((n_classes, n_nodes), dtype=np.int64)
        self.rank = np.empty((n_classes, n_nodes), dtype=np.int64)
        for k in range(n_classes):
            self.order[k] = np.lexsort((tiebreak, -margins[:, k]))
            self.rank[k, self.order[k]] = np.arange(n_nodes)
        known = state.labelled_labels() if len(lab) else np.empty(0, dtype=np.int64)
        self.labels = np.concatenate([known, np.full(len(unl), -1, dtype=np.int64)])
        self.free = np.concatenate([np.zeros(len(lab), bool), np.ones(len(unl), bool)])
        self.predicted = np.argmax(proba, axis=1).astype(np.int64)
        self._state = state

    @property
    def n_classes(self) -> int:
        """Number of classes (lines)."""
        return len(self.order)

    @property
    def sequential(self) -> bool:
        """Whether picked rows are answered by the oracle (else by the predicted class)."""
        return self._state.oracle is not None

    def take(self, nodes: np.ndarray) -> np.ndarray:
        """Pick ``nodes`` (free), reveal their classes and return them, int64 (len(nodes),)."""
        nodes = np.asarray(nodes, dtype=np.int64)
        self.free[nodes] = False
        if self.sequential:
            answers = self._state.ask(self.rows[nodes])
        else:
            answers = self.predicted[nodes]
        self.labels[nodes] = answers
        return answers

    def line(self, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Class ``k``'s line: ``w`` (+1 "k", -1 "not k", 0 unknown) and ``free``, in rank order."""
        lab = self.labels[self.order[k]]
        w = np.where(lab < 0, 0, np.where(lab == k, 1, -1)).astype(np.int64)
        return w, self.free[self.order[k]]

    def positions(self, nodes: list[int] | np.ndarray) -> np.ndarray:
        """Pool positions of ``nodes``."""
        return self.rows[np.asarray(nodes, dtype=np.int64)]
