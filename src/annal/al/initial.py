"""Initial labelled sets (paper section 2.3.3): random, class coverage, cluster coverage, both.

Every initialiser returns exactly ``min(size, n)`` unique ids. ``class-coverage`` and
``combined`` read the pool's labels to guarantee one row per class, so results obtained with
them are quasi active learning (``reads_labels`` is True).
"""

from __future__ import annotations

from typing import Annotated, Literal

import numpy as np
from annotated_types import Ge

from annal.al.geometry import normalize_rows
from annal.al.kmeans import kmeans
from annal.errors import AnnalError
from annal.registry import Component


class Initializer(Component):
    """Base class: ``select(X, ids, size, ...)`` returns the ids of the initial labelled set."""

    #: Whether the initialiser reads pool labels (results are then quasi-AL).
    reads_labels: bool = False

    def select(
        self,
        X: np.ndarray,
        ids: np.ndarray,
        size: int,
        *,
        seed: int = 0,
        n_classes: int | None = None,
        y: np.ndarray | None = None,
    ) -> np.ndarray:
        """Pick the initial labelled set.

        Parameters
        ----------
        X : np.ndarray of float32, shape (n, d)
            Pool embeddings.
        ids : np.ndarray of int64, shape (n,)
            Stable ids of the rows.
        size : int
            How many to pick.
        seed : int
            Seed of every random choice.
        n_classes : int, optional
            Number of classes of the task (cluster coverage uses it as k).
        y : np.ndarray of int, shape (n,), optional
            Pool labels; required only when ``reads_labels``.

        Returns
        -------
        np.ndarray of int64, shape (min(size, n),)
            Unique ids.
        """
        self.check_params()
        ids = np.asarray(ids, dtype=np.int64)
        n = len(ids)
        size = min(int(size), n)
        if self.reads_labels and y is None:
            raise AnnalError(f"initialiser {self.name!r} needs the pool labels")
        rng = np.random.default_rng(seed)
        first = np.asarray(self._first(X, size, rng, n_classes, y), dtype=np.int64)[:size]
        rest = np.setdiff1d(np.arange(n), first)
        fill = rng.choice(rest, size=size - len(first), replace=False)
        return ids[np.concatenate([first, fill]).astype(np.int64)]

    def _first(self, X, size, rng, n_classes, y) -> np.ndarray:
        """Rows the initialiser insists on (unique); the rest of the set is random."""
        return np.empty(0, dtype=np.int64)


class RandomInit(Initializer):
    """A uniformly random initial set."""

    name = "random"


def class_coverage_rows(y: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """One random row of every class present in ``y``, classes in a random order."""
    y = np.asarray(y)
    order = rng.permutation(len(y))
    _, first = np.unique(y[order], return_index=True)
    return rng.permutation(order[first]).astype(np.int64)


def cluster_coverage_rows(X: np.ndarray, k: int, seed: int, backend: str = "faiss") -> np.ndarray:
    """The row nearest each k-means centroid (cosine geometry), one per non-empty cluster."""
    U = normalize_rows(X)
    centroids, labels = kmeans(U, k, seed=seed, backend=backend)
    dist = np.einsum("ij,ij->i", U - centroids[labels], U - centroids[labels])
    order = np.lexsort((dist, labels))
    first = np.ones(len(order), dtype=bool)
    first[1:] = labels[order][1:] != labels[order][:-1]
    return order[first].astype(np.int64)


class ClassCoverageInit(Initializer):
    """At least one row of every class, then random (reads labels: quasi-AL)."""

    name = "class-coverage"
    reads_labels = True

    def _first(self, X, size, rng, n_classes, y):
        return class_coverage_rows(y, rng)


class ClusterCoverageInit(Initializer):
    """The row nearest each of k k-means centroids (k = number of classes), then random.

    Parameters
    ----------
    n_clusters : int, optional
        k; defaults to the number of classes.
    backend : {"faiss", "sklearn"}
        k-means implementation.
    """

    name = "cluster-coverage"

    def __init__(
        self,
        n_clusters: Annotated[int, Ge(1)] | None = None,
        backend: Literal["faiss", "sklearn"] = "faiss",
    ) -> None:
        self.n_clusters = n_clusters
        self.backend = backend

    def _first(self, X, size, rng, n_classes, y):
        k = self.n_clusters or n_classes
        if not k:
            raise AnnalError("cluster-coverage needs n_clusters or the number of classes")
        rows = cluster_coverage_rows(X, int(k), int(rng.integers(2**31)), self.backend)
        return rng.permutation(rows)


class CombinedInit(ClusterCoverageInit):
    """Class coverage and cluster coverage together, then random (reads labels: quasi-AL)."""

    name = "combined"
    reads_labels = True

    def _first(self, X, size, rng, n_classes, y):
        by_class = class_coverage_rows(y, rng)
        by_cluster = super()._first(X, size, rng, n_classes, y)
        both = np.concatenate([by_class, by_cluster])
        _, keep = np.unique(both, return_index=True)
        return both[np.sort(keep)]
