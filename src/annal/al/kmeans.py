"""k-means on embeddings: FAISS (default) or scikit-learn, seeded, at most ``max_iter`` iterations."""

from __future__ import annotations

import numpy as np

from annal.al.geometry import as_float32
from annal.errors import AnnalError

KMEANS_BACKENDS = ("faiss", "sklearn")
_CHUNK = 5  # FAISS iterations between convergence checks


def kmeans(
    X: np.ndarray,
    k: int,
    *,
    seed: int = 0,
    backend: str = "faiss",
    max_iter: int = 100,
    init_centroids: np.ndarray | None = None,
    tol: float = 1e-4,
    max_points_per_centroid: int | None = None,
    return_distances: bool = False,
    weights: np.ndarray | None = None,
) -> tuple[np.ndarray, ...]:
    """Cluster the rows of ``X``.

    Parameters
    ----------
    X : np.ndarray of float32, shape (n, d), n >= 1
    k : int
        Number of clusters; clipped to ``n``.
    seed : int
        Seed of the initialisation (and of FAISS's subsampling of large inputs).
    backend : {"faiss", "sklearn"}
    max_iter : int
        Most Lloyd iterations.
    init_centroids : np.ndarray of float32, shape (k, d), optional
        Starting centroids (e.g. embedded class descriptions); only the first ``k`` are used.
    tol : float
        Convergence: stop once an iteration lowers the objective by less than this share
        (the paper ran "a maximum of 100 iterations before convergence"). 0 runs all of them.
        FAISS has no convergence test of its own, so its iterations run in chunks of 5 with
        the test between them (one ``train`` call would always run ``max_iter``).
    max_points_per_centroid : int, optional
        FAISS only, a documented approximation: train on a seeded sample of at most this many
        rows per centroid (FAISS's default, used when None, is 256), then assign every row.
        64 about halves the k-means time at 25k rows and ~170 centroids.
    return_distances : bool
        Also return every row's squared Euclidean distance to its centroid.
    weights : np.ndarray of float, shape (n,), optional
        Weight of every row in the centroid updates (weighted k-means); default all 1.

    Returns
    -------
    centroids : np.ndarray of float32, shape (k, d)
    labels : np.ndarray of int64, shape (n,)
        Cluster of every row (its nearest centroid).
    sq_distances : np.ndarray of float32, shape (n,)
        Only with ``return_distances``: squared distance of every row to its centroid.
    """
    X = as_float32(X)
    k = max(1, min(int(k), len(X)))
    init = None if init_centroids is None else as_float32(init_centroids)[:k]
    w = None if weights is None else as_float32(weights)
    if init is not None and len(init) < k:
        raise AnnalError(f"k-means needs {k} initial centroids, got {len(init)}")
    if max_points_per_centroid is not None and backend != "faiss":
        raise AnnalError("max_points_per_centroid needs the faiss k-means backend")
    if backend == "faiss":
        import faiss

        extra = {}
        if max_points_per_centroid is not None:
            if int(max_points_per_centroid) < 1:
                raise AnnalError(
                    f"max_points_per_centroid must be >= 1, got {max_points_per_centroid}"
                )
            extra["max_points_per_centroid"] = int(max_points_per_centroid)
        centroids, done = init, 0
        while done < max_iter:
            # Lloyd iterations in chunks, each continuing from the last chunk's centroids on
            # the same (seeded) sample, until the objective stops improving.
            step = min(_CHUNK, int(max_iter) - done)
            km = faiss.Kmeans(
                X.shape[1],
                k,
                niter=step,
                seed=int(seed) % (2**31),
                verbose=False,
                min_points_per_centroid=1,
                **extra,
            )
            km.train(X, weights=w, init_centroids=centroids)
            centroids, done = km.centroids, done + step
            obj = np.asarray(km.obj, dtype=np.float64)
            if len(obj) >= 2 and obj[-2] - obj[-1] <= tol * abs(obj[-1]):
                break
        sq, labels = km.index.search(X, 1)
        out = (as_float32(centroids), labels[:, 0].astype(np.int64))
        return (*out, as_float32(sq[:, 0])) if return_distances else out
    if backend == "sklearn":
        from sklearn.cluster import KMeans

        km = KMeans(
            n_clusters=k,
            max_iter=int(max_iter),
            n_init=1,
            random_state=int(seed) % (2**32),
            init="k-means++" if init is None else init,
        ).fit(X, sample_weight=w)
        centroids, labels = as_float32(km.cluster_centers_), km.labels_.astype(np.int64)
        if not return_distances:
            return centroids, labels
        diff = X - centroids[labels]
        return centroids, labels, np.einsum("ij,ij->i", diff, diff)
    raise AnnalError(f"unknown k-means backend {backend!r}; valid: {', '.join(KMEANS_BACKENDS)}")
