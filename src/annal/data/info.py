"""Dataset statistics (``annal data info``) and the label-distribution plot (paper Fig. 1)."""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy.stats import entropy

from annal._io import atomic_write
from annal.data.dataset import Dataset
from annal.data.load import load_dataset
from annal.data.sources import data_root as resolve_data_root
from annal.data.sources import dataset_names
from annal.errors import AnnalError


@dataclass(frozen=True)
class DatasetInfo:
    """Summary statistics of a :class:`Dataset`.

    Attributes
    ----------
    name : str
    n_rows : int
    n_classes : int
    counts : tuple of (str, int)
        Rows per class, largest first (ties by class order).
    imbalance_ratio : float
        Largest class size / smallest class size.
    normalised_entropy : float
        Shannon entropy of the class distribution divided by ``log(n_classes)``:
        1.0 for perfectly balanced classes, towards 0 for extreme imbalance.
    drops : dict of str to int
        Rows dropped per loading step.
    rows_read : int
    """

    name: str
    n_rows: int
    n_classes: int
    counts: tuple[tuple[str, int], ...]
    imbalance_ratio: float
    normalised_entropy: float
    drops: dict[str, int]
    rows_read: int
    rare_classes: tuple[str, ...] = ()

    def as_dict(self) -> dict:
        """Plain-dict form (JSON-serialisable)."""
        return {
            "name": self.name,
            "n_rows": self.n_rows,
            "n_classes": self.n_classes,
            "counts": dict(self.counts),
            "imbalance_ratio": self.imbalance_ratio,
            "normalised_entropy": self.normalised_entropy,
            "drops": dict(self.drops),
            "rows_read": self.rows_read,
            "rare_classes": list(self.rare_classes),
        }


def dataset_info(ds: Dataset) -> DatasetInfo:
    """Compute :class:`DatasetInfo` for ``ds``.

    Under the ``keep`` label policy a row counts once for each of its labels.
    """
    if ds.label_sets is None:
        counts = ds.class_counts()
    else:
        counts = ds.multi_hot().sum(axis=0).astype(np.int64)
    order = sorted(range(ds.n_classes), key=lambda i: (-counts[i], i))
    nonzero = counts[counts > 0]
    return DatasetInfo(
        name=ds.name,
        n_rows=len(ds),
        n_classes=ds.n_classes,
        counts=tuple((ds.classes[i], int(counts[i])) for i in order),
        imbalance_ratio=float(nonzero.max() / nonzero.min()),
        normalised_entropy=float(entropy(nonzero) / np.log(ds.n_classes)),
        drops=ds.report.counts(),
        rows_read=ds.report.rows_read,
        rare_classes=ds.report.rare_classes,
    )


def label_distribution_figure(name: str, labels: Sequence[str], counts: Sequence[int]):
    """Texts per class as horizontal bars, largest on top, every class named in full (the
    paper's Figure 1, readable for any number of classes); a log x-axis when the largest class
    is more than 20 times the smallest.

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    counts_a = np.asarray(counts)
    order = np.argsort(-counts_a, kind="stable")
    n = len(order)
    fig, ax = plt.subplots(figsize=(7.5, 0.9 + 0.19 * n))
    y = np.arange(n)
    ax.barh(y, counts_a[order], color="#4c72b0", height=0.75)
    ax.set_yticks(y, [str(labels[i]) for i in order], fontsize=8 if n <= 40 else 7)
    ax.set_ylim(n - 0.5, -0.5)
    ratio = counts_a.max() / max(1, counts_a.min())
    if ratio > 20:
        ax.set_xscale("log")
    ax.set_xlabel("texts" + (" (log scale)" if ratio > 20 else ""))
    ax.set_title(f"{name}: {n} classes, largest/smallest {ratio:.1f}", fontsize=10)
    ax.grid(axis="x", alpha=0.3)
    fig.tight_layout()
    return fig


def plot_label_distribution(
    info: DatasetInfo | Dataset, path: str | os.PathLike[str], *, title: str | None = None
) -> Path:
    """Draw the label distribution (paper Figure 1, :func:`label_distribution_figure`) to an
    image file.

    Parameters
    ----------
    info : DatasetInfo or Dataset
    path : str or PathLike
        Output file; the format follows the extension (``.png``, ``.pdf``, ``.svg``).
        Written atomically.
    title : str, optional
        Defaults to the dataset's name with its class count and imbalance ratio.

    Returns
    -------
    pathlib.Path
        The written file.
    """
    import matplotlib.pyplot as plt

    if isinstance(info, Dataset):
        info = dataset_info(info)
    path = Path(path)
    fig = label_distribution_figure(
        info.name, [c for c, _ in info.counts], [k for _, k in info.counts]
    )
    try:
        if title:
            fig.axes[0].set_title(title, fontsize=10)
        with atomic_write(path) as fh:
            fig.savefig(
                fh, format=path.suffix.lstrip(".").lower() or "png", dpi=120, bbox_inches="tight"
            )
    except ValueError as exc:
        raise AnnalError(f"{path}: cannot write plot: {exc}") from exc
    finally:
        plt.close(fig)
    return path


@dataclass(frozen=True)
class DatasetSummary:
    """One line of ``annal data list``."""

    name: str
    folder: Path
    rows: int | None
    classes: int | None
    embeddings: tuple[str, ...]
    problem: str | None = None


def list_datasets(data_root: str | os.PathLike[str] | None = None) -> list[DatasetSummary]:
    """The dataset folders under the data root, with rows, classes and embedding files.

    Rows and classes are counted as the data file holds them (cleaning off, no
    dedupe, every class kept). A folder that cannot be loaded is listed with its
    error in ``problem`` (and ``rows``/``classes`` ``None``) instead of failing the list.

    Parameters
    ----------
    data_root : str or PathLike, optional
        Defaults to ``$ANNAL_DATA_ROOT``.

    Returns
    -------
    list of DatasetSummary
        Sorted by name.
    """
    root = resolve_data_root(data_root)
    if root is None:
        raise AnnalError("no data root: pass --data-root or set $ANNAL_DATA_ROOT")
    if not root.is_dir():
        raise AnnalError(f"data root {root} is not a folder")
    out = []
    for name in dataset_names(root):
        folder = root / name
        embeddings = tuple(sorted(p.stem for p in folder.glob("*.npy")))
        try:
            ds = load_dataset(
                folder, clean=False, dedupe=False, min_class_size=1, label_policy="keep"
            )
        except AnnalError as exc:
            out.append(DatasetSummary(name, folder, None, None, embeddings, str(exc)))
            continue
        out.append(DatasetSummary(name, folder, len(ds), ds.n_classes, embeddings))
    return out
