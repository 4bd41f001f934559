"""A labelling project: a folder holding the store (``project.db``) and the row vectors.

:class:`LabelConfig` says how the project picks rows and fits its model; :class:`Project` opens
a folder made by :func:`annal.label.create.init_project`.
"""

from __future__ import annotations

import os
from dataclasses import replace
from functools import cached_property
from pathlib import Path

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from annal.al.stopping import DEFAULT_STOP_SET_SIZE
from annal.errors import AnnalError
from annal.label.store import DB_NAME, Item, ProjectStore

VECTORS_NAME = "vectors.npy"
#: The latest model's most probable label and its probability for every row (rewritten whole,
#: atomically, after each fit: a derived file, kept out of the store so a fit never holds the
#: database's write lock for long).
PREDICTIONS_NAME = "predictions.npz"


class LabelConfig(BaseModel):
    """How a project picks rows and fits its model (stored in the project, set by ``init``).

    ``batch`` rows are queued after each fit; a fit starts every ``retrain_every`` labels. The
    initialiser picks the first ``initial`` rows and keeps choosing until every label has an
    example and ``strategy_after`` rows are labelled; then the strategy takes over.
    """

    model_config = ConfigDict(extra="forbid")

    source: str = ""
    text_col: str = "text"
    id_col: str | None = None
    label_col: str | None = None
    model: str = "minilm"
    strategy: str = "margin"
    strategy_params: dict = Field(default_factory=dict)
    init: str = "cluster-coverage"
    classifier: str = "sgd"
    initial: int = Field(30, ge=1)
    batch: int = Field(20, ge=1)
    retrain_every: int = Field(10, ge=1)
    strategy_after: int = Field(30, ge=0)
    stop_set_size: int = Field(DEFAULT_STOP_SET_SIZE, ge=1)
    seed: int = 0

    def check(self) -> None:
        """Build the strategy, initialiser and classifier once so a bad name fails at ``init``."""
        from annal.al import make_classifier, make_initializer, make_strategy

        make_strategy(self.strategy, **self.strategy_params)
        if make_initializer(self.init).reads_labels:
            raise AnnalError(
                f"--init {self.init!r} reads the true labels; a labelling project has none "
                "(use cluster-coverage or random)"
            )
        make_classifier(self.classifier)


class Project:
    """An opened labelling project.

    Parameters
    ----------
    folder : str or PathLike
        A folder made by :func:`init_project`.
    """

    def __init__(self, folder: str | os.PathLike[str]) -> None:
        self.folder = Path(folder)
        if not (self.folder / DB_NAME).is_file():
            raise AnnalError(f"{self.folder}: not a labelling project (no {DB_NAME})")
        self.store = ProjectStore(self.folder / DB_NAME)
        self.config = LabelConfig(**self.store.config)

    @cached_property
    def vectors(self) -> np.ndarray:
        """Row vectors, float32 (n, d), row ``i`` = item ``i``."""
        path = self.folder / VECTORS_NAME
        if not path.is_file():
            raise AnnalError(f"{path}: missing (the project is incomplete)")
        return np.ascontiguousarray(np.load(path, allow_pickle=False), dtype=np.float32)

    def save_predictions(self, proba: np.ndarray, labels: list[str]) -> None:
        """Write the most probable label and its probability of every row (from ``proba``,
        float (n, len(labels)))."""
        from annal._io import atomic_write

        with atomic_write(self.folder / PREDICTIONS_NAME) as fh:
            np.savez(
                fh,
                codes=proba.argmax(axis=1).astype(np.int32),
                proba=proba.max(axis=1).astype(np.float32),
                labels=np.asarray(labels, dtype=str),
            )

    def predictions(self) -> tuple[np.ndarray, np.ndarray, list[str]] | None:
        """``(codes, probabilities, label names)`` of the latest model, or None before one.

        Read again only when the file changed.
        """
        path = self.folder / PREDICTIONS_NAME
        try:
            stamp = path.stat().st_mtime_ns
        except FileNotFoundError:
            return None
        cached = getattr(self, "_predictions", None)
        if cached is None or cached[0] != stamp:
            with np.load(path, allow_pickle=False) as z:
                value = (z["codes"], z["proba"], [str(v) for v in z["labels"]])
            self._predictions = cached = (stamp, value)
        return cached[1]

    def suggest(self, items: list[Item]) -> list[Item]:
        """``items`` with the latest model's suggestion and its probability filled in."""
        pred = self.predictions()
        if pred is None:
            return items
        codes, proba, names = pred
        return [
            replace(it, suggestion=names[codes[it.id]], proba=round(float(proba[it.id]), 4))
            if it.id < len(codes)
            else it
            for it in items
        ]

    @property
    def name(self) -> str:
        """The folder's name."""
        return self.folder.resolve().name
