"""Cluster sampling (paper section 2.3.2) and its margin variant.

Every round the unlabelled pool is clustered with k-means (FAISS by default, scikit-learn as an
option; at most 100 iterations; k = the number of classes unless given, growing by ``growth``
per round for the paper's dynamic clustering; initial centroids may come from embedded class
descriptions). The batch is spread over the clusters in proportion to their size, at least one
each while the budget lasts. Inside a cluster three picks share its quota equally:

* ``centroid`` - the members nearest the centroid;
* ``diverse`` - the members with the highest mean cosine distance to the other members, from
  the cluster's vector sum ``S``: mean similarity of ``x`` to the others is
  ``(x.S - 1) / (n - 1)``, so no pairwise matrix is built;
* ``uncertain`` - least confident (``cluster``) or smallest margin (``cluster-margin``).

A row chosen by two picks counts once and the later pick takes its next-best row instead, so
the batch is exactly the budget (docs/pitfalls.md #4).

On a large pool (at least ``large_pool`` unlabelled rows) k-means runs on a seeded sample of
``max_points_per_centroid`` (default 256, FAISS's own) rows per centroid, and every unlabelled
row is then assigned through a FAISS index of the centroids, in blocks read from the pool's own
dtype: no float32 copy of the pool, and the Lloyd iterations cost what the sample costs.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Literal

import numpy as np
from annotated_types import Ge
from scipy import sparse

from annal.al.geometry import normalize_rows
from annal.al.kmeans import kmeans
from annal.al.pivots import unit_blocks, unit_rows
from annal.al.state import PoolState
from annal.al.strategies.base import Strategy
from annal.al.strategies.uncertainty import least_confidence, margin_uncertainty
from annal.errors import AnnalError

PICKS = ("centroid", "diverse", "uncertain")
Pick = Literal["centroid", "diverse", "uncertain"]


def allocate(sizes: np.ndarray, budget: int) -> np.ndarray:
    """Split ``budget`` over clusters of ``sizes``: one each (largest first) while it lasts,
    the rest in proportion to size (largest remainders), never more than a cluster holds.

    Parameters
    ----------
    sizes : np.ndarray of int, shape (k,)
    budget : int, ``<= sizes.sum()``

    Returns
    -------
    np.ndarray of int64, shape (k,)
        Quotas summing to ``budget``.
    """
    sizes = np.asarray(sizes, dtype=np.int64)
    quota = np.zeros(len(sizes), dtype=np.int64)
    nonempty = np.flatnonzero(sizes > 0)
    by_size = nonempty[np.argsort(-sizes[nonempty], kind="stable")]
    quota[by_size[:budget]] = 1
    left = budget - int(quota.sum())
    while left > 0:
        room = sizes - quota
        open_ = np.flatnonzero(room > 0)
        share = left * sizes[open_] / sizes[open_].sum()
        add = np.minimum(np.floor(share).astype(np.int64), room[open_])
        if add.sum() == 0:
            # Hand out single rows by largest remainder, bigger clusters first on ties.
            order = np.lexsort((-sizes[open_], -(share - np.floor(share))))
            add[order[:left]] = 1
        quota[open_] += add
        left -= int(add.sum())
    return quota


def _merge_picks(rankings: list[np.ndarray], shares: list[int]) -> list[int]:
    """Take ``shares[p]`` rows from ranking ``p`` in turn, skipping rows already taken."""
    taken: list[int] = []
    seen: set[int] = set()
    for ranking, share in zip(rankings, shares, strict=True):
        got = 0
        for row in ranking:
            if got == share:
                break
            if row not in seen:
                seen.add(int(row))
                taken.append(int(row))
                got += 1
    return taken


def _grouped_rankings(labels: np.ndarray, score: np.ndarray, tiebreak: np.ndarray) -> np.ndarray:
    """Rows sorted by cluster, then by descending score, ties by ``tiebreak``."""
    return np.lexsort((tiebreak, -score, labels))


class ClusterSampling(Strategy):
    """Cluster the unlabelled pool; from each cluster take central, diverse and uncertain rows.

    Parameters
    ----------
    n_clusters : int, optional
        k; defaults to the number of classes.
    picks : tuple of str
        Which of ``centroid``, ``diverse``, ``uncertain`` share each cluster's quota.
    backend : {"faiss", "sklearn"}
        k-means implementation.
    max_iter : int
        Most k-means iterations.
    growth : int
        Dynamic clustering: k grows by this much every round (0 = fixed k).
    descriptions : tuple of str, optional
        One text per initial centroid (e.g. a sentence per class), embedded with ``encoder``.
    encoder : str, optional
        Encoder name for ``descriptions`` (see :func:`annal.embed.get_encoder`); use the one
        that embedded the pool.
    centroids : np.ndarray of float32, shape (k0, d), optional
        Precomputed initial centroids (instead of ``descriptions``).
    max_points_per_centroid : int, optional
        Opt-in approximation (FAISS backend): train k-means on a seeded sample of at most this
        many rows per centroid (FAISS's default 256 when None; 64 about halves the k-means
        time at 25k rows), then assign every row. The default stays FAISS's.
    large_pool : int
        From this many unlabelled rows on, k-means runs on a sample and every row is assigned
        through an index of the centroids (module docstring).
    """

    name = "cluster"
    uncertainty = staticmethod(least_confidence)

    def __init__(
        self,
        n_clusters: Annotated[int, Ge(1)] | None = None,
        picks: tuple[Pick, ...] | Pick = PICKS,
        backend: Literal["faiss", "sklearn"] = "faiss",
        max_iter: Annotated[int, Ge(1)] = 100,
        growth: Annotated[int, Ge(0)] = 0,
        descriptions: tuple[str, ...] | None = None,
        encoder: str | None = None,
        centroids: np.ndarray | Sequence[Sequence[float]] | None = None,
        max_points_per_centroid: Annotated[int, Ge(1)] | None = None,
        large_pool: Annotated[int, Ge(1)] = 200_000,
    ) -> None:
        self.n_clusters = n_clusters
        self.picks = picks
        self.backend = backend
        self.max_iter = max_iter
        self.growth = growth
        self.descriptions = descriptions
        self.encoder = encoder
        self.centroids = centroids
        self.max_points_per_centroid = max_points_per_centroid
        self.large_pool = large_pool

    @property
    def needs_proba(self) -> bool:  # type: ignore[override]
        """Only the ``uncertain`` pick reads the classifier."""
        return "uncertain" in self._picks()

    def check_params(self) -> None:
        """Annotated values; at least one pick; descriptions come with their encoder."""
        super().check_params()
        self._picks()
        if self.descriptions is not None and not self.encoder:
            raise AnnalError("cluster descriptions need encoder=<the encoder of the pool>")

    def _picks(self) -> tuple[str, ...]:
        picks = (self.picks,) if isinstance(self.picks, str) else tuple(self.picks)
        picks = tuple(p for part in picks for p in str(part).split(",") if p)
        bad = [p for p in picks if p not in PICKS]
        if bad or not picks:
            raise AnnalError(f"cluster picks must be among {', '.join(PICKS)}, got {self.picks!r}")
        return picks

    def _initial_centroids(self) -> np.ndarray | None:
        if self.centroids is not None:
            return normalize_rows(np.asarray(self.centroids))
        if self.descriptions is None:
            return None
        key = (tuple(self.descriptions), self.encoder)
        cache = self.__dict__.setdefault("_description_cache", {})
        if key not in cache:
            from annal.embed import get_encoder

            cache[key] = normalize_rows(get_encoder(self.encoder).encode(list(self.descriptions)))
        return cache[key]

    def cluster(self, state: PoolState, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        """k-means of the unlabelled unit rows: centroids (k, d) and labels (u,)."""
        centroids, labels, _ = self._cluster(state, rng, state.unit[state.unlabelled_pos])
        return centroids, labels

    def _cluster(
        self, state: PoolState, rng: np.random.Generator, U: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """k-means of ``U`` (u, d), the unlabelled unit rows: centroids, labels and every
        row's squared distance to its centroid (from FAISS's assignment search)."""
        k = int(self.n_clusters or state.n_classes) + int(self.growth) * state.round
        k = max(1, min(k, len(U)))
        init = self._initial_centroids()
        if init is not None:
            if init.shape[1] != U.shape[1]:
                raise AnnalError(
                    f"initial centroids have dimension {init.shape[1]}, the pool {U.shape[1]}"
                )
            if len(init) < k:  # dynamic k outgrew the descriptions: add random rows
                extra = U[rng.choice(len(U), size=k - len(init), replace=False)]
                init = np.concatenate([init, extra])
            init = init[:k]
        return kmeans(
            U,
            k,
            seed=int(rng.integers(2**31)),
            backend=self.backend,
            max_iter=self.max_iter,
            init_centroids=init,
            max_points_per_centroid=self.max_points_per_centroid,
            return_distances=True,
        )

    def uses_sample(self, state: PoolState) -> bool:
        """Whether this round clusters a sample and assigns through an index (large pool)."""
        return state.n_unlabelled >= int(self.large_pool)

    def _assign_large(
        self, state: PoolState, rng: np.random.Generator, diverse: bool
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray | None, int]:
        """k-means on a sample, every unlabelled row assigned through a centroid index:
        labels, squared distances to the centroid, the diverse score (or None), k."""
        from annal.index import make_index

        unl = state.unlabelled_pos
        k = int(self.n_clusters or state.n_classes) + int(self.growth) * state.round
        per = int(self.max_points_per_centroid or 256)
        size = min(len(unl), per * max(1, k))
        sample = np.sort(rng.choice(len(unl), size=size, replace=False))
        centroids, _, _ = self._cluster(state, rng, unit_rows(state.X, unl[sample]))
        n_clusters = len(centroids)
        index = make_index("faiss:flat?metric=l2").build(centroids)
        labels = np.empty(len(unl), dtype=np.int64)
        sq_dist = np.empty(len(unl), dtype=np.float32)
        sums = np.zeros_like(centroids, dtype=np.float32)
        start = 0
        for block in unit_blocks(state.X, unl):
            d, nearest = index.search(block, 1)
            labels[start : start + len(block)] = nearest[:, 0]
            sq_dist[start : start + len(block)] = d[:, 0]
            if diverse:
                member = sparse.csr_matrix(
                    (np.ones(len(block), dtype=np.float32), (nearest[:, 0], np.arange(len(block)))),
                    shape=(n_clusters, len(block)),
                )
                sums += np.asarray(member @ block, dtype=np.float32)
            start += len(block)
        score = None
        if diverse:  # lowest x.S = highest mean distance to the other members
            score = np.empty(len(unl), dtype=np.float32)
            start = 0
            for block in unit_blocks(state.X, unl):
                part = labels[start : start + len(block)]
                score[start : start + len(block)] = -np.einsum("ij,ij->i", block, sums[part])
                start += len(block)
        return labels, sq_dist, score, n_clusters

    def _select(self, state: PoolState, k: int, rng: np.random.Generator) -> np.ndarray:
        picks = self._picks()
        scores = {}
        if self.uses_sample(state):
            labels, sq_dist, diverse, n_clusters = self._assign_large(
                state, rng, "diverse" in picks
            )
            if diverse is not None:
                scores["diverse"] = diverse
        else:
            U = state.unit[state.unlabelled_pos]  # the one copy: k-means and the picks share it
            centroids, labels, sq_dist = self._cluster(state, rng, U)
            n_clusters = len(centroids)
            if "diverse" in picks:  # lowest x.S = highest mean distance to the other members
                member = sparse.csr_matrix(
                    (np.ones(len(U), dtype=np.float32), (labels, np.arange(len(U)))),
                    shape=(n_clusters, len(U)),
                )
                sums = np.asarray(member @ U, dtype=np.float32)
                scores["diverse"] = -np.einsum("ij,ij->i", U, sums[labels])
        sizes = np.bincount(labels, minlength=n_clusters)
        if "centroid" in picks:  # nearest the centroid first, from the assignment's distances
            scores["centroid"] = -sq_dist
        if "uncertain" in picks:
            scores["uncertain"] = self.uncertainty(state.proba())
        tiebreak = rng.permutation(len(labels))
        grouped = {p: _grouped_rankings(labels, scores[p], tiebreak) for p in picks}
        starts = np.concatenate([[0], np.cumsum(sizes)])
        chosen: list[int] = []
        for c, quota in enumerate(allocate(sizes, k)):
            if quota == 0:
                continue
            shares = [quota // len(picks) + (i < quota % len(picks)) for i in range(len(picks))]
            rankings = [grouped[p][starts[c] : starts[c + 1]] for p in picks]
            # Every ranking holds the whole cluster and quota <= its size, so each pick can
            # always take its share of rows not taken yet: the quota is met exactly.
            chosen.extend(_merge_picks(rankings, shares))
        return state.unlabelled_pos[np.asarray(chosen, dtype=np.int64)]


class ClusterMarginSampling(ClusterSampling):
    """:class:`ClusterSampling` with margin instead of least confidence inside each cluster."""

    name = "cluster-margin"
    uncertainty = staticmethod(margin_uncertainty)
