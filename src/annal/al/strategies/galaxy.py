"""GALAXY: graph-based active learning at the extreme (Zhang, Katz-Samuels & Nowak, ICML 2022).

Every class ``k`` lines the pool up by its one-vs-rest margin (:mod:`.class_graphs`). Each pick
draws a class at random and runs one step of the S^2 bisection on its line: among consecutive
labelled rows of different kind ("k" / "not k") with unlabelled rows between them, take the
shortest such gap and query the row in its middle. Without one, query the free row nearest a
cut edge (two adjacent labelled rows of different kind); without a cut edge, a random free row.

The queried row's class enters every line before the next pick: the oracle's answer in
sequential mode, the predicted class in batch mode (the batch variant). Lines are sorted once a
round, gaps live in lazy heaps, and a pick updates each line with one bisection, so a round
costs O(C n log n + budget C log n).
"""

from __future__ import annotations

import heapq
from bisect import bisect_left

import numpy as np

from annal.al.state import PoolState
from annal.al.strategies.base import Strategy
from annal.al.strategies.class_graphs import ClassGraphs


class _Line:
    """One class's line: sorted ranks of the labelled nodes and a heap of mixed gaps."""

    def __init__(self, graphs: ClassGraphs, k: int) -> None:
        self.graphs, self.k = graphs, k
        known = np.flatnonzero(graphs.labels >= 0)
        ranks = np.sort(graphs.rank[k, known])
        self.ranks: list[int] = ranks.tolist()
        kind = graphs.labels[graphs.order[k, ranks]] == k
        mixed = np.flatnonzero((kind[:-1] != kind[1:]) & (np.diff(ranks) > 1))
        self.heap = [
            (int(ranks[i + 1] - ranks[i] - 1), int(ranks[i]), int(ranks[i + 1])) for i in mixed
        ]
        heapq.heapify(self.heap)

    def _kind(self, rank: int) -> bool:
        return bool(self.graphs.labels[self.graphs.order[self.k, rank]] == self.k)

    def add(self, node: int) -> None:
        """A node just got its label: split the gap it lies in, keep the mixed halves."""
        p = int(self.graphs.rank[self.k, node])
        i = bisect_left(self.ranks, p)
        self.ranks.insert(i, p)
        kind = self._kind(p)
        if i > 0 and self._kind(a := self.ranks[i - 1]) != kind and p - a > 1:
            heapq.heappush(self.heap, (p - a - 1, a, p))
        if i + 1 < len(self.ranks) and self._kind(b := self.ranks[i + 1]) != kind and b - p > 1:
            heapq.heappush(self.heap, (b - p - 1, p, b))

    def shortest_gap_midpoint(self) -> int | None:
        """The node in the middle of the shortest mixed gap (first by margin on ties), or None."""
        while self.heap:
            _, a, b = heapq.heappop(self.heap)
            i = bisect_left(self.ranks, a)
            if i + 1 < len(self.ranks) and self.ranks[i + 1] == b:  # still one gap
                return int(self.graphs.order[self.k, (a + b) // 2])
        return None

    def nearest_to_cut(self, rng: np.random.Generator) -> int:
        """The free node nearest a cut edge; a random free node when the line has none."""
        g = self.graphs
        free_ranks = np.flatnonzero(g.free[g.order[self.k]])
        ranks = np.asarray(self.ranks, dtype=np.int64)
        kind = g.labels[g.order[self.k, ranks]] == self.k
        cut = np.flatnonzero(kind[:-1] != kind[1:])
        if len(cut) == 0:
            return int(g.order[self.k, free_ranks[rng.integers(len(free_ranks))]])
        left, right = ranks[cut], ranks[cut + 1]
        # Nearest free rank left of each cut's left end and right of its right end.
        at = np.searchsorted(free_ranks, left)
        dist_l = np.where(at > 0, left - free_ranks[np.maximum(at - 1, 0)], np.iinfo(np.int64).max)
        at_r = np.searchsorted(free_ranks, right)
        ok = at_r < len(free_ranks)
        dist_r = np.where(
            ok, free_ranks[np.minimum(at_r, len(free_ranks) - 1)] - right, np.iinfo(np.int64).max
        )
        j = int(np.argmin(np.minimum(dist_l, dist_r)))
        if dist_l[j] <= dist_r[j]:
            return int(g.order[self.k, free_ranks[at[j] - 1]])
        return int(g.order[self.k, free_ranks[at_r[j]]])


class GalaxySampling(Strategy):
    """S^2 bisection on per-class margin lines: the middle of the shortest mixed-label gap.

    No parameters: the class of each pick is drawn uniformly at random (as in the authors'
    code); labels of rows picked earlier in the batch come from the oracle in sequential mode
    and from the predicted class otherwise.
    """

    name = "galaxy"
    needs_proba = True

    def __init__(self) -> None:
        pass

    def _select(self, state: PoolState, k: int, rng: np.random.Generator) -> np.ndarray:
        graphs = ClassGraphs(state, rng)
        lines = [_Line(graphs, c) for c in range(graphs.n_classes)]
        picked: list[int] = []
        for _ in range(k):
            line = lines[int(rng.integers(len(lines)))]
            node = line.shortest_gap_midpoint()
            if node is None:
                node = line.nearest_to_cut(rng)
            graphs.take(np.array([node]))
            for other in lines:
                other.add(node)
            picked.append(node)
        return graphs.positions(picked)
