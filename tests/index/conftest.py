"""Clustered synthetic vectors shared by the index tests."""

from __future__ import annotations

import numpy as np
import pytest


def clustered(n: int, dim: int, n_clusters: int, seed: int, spread: float = 0.3) -> np.ndarray:
    """``n`` float32 points around ``n_clusters`` Gaussian centres in ``dim`` dimensions."""
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((n_clusters, dim)) * 3.0
    labels = rng.integers(0, n_clusters, size=n)
    return (centres[labels] + spread * rng.standard_normal((n, dim))).astype(np.float32)


@pytest.fixture(scope="module")
def data() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(base (1500, 24), queries (60, 24), ids (1500,)) with sparse, shuffled ids."""
    x = clustered(1560, 24, 15, seed=1)
    ids = np.random.default_rng(2).permutation(100_000)[:1500].astype(np.int64)
    return x[:1500], x[1500:], ids


def reference(base: np.ndarray, queries: np.ndarray, metric: str) -> np.ndarray:
    """All (nq, n) distances in annal's convention, computed the plain numpy way."""
    if metric == "cosine":
        b = base / np.linalg.norm(base, axis=1, keepdims=True)
        q = queries / np.linalg.norm(queries, axis=1, keepdims=True)
        return 1.0 - q @ b.T
    if metric == "ip":
        return -(queries @ base.T)
    return ((queries[:, None, :] - base[None, :, :]) ** 2).sum(-1)


def recall(found: np.ndarray, truth: np.ndarray) -> float:
    """Mean share of each true row found in the returned row."""
    return float(
        np.mean([len(set(f) & set(t)) / len(t) for f, t in zip(found, truth, strict=True)])
    )
