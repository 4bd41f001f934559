"""What a strategy sees of the pool: embeddings, stable ids, labelled/unlabelled, probabilities.

A :class:`PoolState` never holds test data and never holds the labels of unlabelled rows: only
those of the labelled set (what the learner was told) and, in sequential mode, an ``oracle`` a
strategy may ask row by row inside a round (GALAXY and DIRECT use the labels of rows picked
earlier in the same batch). The fitted classifier's probabilities are computed on first use, in
chunks, and cached.

``X`` may be a float16 or float32 memory-mapped array: it is never copied whole. A candidate
pool hands a strategy :meth:`PoolState.subset`, a small state over the labelled rows and the
candidates with the same dataset ids.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cached_property
from typing import Any, Protocol

import numpy as np

from annal.al.geometry import as_float32, normalize_rows

#: Rows per ``predict_proba`` call: bounds the float32 copy of a memory-mapped pool and keeps a
#: window's rows in cache for its GEMM.
PROBA_CHUNK = 8192


#: Pools whose float32 copy would exceed this many bytes are read in their own dtype.
LARGE_POOL_BYTES = 1 << 28  # 256 MiB: 175k MiniLM rows


def pool_array(X: np.ndarray) -> np.ndarray:
    """``X`` as the pool's embeddings: a float32 array, except that a large float16 array (a
    memory map stays one) is kept as it is rather than copied whole to float32."""
    if (
        isinstance(X, np.ndarray)
        and X.ndim == 2
        and X.dtype == np.float16
        and X.shape[0] * X.shape[1] * 4 > LARGE_POOL_BYTES
    ):
        return X
    return as_float32(X)


def gather_rows(X: np.ndarray, positions: np.ndarray, block: int = PROBA_CHUNK) -> np.ndarray:
    """The rows of ``X`` at ``positions``, in ``X``'s dtype, read ``block`` rows at a time (a
    memory map is read in place; the only array made is the result)."""
    pos = np.asarray(positions, dtype=np.int64)
    out = np.empty((len(pos), X.shape[1]), dtype=X.dtype)
    for start in range(0, len(pos), block):
        # mode="clip": with the default "raise" numpy takes into a temporary block and copies
        # it over (the positions are the caller's own and always in range).
        np.take(X, pos[start : start + block], axis=0, out=out[start : start + block], mode="clip")
    return out


class ProbaModel(Protocol):
    """Anything with ``predict_proba(X) -> (n, n_classes)`` over the global class list."""

    def predict_proba(self, X: np.ndarray) -> np.ndarray: ...  # noqa: D102


class PoolState:
    """The pool at one round of active learning.

    Parameters
    ----------
    X : np.ndarray of float32 or float16, shape (n, d)
        Embeddings of the whole pool (labelled and unlabelled); may be memory-mapped.
    ids : np.ndarray of int64, shape (n,)
        Stable ids of the rows of ``X`` (unique).
    labelled : np.ndarray of bool, shape (n,)
        Which rows are labelled.
    model : ProbaModel or None
        The classifier fitted on the labelled set this round (needed by uncertainty picks).
    n_classes : int
        Size of the global class list (known to the user, not read from pool labels).
    round : int
        Round number (0 = the initial set); dynamic clustering grows with it.
    unit : np.ndarray of float32, shape (n, d), optional
        ``X`` with unit rows, when the caller already has it (the loop computes it once).
    excluded : np.ndarray of bool, shape (n,), optional
        Rows that are neither labelled nor selectable (already taken by another strategy of a
        combination in this round).
    labels : np.ndarray of int64, shape (n,), optional
        Class code of every labelled row (-1 elsewhere): what the learner has been told.
    oracle : callable, optional
        Sequential mode: ``oracle(ids) -> labels`` answers rows picked inside this round; the
        loop labels every row a strategy asked about (strategies ask only rows they select).
        None in batch mode, where strategies that would ask use their batch variants.
    """

    def __init__(
        self,
        X: np.ndarray,
        ids: np.ndarray,
        labelled: np.ndarray,
        *,
        model: ProbaModel | None = None,
        n_classes: int = 2,
        round: int = 0,
        unit: np.ndarray | None = None,
        excluded: np.ndarray | None = None,
        labels: np.ndarray | None = None,
        oracle: Callable[[np.ndarray], np.ndarray] | None = None,
    ) -> None:
        self.X = pool_array(X)
        self.ids = np.asarray(ids, dtype=np.int64)
        self.labelled = np.asarray(labelled, dtype=bool)
        self.model = model
        self.n_classes = int(n_classes)
        self.round = int(round)
        self._unit = unit
        self.excluded = np.zeros(len(self.X), dtype=bool) if excluded is None else excluded
        self.labels = None if labels is None else np.asarray(labels, dtype=np.int64)
        self.oracle = oracle
        # Shared with the states made by `without`, so probabilities are computed once a round.
        # It names the root state's exclusions, not the root itself: a state that referred to
        # itself would be freed only by the cycle collector, and the 1M SEALS run kept several
        # rounds' candidate rows and probabilities (~0.5 GB a round) alive that way.
        self._shared: dict = {
            "excluded": self.excluded,
            "pos": None,
            "proba": None,
            "labelled_proba": None,
        }
        if not (len(self.X) == len(self.ids) == len(self.labelled) == len(self.excluded)):
            raise ValueError("X, ids, labelled and excluded must have the same length")

    @classmethod
    def from_labels(
        cls, X: np.ndarray, ids: np.ndarray, labels: np.ndarray, model: Any, **kw: Any
    ) -> PoolState:
        """A round's state from what the learner has been told: ``labels`` (int64 (n,), -1
        where unknown) mark the labelled rows; ``model`` (a
        :class:`~annal.al.models.LabelledModel`) gives ``n_classes``; ``kw`` the rest."""
        labels = np.asarray(labels, dtype=np.int64)
        return cls(X, ids, labels >= 0, model=model, n_classes=model.n_classes, labels=labels, **kw)

    @cached_property
    def labelled_pos(self) -> np.ndarray:
        """Row positions of the labelled set, int64 (m,), ascending."""
        return np.flatnonzero(self.labelled).astype(np.int64)

    @cached_property
    def unlabelled_pos(self) -> np.ndarray:
        """Row positions a strategy may pick, int64 (u,), ascending."""
        return np.flatnonzero(~self.labelled & ~self.excluded).astype(np.int64)

    @property
    def n_unlabelled(self) -> int:
        """Number of selectable rows."""
        return len(self.unlabelled_pos)

    @property
    def unit(self) -> np.ndarray:
        """``X`` with unit rows (float32, (n, d)), computed once."""
        if self._unit is None:
            self._unit = normalize_rows(self.X)
        return self._unit

    def rows(self, positions: np.ndarray) -> np.ndarray:
        """The float32 rows of ``X`` at ``positions`` (a copy of those rows only)."""
        return as_float32(self.X[np.asarray(positions, dtype=np.int64)])

    def subset(self, positions: np.ndarray) -> PoolState:
        """A state over the rows at ``positions`` (e.g. labelled rows plus a candidate pool).

        Ids stay the dataset ids, so what a strategy picks in the subset is what it would name
        in the whole pool. The subset's ``X`` is a copy of those rows only, in the pool's dtype
        when it is large (a SEALS pool of 450k float16 rows stays float16: 345 MB, not 690),
        else float32 (:func:`pool_array`).
        """
        pos = np.asarray(positions, dtype=np.int64)
        unit = None if self._unit is None else self._unit[pos]
        return PoolState(
            gather_rows(self.X, pos),
            self.ids[pos],
            self.labelled[pos],
            model=self.model,
            n_classes=self.n_classes,
            round=self.round,
            unit=unit,
            excluded=self.excluded[pos],
            labels=None if self.labels is None else self.labels[pos],
            oracle=self.oracle,
        )

    def proba(self) -> np.ndarray:
        """Class probabilities of the unlabelled rows, float32 (u, n_classes), cached.

        Row ``i`` belongs to ``unlabelled_pos[i]``.
        """
        shared = self._shared
        if shared["proba"] is None:
            shared["pos"] = np.flatnonzero(~self.labelled & ~shared["excluded"]).astype(np.int64)
            shared["proba"] = self._predict(shared["pos"])
        if len(shared["pos"]) == len(self.unlabelled_pos):
            return shared["proba"]
        return shared["proba"][np.searchsorted(shared["pos"], self.unlabelled_pos)]

    def labelled_proba(self) -> np.ndarray:
        """Class probabilities of the labelled rows, float32 (m, n_classes), cached.

        Row ``i`` belongs to ``labelled_pos[i]``.
        """
        shared = self._shared
        if shared["labelled_proba"] is None:
            shared["labelled_proba"] = self._predict(self.labelled_pos)
        return shared["labelled_proba"]

    def _predict(self, pos: np.ndarray) -> np.ndarray:
        """The model's probabilities of the rows at ``pos`` (ascending), float32 (len(pos), c).

        ``X`` is walked in windows of :data:`PROBA_CHUNK` rows (a memory-mapped pool is read in
        place). A window at least half of whose rows are wanted is predicted whole, from a
        view, and the wanted rows of the probabilities are kept: gathering a row of ``X`` (d
        floats) costs more than predicting it (a d x c GEMM row) once memory is contended, and
        the probabilities are c floats. A sparser window gathers its wanted rows first.
        """
        if self.model is None:
            raise ValueError("this strategy needs class probabilities but the state has no model")
        out = np.empty((len(pos), self.n_classes), dtype=np.float32)
        bounds = np.searchsorted(pos, np.arange(0, len(self.X) + PROBA_CHUNK, PROBA_CHUNK))
        for w, (a, b) in enumerate(zip(bounds[:-1].tolist(), bounds[1:].tolist(), strict=True)):
            if a == b:
                continue
            lo = w * PROBA_CHUNK
            hi = min(lo + PROBA_CHUNK, len(self.X))
            if 2 * (b - a) >= hi - lo:
                proba = self.model.predict_proba(as_float32(self.X[lo:hi]))
                np.take(proba, pos[a:b] - lo, axis=0, out=out[a:b])
            else:
                out[a:b] = self.model.predict_proba(self.rows(pos[a:b]))
        return out

    def labelled_labels(self) -> np.ndarray:
        """Class codes of the labelled rows, int64 (m,), in ``labelled_pos`` order.

        Raises
        ------
        ValueError
            When the state was built without ``labels``.
        """
        if self.labels is None:
            raise ValueError("this strategy needs the labels of the labelled rows")
        return self.labels[self.labelled_pos]

    def ask(self, positions: np.ndarray) -> np.ndarray:
        """Sequential mode: the oracle's labels of the rows at ``positions``, int64 (k,)."""
        if self.oracle is None:
            raise ValueError("ask needs a state in sequential mode (with an oracle)")
        pos = np.asarray(positions, dtype=np.int64)
        return np.asarray(self.oracle(self.ids[pos]), dtype=np.int64)

    def without(self, positions: np.ndarray) -> PoolState:
        """A state where ``positions`` (rows) can no longer be picked; shares cached work."""
        excluded = self.excluded.copy()
        excluded[np.asarray(positions, dtype=np.int64)] = True
        child = PoolState(
            self.X,
            self.ids,
            self.labelled,
            model=self.model,
            n_classes=self.n_classes,
            round=self.round,
            unit=self._unit,
            excluded=excluded,
            labels=self.labels,
            oracle=self.oracle,
        )
        child._shared = self._shared
        return child
