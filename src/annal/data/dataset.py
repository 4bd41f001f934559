"""The :class:`Dataset` every later stage consumes, and its drop report."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

import numpy as np


@dataclass(frozen=True)
class DropReport:
    """How many rows each loading step dropped; nothing is dropped silently.

    Attributes
    ----------
    rows_read : int
        Data rows in the source (the ids run over ``0 .. rows_read - 1``).
    missing : int
        Rows with no text or no label.
    multi_label : int
        Rows dropped by the label policy (``single`` drops rows with several labels).
    empty_after_clean : int
        Rows whose text was empty after cleaning.
    duplicates : int
        Repeats of a text already kept with the same label.
    conflicting : int
        Rows whose text occurs with different labels (all copies dropped).
    rare_class : int
        Rows of classes smaller than ``min_class_size``.
    rare_classes : tuple of str
        The names of those classes.
    kept : int
        Rows in the dataset.
    """

    rows_read: int = 0
    missing: int = 0
    multi_label: int = 0
    empty_after_clean: int = 0
    duplicates: int = 0
    conflicting: int = 0
    rare_class: int = 0
    rare_classes: tuple[str, ...] = ()
    kept: int = 0

    @property
    def dropped(self) -> int:
        """Total rows dropped."""
        return self.rows_read - self.kept

    def counts(self) -> dict[str, int]:
        """The per-step drop counts, in pipeline order."""
        return {
            "missing": self.missing,
            "multi_label": self.multi_label,
            "empty_after_clean": self.empty_after_clean,
            "duplicates": self.duplicates,
            "conflicting": self.conflicting,
            "rare_class": self.rare_class,
        }

    def as_dict(self) -> dict:
        """Plain-dict form (JSON-serialisable)."""
        out = asdict(self)
        out["rare_classes"] = list(self.rare_classes)
        return out


def _object_array(values) -> np.ndarray:
    arr = np.empty(len(values), dtype=object)
    arr[:] = list(values)
    return arr


@dataclass(frozen=True, eq=False)
class Dataset:
    """A labelled text dataset, cleaned, deduplicated and label-encoded.

    Attributes
    ----------
    name : str
        Dataset name (folder or file stem, or ``"demo"``).
    texts : numpy.ndarray of str, shape (n,), dtype object
        Cleaned texts: what encoders see.
    raw_texts : numpy.ndarray of str, shape (n,), dtype object
        The texts as read (text columns joined with ``". "``).
    y : numpy.ndarray of int64, shape (n,)
        Codes into :attr:`classes` (the first label of a row under ``keep``).
    classes : tuple of str
        Sorted class names (see :func:`annal.data.labels.sort_classes`).
    ids : numpy.ndarray of int64, shape (n,)
        0-based data-row number in the source file, stable through every drop;
        precomputed embeddings are indexed by it.
    folder : pathlib.Path or None
        The dataset folder (holding ``data.csv`` and ``<model>.npy``), if any.
    report : DropReport
        Drop counts per loading step.
    label_sets : tuple of tuple of int, or None
        All label codes per row, only under the ``keep`` policy.
    source : pathlib.Path or None
        The file the rows were read from.
    """

    name: str
    texts: np.ndarray
    raw_texts: np.ndarray
    y: np.ndarray
    classes: tuple[str, ...]
    ids: np.ndarray
    folder: Path | None = None
    report: DropReport = field(default_factory=DropReport)
    label_sets: tuple[tuple[int, ...], ...] | None = None
    source: Path | None = None

    def __len__(self) -> int:
        return int(self.y.shape[0])

    @property
    def n_classes(self) -> int:
        """Number of classes."""
        return len(self.classes)

    def class_counts(self) -> np.ndarray:
        """Rows per class, shape (n_classes,), int64, in :attr:`classes` order."""
        return np.bincount(self.y, minlength=self.n_classes).astype(np.int64)

    def labels(self) -> np.ndarray:
        """Class names per row, shape (n,), dtype object."""
        return _object_array(self.classes[i] for i in self.y)

    def multi_hot(self) -> np.ndarray:
        """Label matrix, shape (n, n_classes), uint8 (one 1 per row unless ``keep``)."""
        out = np.zeros((len(self), self.n_classes), dtype=np.uint8)
        if self.label_sets is None:
            out[np.arange(len(self)), self.y] = 1
        else:
            for i, codes in enumerate(self.label_sets):
                out[i, list(codes)] = 1
        return out

    def subset(self, positions) -> Dataset:
        """The rows at ``positions`` (int array or bool mask); classes are kept as is."""
        pos = np.arange(len(self))[np.asarray(positions)]
        return replace(
            self,
            texts=self.texts[pos],
            raw_texts=self.raw_texts[pos],
            y=self.y[pos],
            ids=self.ids[pos],
            label_sets=None if self.label_sets is None else tuple(self.label_sets[i] for i in pos),
        )
