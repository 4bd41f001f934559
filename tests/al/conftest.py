"""Small pools for the active-learning tests, built in the tests (no files)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from annal.al import PoolState
from annal.al.models import LabelledModel, make_classifier


def blobs(n: int, n_classes: int, dim: int = 8, seed: int = 0, spread: float = 0.3):
    """Unit vectors around ``n_classes`` random directions; returns X float32 (n, dim), y int64."""
    rng = np.random.default_rng(seed)
    centers = rng.normal(size=(n_classes, dim))
    y = rng.integers(0, n_classes, size=n)
    X = centers[y] + spread * rng.normal(size=(n, dim))
    X /= np.linalg.norm(X, axis=1, keepdims=True)
    return X.astype(np.float32), y.astype(np.int64)


def make_state(X, y, labelled_rows, *, n_classes=None, ids=None, round=0):
    """A PoolState with a fitted sgd model on the labelled rows."""
    n_classes = int(n_classes or (y.max() + 1))
    labelled = np.zeros(len(X), dtype=bool)
    labelled[np.asarray(labelled_rows, dtype=np.int64)] = True
    model = LabelledModel(make_classifier("sgd", seed=0), n_classes)
    if labelled.any():
        model.fit(X[labelled], y[labelled])
    else:
        model = None
    ids = np.arange(100, 100 + len(X), dtype=np.int64) if ids is None else ids
    labels = np.where(labelled, y, -1)
    return PoolState(X, ids, labelled, model=model, n_classes=n_classes, round=round, labels=labels)


@pytest.fixture(scope="session")
def trec6(shared_root):
    """trec6 embeddings (float32) and label codes from the shared dataset folder."""
    folder = shared_root / "trec6"
    labels = pd.read_csv(folder / "data.csv")["label"].to_numpy()
    _, y = np.unique(labels, return_inverse=True)
    X = np.load(folder / "minilm.npy").astype(np.float32)
    return X, y.astype(np.int64)
