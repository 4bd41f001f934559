"""``anchoral``: class-specific anchors gather the candidates (Lesci & Vlachos, NAACL 2024).

For every class with labelled rows, ``anchors`` of them are chosen by seeded k-means++ seeding
on that class's unit vectors (spread over the class; all of them when there are fewer). Each
anchor's ``k`` nearest unlabelled rows come from the pool's ANN index. A candidate's score is
its mean cosine similarity to the anchors that found it; the ``size`` best are kept. The pool is
rebuilt every round from the current labels, so it follows the classes as they are discovered
and keeps minority classes represented, which is the method's aim under extreme imbalance.
"""

from __future__ import annotations

from typing import Annotated

import numpy as np
from annotated_types import Ge

from annal.al.geometry import normalize_rows
from annal.al.pools.base import selectable
from annal.al.pools.neighbours import DEFAULT_INDEX, IndexedPool, IndexSpecText
from annal.al.state import PoolState
from annal.al.strategies.base import top_k
from annal.errors import AnnalError


def class_anchors(state: PoolState, per_class: int, rng: np.random.Generator) -> np.ndarray:
    """Row positions of up to ``per_class`` k-means++ anchors per known class, int64."""
    from sklearn.cluster import kmeans_plusplus

    if state.labels is None:
        raise AnnalError("the anchoral pool needs the labels of the labelled rows")
    lab = state.labelled_pos
    known = state.labels[lab]
    chosen = []
    for c in np.unique(known[known >= 0]):
        rows = lab[known == c]
        if len(rows) <= per_class:
            chosen.append(rows)
            continue
        _, idx = kmeans_plusplus(
            normalize_rows(state.rows(rows)), per_class, random_state=int(rng.integers(2**31))
        )
        chosen.append(rows[np.sort(idx)])
    return np.concatenate(chosen) if chosen else np.empty(0, dtype=np.int64)


class AnchorALPool(IndexedPool):
    """Per-class anchors, their nearest unlabelled rows, the best ``size`` by mean similarity.

    Parameters
    ----------
    anchors : int
        Anchors per class, A (paper default 10).
    k : int
        Neighbours retrieved per anchor, K (paper default 50).
    size : int
        Candidates kept, M (paper default 10,000).
    index, index_dir, save_index
        The pool's ANN index, as for every :class:`~annal.al.pools.neighbours.IndexedPool`.
    """

    name = "anchoral"

    def __init__(
        self,
        anchors: Annotated[int, Ge(1)] = 10,
        k: Annotated[int, Ge(1)] = 50,
        size: Annotated[int, Ge(1)] = 10_000,
        index: IndexSpecText = DEFAULT_INDEX,
        index_dir: str | None = None,
        save_index: bool = True,
    ) -> None:
        self.anchors = anchors
        self.k = k
        self.size = size
        self.set_index(index, index_dir, save_index)

    def candidates(self, state: PoolState, rng: np.random.Generator) -> np.ndarray:
        """The ``size`` unlabelled rows most similar, on average, to the anchors that found them."""
        pool_index = self._index_for(state)
        anchors = class_anchors(state, int(self.anchors), rng)
        if not len(anchors):
            return np.empty(0, dtype=np.int64)
        A = normalize_rows(state.rows(anchors))
        _, found = pool_index.search(A, int(self.k), selectable(state))
        anchor_of, col = np.nonzero(found >= 0)
        cand, inverse = np.unique(found[anchor_of, col], return_inverse=True)
        if not len(cand):
            return cand
        C = normalize_rows(state.rows(cand))
        sims = np.einsum("ij,ij->i", C[inverse], A[anchor_of])
        score = np.bincount(inverse, weights=sims) / np.bincount(inverse)
        return np.sort(cand[top_k(score, int(self.size), rng)])
