"""Stratified train/test split of a labelled dataset (positions, not ids)."""

from __future__ import annotations

import numpy as np
from sklearn.model_selection import train_test_split

from annal.errors import AnnalError


def stratified_split(
    y: np.ndarray, test_size: float = 0.2, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """Split positions ``0..len(y)-1`` into a pool and a held-out test set, per class.

    Parameters
    ----------
    y : np.ndarray of int, shape (n,)
        Class codes.
    test_size : float
        Share of every class that goes to the test set, in (0, 1).
    seed : int
        Seed of the shuffle; the same ``y`` and seed give the same split.

    Returns
    -------
    train_pos, test_pos : np.ndarray of int64
        Sorted, disjoint positions into ``y`` that together cover it.
    """
    y = np.asarray(y)
    if not 0.0 < float(test_size) < 1.0:
        raise AnnalError(f"test_size must be in (0, 1), got {test_size}")
    if len(y) < 2:
        raise AnnalError(f"cannot split {len(y)} rows into a pool and a test set")
    positions = np.arange(len(y), dtype=np.int64)
    _, counts = np.unique(y, return_counts=True)
    stratify = y if counts.min() >= 2 else None
    n_test = max(1, round(float(test_size) * len(y)))
    if stratify is not None:
        n_test = max(n_test, len(counts))
    n_test = min(n_test, len(y) - 1)
    if stratify is not None and len(y) - n_test < len(counts):
        stratify = None
    train_pos, test_pos = train_test_split(
        positions, test_size=n_test, random_state=seed, stratify=stratify
    )
    return np.sort(train_pos).astype(np.int64), np.sort(test_pos).astype(np.int64)
