"""The project's model: fit on the labels so far, predict every row, queue the next batch.

:meth:`Trainer.step` is one round of the active-learning loop with a person as the oracle. It
uses the same pieces and the same seed derivation as :class:`annal.al.ActiveLearningLoop`
(fit ``r`` seeds its classifier with ``derive_seed(seed, r, classifier stream)`` and its strategy
with ``derive_seed(seed, r, strategy stream)``; the first batch comes from the initialiser with
``derive_seed(seed, 0, init stream)``), so a simulated oracle answering through a project gives
the rounds ``annal al run`` gives.

Cold start: until every label has an example and ``strategy_after`` rows are labelled, batches
come from the initialiser (over the rows not yet labelled, skipped or held by a tab); then from
the strategy. :class:`BackgroundTrainer` runs steps in a thread so the page never waits for a fit.
"""

from __future__ import annotations

import numpy as np

from annal._threads import on_one_blas_thread
from annal.al.geometry import normalize_rows
from annal.al.loop import (
    _STREAM_INIT,
    _STREAM_STOP_SET,
    _STREAM_STRATEGY,
    derive_seed,
    fit_round,
)
from annal.al.models import LabelledModel
from annal.al.registry import make_initializer, make_strategy
from annal.al.state import PoolState
from annal.al.stopping import stop_set
from annal.label.advice import advise
from annal.label.estimate import cv_macro_f1
from annal.label.project import Project

#: Random stream of the cross-validated estimate (apart from the loop's streams).
_STREAM_ESTIMATE = 4
STOP_SET_KEY = "stop_set"


class Trainer:
    """Rounds of fitting and selecting for one project.

    Parameters
    ----------
    project : Project
    estimate : bool
        Compute the cross-validated macro-F1 estimate at each fit (the simulated-oracle run
        turns it off to save time; it does not change any selection).
    """

    def __init__(self, project: Project, *, estimate: bool = True) -> None:
        self.project = project
        self.estimate = estimate
        self._unit: np.ndarray | None = None
        self.model: LabelledModel | None = None

    @property
    def unit(self) -> np.ndarray:
        """Unit-length row vectors (computed once)."""
        if self._unit is None:
            self._unit = normalize_rows(self.project.vectors)
        return self._unit

    def _stop_set(self, labelled_ids: np.ndarray) -> np.ndarray | None:
        """The fixed stop set: drawn once, at the first fit, from the rows unlabelled then (as
        :class:`annal.al.ActiveLearningLoop` draws it after its initial set)."""
        store = self.project.store
        raw = store.meta(STOP_SET_KEY)
        if raw is not None:
            return np.asarray([int(v) for v in raw.split(",") if v], dtype=np.int64)
        unlabelled = np.setdiff1d(np.arange(store.n_items(), dtype=np.int64), labelled_ids)
        if len(unlabelled) == 0:
            return None
        cfg = self.project.config
        seed = derive_seed(cfg.seed, 0, _STREAM_STOP_SET)
        ids = stop_set(unlabelled, cfg.stop_set_size, seed)
        store.set_meta(STOP_SET_KEY, ",".join(str(int(i)) for i in ids))
        return ids

    @on_one_blas_thread
    def step(self) -> dict:
        """One round: fit (when there are labels), predict, estimate, advise, queue a batch.

        Returns
        -------
        dict
            ``{"round", "n_labelled", "phase", "queued"}``; ``round`` is None when no model
            was fitted (no labels yet: the initialiser's first batch).
        """
        cfg = self.project.config
        store = self.project.store
        snap = store.snapshot()
        X = self.project.vectors
        n = len(X)
        ids = np.arange(n, dtype=np.int64)
        n_classes = len(snap.labels)
        labelled = np.zeros(n, dtype=bool)
        labelled[snap.labelled_ids] = True
        blocked = np.zeros(n, dtype=bool)
        blocked[snap.blocked_ids] = True
        r = snap.n_rounds
        n_lab = len(snap.labelled_ids)

        covered = len(np.unique(snap.y)) == n_classes
        phase = "strategy" if covered and n_lab >= cfg.strategy_after else "init"
        if n_lab == 0:
            queue = self._init_batch(X, ids, ~labelled & ~blocked, cfg.initial, 0, n_classes)
            store.set_queue(queue, "init", -1)
            return {"round": None, "n_labelled": 0, "phase": "init", "queued": len(queue)}

        stop_ids = self._stop_set(snap.labelled_ids)
        model, fit_s = fit_round(
            cfg.classifier, X[labelled], snap.y, n_classes, seed=cfg.seed, round=r
        )
        self.model = model
        proba = model.predict_proba(X)
        estimate = None
        if self.estimate:
            estimate = cv_macro_f1(
                X[labelled], snap.y, cfg.classifier, derive_seed(cfg.seed, r, _STREAM_ESTIMATE)
            )
        stop_proba = None if stop_ids is None else proba[stop_ids]
        advice = self._advice(stop_proba)

        candidates = ~labelled & ~blocked
        if phase == "strategy":
            y_known = np.full(n, -1, dtype=np.int64)  # what the person has said so far
            y_known[snap.labelled_ids] = snap.y
            strategy = make_strategy(cfg.strategy, **cfg.strategy_params)
            state = PoolState.from_labels(
                X, ids, y_known, model, round=r, unit=self.unit, excluded=blocked & ~labelled
            )
            budget = min(cfg.batch, int(candidates.sum()))
            queue = (
                strategy.select(state, budget, seed=derive_seed(cfg.seed, r, _STREAM_STRATEGY))
                if budget
                else np.empty(0, dtype=np.int64)
            )
        else:
            queue = self._init_batch(X, ids, candidates, cfg.batch, r, n_classes)
        if model.fitted_ is not None:  # one class so far: no suggestion worth showing (100%)
            self.project.save_predictions(proba, snap.labels)
        store.record_round(
            round=r,
            n_labelled=n_lab,
            phase=phase,
            fit_s=fit_s,
            estimate=estimate,
            stop_proba=stop_proba,
            advice=advice,
            queue=[int(i) for i in queue],
        )
        return {"round": r, "n_labelled": n_lab, "phase": phase, "queued": len(queue)}

    def _init_batch(self, X, ids, candidates, size, r, n_classes) -> np.ndarray:
        cfg = self.project.config
        if not candidates.any():
            return np.empty(0, dtype=np.int64)
        init = make_initializer(cfg.init)
        return init.select(
            X[candidates],
            ids[candidates],
            size,
            seed=derive_seed(cfg.seed, r, _STREAM_INIT),
            n_classes=n_classes,
        )

    def _advice(self, stop_proba: np.ndarray | None) -> list[dict]:
        if stop_proba is None:
            return []
        history = [
            r["stop_proba"] for r in self.project.store.rounds() if r["stop_proba"] is not None
        ]
        return advise([*history, stop_proba])


def fit_due(project: Project) -> bool:
    """Whether a fit is due: ``retrain_every`` labels since the last one, or the queue is used
    up with labels the last fit has not seen (the first fit once ``retrain_every`` rows are
    labelled, or the queue is empty)."""
    store = project.store
    last = store.last_round()
    n_lab = store.counts()["n_labelled"]
    every = project.config.retrain_every
    if last is None:
        return n_lab >= every or store.queue_left() == 0
    seen = int(last["n_labelled"])
    return n_lab - seen >= every or (store.queue_left() == 0 and n_lab != seen)
