"""The driver's preparation of one dataset: load, embed, and fix the splits and initial sets.

Fairness lives here. For one dataset and seed there is exactly one train/test split, and for
one (dataset, seed, initialisation) exactly one initial labelled set; every strategy's cell is
handed the same arrays, so strategies differ only in what they query.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

import numpy as np

from annal.al.protocol import RunProtocol
from annal.errors import AnnalError
from annal.experiments.config import Config, DatasetConfig


@dataclass
class PreparedDataset:
    """A dataset ready for its grid cells.

    Attributes
    ----------
    key : str
        The dataset's name in results.
    X : np.ndarray of float32, shape (n, d)
        Embeddings, row-aligned with ``y`` and ``ids``.
    y : np.ndarray of int64, shape (n,)
    ids : np.ndarray of int64, shape (n,)
        Stable dataset row ids.
    classes : tuple of str
    report : dict
        The loader's drop counts.
    splits : dict
        ``seed -> (train_pos, test_pos)`` positions (int64).
    initial_ids : dict
        ``(seed, init) -> ids`` of the initial labelled set (int64, sorted).
    protocol : RunProtocol
        The protocol in counts for this dataset's pool.
    encoder : str
        What embedded it (:func:`annal.embed.api.embedding_label`); its dimension is ``X``'s.
    """

    key: str
    X: np.ndarray
    y: np.ndarray
    ids: np.ndarray
    classes: tuple[str, ...]
    report: dict
    splits: dict[int, tuple[np.ndarray, np.ndarray]] = field(default_factory=dict)
    initial_ids: dict[tuple[int, str], np.ndarray] = field(default_factory=dict)
    protocol: RunProtocol = field(default_factory=RunProtocol)
    encoder: str = ""

    def arrays(self) -> dict[str, np.ndarray]:
        """What the workers need: ``X``, ``y``, ``ids``."""
        return {"X": self.X, "y": self.y, "ids": self.ids}

    def class_counts(self) -> list[int]:
        """Rows per class, in ``classes`` order (the label distribution)."""
        return np.bincount(self.y, minlength=len(self.classes)).astype(int).tolist()


def split_fingerprint(train_pos: np.ndarray, test_pos: np.ndarray) -> str:
    """A short hash identifying a split (equal fingerprints = equal splits)."""
    h = hashlib.sha256()
    h.update(np.asarray(train_pos, dtype=np.int64).tobytes())
    h.update(b"|")
    h.update(np.asarray(test_pos, dtype=np.int64).tobytes())
    return h.hexdigest()[:16]


def load_configured(dc: DatasetConfig, config: Config):
    """Load one dataset as the grid sees it (data root, columns, cleaning, dedupe, rare classes).

    Returns
    -------
    annal.data.Dataset
    """
    from annal.data import load_dataset

    return load_dataset(dc.name, data_root=config.data_root, **dc.load_options())


def load_embedded(dc: DatasetConfig, config: Config, *, progress: bool = True):
    """Load one dataset and its embeddings (precomputed or encoded, cached).

    Returns
    -------
    ds : annal.data.Dataset
    X : np.ndarray of float32, shape (len(ds), d)
    encoder : str
        What embedded it (:func:`annal.embed.api.embedding_label`).
    """
    from annal.embed import embed_dataset
    from annal.embed.api import embedding_label

    ds = load_configured(dc, config)
    X = np.ascontiguousarray(embed_dataset(ds, config.encoder, progress=progress), dtype=np.float32)
    return ds, X, embedding_label(ds, config.encoder)


def initial_set(
    init: str,
    X_pool: np.ndarray,
    y_pool: np.ndarray,
    ids_pool: np.ndarray,
    size: int,
    n_classes: int,
    seed: int,
) -> np.ndarray:
    """The initial labelled set (ids, int64, sorted) chosen by initialisation ``init``.

    Drawn exactly as :class:`annal.al.ActiveLearningLoop` would draw it for this seed, so a
    single ``annal al run`` with the same seed starts from the same set.
    """
    from annal.al import ActiveLearningLoop

    loop = ActiveLearningLoop(init=init, initial=size, seed=seed)
    picked = loop.initial_ids(X_pool, ids_pool, n_classes=n_classes, y_pool=y_pool)
    return np.sort(np.asarray(picked, dtype=np.int64))


def prepare_dataset(
    dc: DatasetConfig,
    config: Config,
    inits: list[str],
    *,
    progress: bool = True,
    initial_sets: bool = True,
) -> PreparedDataset:
    """Load and embed ``dc``, then fix one split per seed and one initial set per (seed, init).

    With ``initial_sets=False`` the initial sets are left to :func:`add_initial_sets` (the
    runner draws them once the run has started, so its workers are busy meanwhile: the
    k-means of cluster coverage is most of a dataset's preparation). Everything that can fail
    on the user's input (data, embeddings, protocol) is checked here either way.

    Raises
    ------
    AnnalError
        Unknown dataset, or a protocol that does not fit the pool.
    """
    ds, X, encoder = load_embedded(dc, config, progress=progress)
    prep = PreparedDataset(
        key=dc.key,
        X=X,
        y=np.asarray(ds.y, dtype=np.int64),
        ids=np.asarray(ds.ids, dtype=np.int64),
        classes=tuple(ds.classes),
        report=ds.report.as_dict() if hasattr(ds.report, "as_dict") else dict(ds.report),
        encoder=encoder,
    )
    from annal.al import stratified_split

    for seed in config.seeds:
        train_pos, test_pos = stratified_split(prep.y, test_size=config.test_size, seed=seed)
        prep.splits[seed] = (train_pos, test_pos)
    n_pool = len(next(iter(prep.splits.values()))[0])
    try:
        prep.protocol = config.protocol.resolved(n_pool)
    except AnnalError as exc:
        raise AnnalError(f"dataset {dc.key}: {exc}") from None
    if initial_sets:
        add_initial_sets(prep, inits)
    return prep


def add_initial_sets(prep: PreparedDataset, inits: list[str]) -> PreparedDataset:
    """Draw one initial set per (seed, init) of ``prep`` (those already drawn are kept)."""
    for seed, (train_pos, _) in prep.splits.items():
        for init in inits:
            if (seed, init) in prep.initial_ids:
                continue
            prep.initial_ids[(seed, init)] = initial_set(
                init,
                prep.X[train_pos],
                prep.y[train_pos],
                prep.ids[train_pos],
                prep.protocol.initial,
                len(prep.classes),
                seed,
            )
    return prep
