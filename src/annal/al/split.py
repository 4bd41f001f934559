"""Stratified pool/test split of a labelled dataset (positions, not ids)."""

from __future__ import annotations

import numpy as np

from annal.errors import AnnalError


def stratified_split(
    y: np.ndarray, test_size: float = 0.2, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """Split positions ``0..len(y)-1`` into a pool and a held-out test set, class by class.

    Every class with at least two rows puts ``round(test_size * n_c)`` of them, at least one
    and at most ``n_c - 1``, into the test set, so each such class is on both sides; a class
    of one row stays in the pool.

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
    order = np.random.default_rng(seed).permutation(len(y))
    _, codes = np.unique(y[order], return_inverse=True)
    by_class = order[np.argsort(codes, kind="stable")]
    counts = np.bincount(codes)
    n_test = np.clip(np.round(test_size * counts).astype(np.int64), 1, counts - 1)
    n_test[counts < 2] = 0
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    rank = np.arange(len(y)) - np.repeat(starts, counts)
    is_test = rank < np.repeat(n_test, counts)
    return np.sort(by_class[~is_test]).astype(np.int64), np.sort(by_class[is_test]).astype(np.int64)
