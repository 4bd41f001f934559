"""A labelling project: a folder holding the store (``project.db``) and the row vectors.

:class:`LabelConfig` says how the project picks rows and fits its model; :class:`Project` opens
a folder made by :func:`annal.label.create.init_project`.
"""

from __future__ import annotations

import os
from functools import cached_property
from pathlib import Path

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from annal.al.stopping import DEFAULT_STOP_SET_SIZE
from annal.errors import AnnalError
from annal.label.store import DB_NAME, ProjectStore

VECTORS_NAME = "vectors.npy"


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

    @property
    def name(self) -> str:
        """The folder's name."""
        return self.folder.resolve().name
