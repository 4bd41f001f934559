"""The active-learning loop, its round records and the oracle protocol.

Each round fits a FRESH classifier on the labelled set (docs/pitfalls.md #5; warm start only when
asked), evaluates it on the held-out test set, records the round, asks the strategy for the next
batch and the oracle for its labels. All randomness of round ``r`` derives from ``(seed, r)``, so a
run resumed from stored records continues exactly as an uninterrupted one would.

Five lines of Python::

    from annal.al import ActiveLearningLoop, stratified_split
    train, test = stratified_split(y, seed=0)
    loop = ActiveLearningLoop("margin", initial=100, budget=100, rounds=10)
    records = loop.run(X[train], y[train], X[test], y[test])
    print(records[-1].f1_macro)
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, fields
from typing import Protocol

import numpy as np
from sklearn.base import BaseEstimator, clone

from annal._threads import on_one_blas_thread
from annal.al.geometry import as_float32
from annal.al.initial import Initializer
from annal.al.metrics import evaluate_predictions, labelled_set_metrics
from annal.al.models import LabelledModel, make_classifier
from annal.al.pools import CandidatePool, PoolStats, make_pool
from annal.al.protocol import RunProtocol
from annal.al.registry import make_initializer, make_strategy
from annal.al.state import PoolState, pool_array
from annal.al.stopping import (
    DEFAULT_STOP_SET_SIZE,
    STOPPING,
    StoppingCriterion,
    flag_field,
    make_stopping,
    stop_set,
)
from annal.al.strategies.base import Strategy
from annal.errors import AnnalError

# Independent random streams of one round.
_STREAM_INIT, _STREAM_CLASSIFIER, _STREAM_STRATEGY, _STREAM_STOP_SET, _STREAM_POOL = 0, 1, 2, 3, 4


def derive_seed(seed: int, round: int, stream: int) -> int:
    """A 31-bit seed for one random stream of one round, from the run's seed."""
    return int(
        np.random.SeedSequence([int(seed), int(round), int(stream)]).generate_state(1)[0] >> 1
    )


class Oracle(Protocol):
    """Answers the labels (class codes, int64 (k,)) of the rows with the given ids (k,)."""

    def __call__(self, ids: np.ndarray) -> np.ndarray: ...  # noqa: D102


class SimulatedOracle:
    """An oracle that looks the answers up in known labels (for experiments).

    Parameters
    ----------
    ids : np.ndarray of int64, shape (n,)
        Stable ids of the pool rows.
    y : np.ndarray of int, shape (n,)
        Their labels.
    """

    def __init__(self, ids: np.ndarray, y: np.ndarray) -> None:
        self.ids = np.asarray(ids, dtype=np.int64)
        self.y = np.asarray(y, dtype=np.int64)
        # Sorted once: a sequential strategy asks row by row, hundreds of times a round.
        self._sorter = np.argsort(self.ids, kind="stable")

    def __call__(self, ids: np.ndarray) -> np.ndarray:
        """Labels of ``ids``."""
        return self.y[_positions(self.ids, ids, sorter=self._sorter)]


@dataclass
class RoundRecord:
    """What happened in one round: the model fitted on ``n_labelled`` rows and its scores.

    ``selected_ids`` are the ids the strategy picked after this round (empty in the last round);
    ``fit_s`` / ``eval_s`` / ``query_s`` are seconds spent fitting, predicting the test set (and
    the stop set), and selecting (classifier probabilities on the pool included).

    The ``stop_*`` fields are what the stopping criteria (:mod:`annal.al.stopping`) observed on
    the run's stop set this round: whether each would stop here (``stop_stabilizing``,
    ``stop_change``, ``stop_uncertainty``) and the value each measured (``stop_kappa``: Cohen's
    kappa with the previous round's predictions; ``stop_changed``: fraction of predictions that
    changed; ``stop_entropy``: mean normalised entropy). None where not observed or undefined
    (round 0 has no previous model).

    ``pool_size`` is the number of unlabelled candidates the strategy chose from (the whole
    unlabelled pool under ``full``; 0 in the last round), ``pool_build_s`` the seconds spent
    building or loading the candidate pool's index this round (once per run), ``pool_search_s``
    the seconds spent finding the candidates.
    """

    round: int
    n_labelled: int
    accuracy: float
    f1_macro: float
    f1_weighted: float
    precision_macro: float
    recall_macro: float
    recall_per_class: list[float]
    f1_per_class: list[float]
    classes_covered: int
    imbalance_ratio: float
    fit_s: float
    query_s: float
    selected_ids: list[int] = field(default_factory=list)
    eval_s: float = 0.0
    stop_stabilizing: bool | None = None
    stop_change: bool | None = None
    stop_uncertainty: bool | None = None
    stop_kappa: float | None = None
    stop_changed: float | None = None
    stop_entropy: float | None = None
    pool_size: int = 0
    pool_build_s: float = 0.0
    pool_search_s: float = 0.0

    def as_dict(self) -> dict:
        """A plain dict (JSON-ready: lists, ints, floats), lists copied.

        Equal to :func:`dataclasses.asdict` (the fields hold only numbers and lists of
        numbers), without its deep copy of every list element, which cost more per round than
        the round's metrics.
        """
        return {
            f.name: list(v) if isinstance(v := getattr(self, f.name), list) else v for f in _FIELDS
        }

    @classmethod
    def columns(cls) -> dict[str, str]:
        """Every field but ``round`` as a table column, in declaration order, with its kind.

        The kinds: ``"count"`` (an int), ``"real"`` (a float, None where not observed),
        ``"flag"`` (a bool or None) and ``"list"`` (stored as JSON text). The results store's
        schema, ``annal results export`` and ``annal al run --out`` all take their columns
        from here.
        """
        kinds = {
            "int": "count",
            "float": "real",
            "float | None": "real",
            "bool | None": "flag",
            "bool": "flag",
        }
        out = {}
        for f in fields(cls):
            if f.name != "round":
                out[f.name] = "list" if str(f.type).startswith("list[") else kinds[str(f.type)]
        return out

    @classmethod
    def columns_of(cls, *kinds: str) -> tuple[str, ...]:
        """The columns (see :meth:`columns`) of the given kinds, in declaration order."""
        return tuple(name for name, kind in cls.columns().items() if kind in kinds)

    @classmethod
    def timing_fields(cls) -> tuple[str, ...]:
        """Columns that measure seconds, not results (``*_s``): left out of equality checks."""
        return tuple(name for name in cls.columns() if name.endswith("_s"))

    @classmethod
    def scalar_fields(cls) -> tuple[str, ...]:
        """Names of the int/float/bool fields (one table column each), in declaration order."""
        return ("round", *cls.columns_of("count", "real", "flag"))

    @classmethod
    def from_dict(cls, data: dict) -> RoundRecord:
        """The record back from :meth:`as_dict` output (unknown keys ignored)."""
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in names})


_FIELDS = fields(RoundRecord)


def _positions(ids: np.ndarray, query: np.ndarray, sorter: np.ndarray | None = None) -> np.ndarray:
    """Row positions of ``query`` ids in ``ids``; unknown ids are an AnnalError."""
    query = np.asarray(query, dtype=np.int64)
    if sorter is None:
        sorter = np.argsort(ids, kind="stable")
    at = np.searchsorted(ids, query, sorter=sorter)
    at = np.minimum(at, len(ids) - 1)
    pos = sorter[at]
    bad = ids[pos] != query
    if bad.any():
        raise AnnalError(f"id {int(query[bad][0])} is not in the pool")
    return pos


def _observe(criteria: list[StoppingCriterion], model: LabelledModel, X_stop: np.ndarray) -> dict:
    """Feed the model's stop-set probabilities to every criterion; their record fields."""
    if not criteria:
        return {}
    # float64 once here, not once per criterion (each reads its probabilities as float64).
    proba = np.asarray(model.predict_proba(X_stop), dtype=np.float64)
    out: dict = {}
    for c in criteria:
        c.update(proba)
        out[flag_field(c.name)] = c.stop
        out[c.value_field] = c.value
    return out


class ActiveLearningLoop:
    """Pool-based active learning with a fixed test set.

    Parameters
    ----------
    strategy : str or Strategy
        A name from :func:`annal.al.make_strategy` or a strategy object.
    classifier : str or estimator
        A name from :func:`annal.al.make_classifier` (default ``sgd``) or an estimator with
        ``predict_proba``; a fresh one is fitted every round.
    classifier_params : dict, optional
        Parameters of a named classifier (see :func:`annal.al.make_classifier`).
    init : str or Initializer
        Initial-set strategy (used when ``run`` gets no ``initial_ids``).
    initial : int or float
        Size of the initial labelled set (paper: 250), a count >= 1 or a fraction of the pool.
    budget : int or float
        Rows labelled per round (paper: 500), a count >= 1 or a fraction of the pool.
    rounds : int
        Selection rounds (paper: 20), >= 1; ``run`` records ``rounds + 1`` rounds, round 0
        being the initial set. The three are checked as one
        :class:`~annal.al.protocol.RunProtocol` (the type of a config's ``protocol:``): a
        budget of 0 or no rounds is an :class:`AnnalError`.
    seed : int
        Seed of every random choice of the run.
    warm_start : bool
        Start each round's fit from the previous round's coefficients (SGD only). Off by
        default: a fresh fit each round is the correct protocol.
    pool : str or CandidatePool, optional
        Where the strategy looks each round (:func:`annal.al.pools.make_pool` spec, e.g.
        ``"seals?k=100&index=faiss:hnsw?M=32"``); default ``full``, the whole unlabelled pool.
    sequential : bool
        Sequential mode: strategies may ask the oracle row by row inside a round (``state.ask``)
        and use those labels for the rest of the batch (GALAXY, DIRECT); each row is asked
        once. Off: every strategy picks the whole batch blind (their batch variants).
    stopping : sequence of str or StoppingCriterion
        Stopping criteria to observe each round (names from :func:`annal.al.make_stopping`, or
        criteria); default all of them with their published defaults; ``()`` observes none.
        They never stop the run: the round records say where each would have stopped.
    stop_set_size : int
        Size of the stop set: a random sample (seeded by ``seed``) of the pool rows that are
        unlabelled at round 0; it stays fixed for the run and remains selectable.
    """

    def __init__(
        self,
        strategy: str | Strategy = "random",
        *,
        classifier: str | BaseEstimator = "sgd",
        classifier_params: dict | None = None,
        init: str | Initializer = "random",
        initial: int | float = 250,
        budget: int | float = 500,
        rounds: int = 20,
        seed: int = 0,
        warm_start: bool = False,
        pool: str | CandidatePool | None = None,
        sequential: bool = False,
        stopping: Sequence[str | StoppingCriterion] = tuple(STOPPING),
        stop_set_size: int = DEFAULT_STOP_SET_SIZE,
    ) -> None:
        self.strategy = strategy
        self.classifier = classifier
        self.classifier_params = dict(classifier_params or {})
        self.init = init
        # One protocol type for the loop, the CLI and YAML: budget 0 or rounds 0 fail here.
        self.protocol = RunProtocol.of(initial=initial, budget=budget, rounds=rounds)
        self.seed = seed
        self.warm_start = warm_start
        self.pool = pool
        self.sequential = sequential
        self.stopping = stopping
        self.stop_set_size = stop_set_size

    @property
    def initial(self) -> int | float:
        """Size of the initial labelled set (a count, or a fraction of the pool)."""
        return self.protocol.initial

    @property
    def budget(self) -> int | float:
        """Rows labelled per round (a count, or a fraction of the pool)."""
        return self.protocol.budget

    @property
    def rounds(self) -> int:
        """Selection rounds (>= 1)."""
        return self.protocol.rounds

    def __repr__(self) -> str:
        pool = "" if self.pool is None else f", pool={self.pool!r}"
        return (
            f"ActiveLearningLoop({self.strategy!r}, classifier={self.classifier!r}, "
            f"init={self.init!r}, initial={self.initial}, budget={self.budget}, "
            f"rounds={self.rounds}, seed={self.seed}, warm_start={self.warm_start}, "
            f"sequential={self.sequential}, "
            f"stopping={self.stopping!r}, stop_set_size={self.stop_set_size}{pool})"
        )

    def initial_ids(
        self, X_pool: np.ndarray, ids: np.ndarray, *, n_classes: int, y_pool: np.ndarray | None
    ) -> np.ndarray:
        """The initial labelled set this loop draws (deterministic for its seed)."""
        init = make_initializer(self.init) if isinstance(self.init, str) else self.init
        return init.select(
            X_pool,
            ids,
            self.protocol.counts(len(X_pool))[0],
            seed=derive_seed(self.seed, 0, _STREAM_INIT),
            n_classes=n_classes,
            y=y_pool if init.reads_labels else None,
        )

    @on_one_blas_thread
    def run(
        self,
        X_pool: np.ndarray,
        y_pool: np.ndarray | None,
        X_test: np.ndarray,
        y_test: np.ndarray,
        *,
        ids: np.ndarray | None = None,
        initial_ids: np.ndarray | None = None,
        oracle: Oracle | Callable[[np.ndarray], np.ndarray] | None = None,
        on_round: Callable[[RoundRecord], None] | None = None,
        resume: Sequence[RoundRecord | dict] | None = None,
        n_classes: int | None = None,
    ) -> list[RoundRecord]:
        """Run the loop.

        Parameters
        ----------
        X_pool : np.ndarray of float, shape (n, d)
            Pool embeddings; a float16 or float32 array (e.g. a memory-mapped ``.npy``) is
            read in place, never copied whole.
        y_pool : np.ndarray of int, shape (n,) or None
            Pool labels, used only by the simulated oracle (and by label-reading
            initialisers); may be None when an ``oracle`` is given.
        X_test : np.ndarray of float, shape (t, d)
        y_test : np.ndarray of int, shape (t,)
        ids : np.ndarray of int64, shape (n,), optional
            Stable ids of the pool rows (default ``0..n-1``); all ids in and out are these.
        initial_ids : np.ndarray of int64, optional
            A fixed initial set (the same for every strategy being compared).
        oracle : callable, optional
            ``oracle(ids) -> labels``; default: simulated from ``y_pool``.
        on_round : callable, optional
            Called with each :class:`RoundRecord` as soon as its round finishes.
        resume : sequence of RoundRecord or dict, optional
            Records of an interrupted run with the same configuration; the run continues after
            them with the results an uninterrupted run would give (the oracle is asked again
            for the labels of the rows they selected).
        n_classes : int, optional
            Size of the class list (default: ``max label + 1`` over pool and test labels).

        Returns
        -------
        list of RoundRecord
            The resumed records followed by the new ones.
        """
        X = pool_array(X_pool)
        X_test = pool_array(X_test)  # a large float16 test set too is predicted block by block
        y_test = np.asarray(y_test, dtype=np.int64)
        n = len(X)
        _, budget, rounds = self.protocol.counts(n)
        ids = np.arange(n, dtype=np.int64) if ids is None else np.asarray(ids, dtype=np.int64)
        if len(ids) != n or len(np.unique(ids)) != n:
            raise AnnalError("ids must be unique and one per pool row")
        if oracle is None:
            if y_pool is None:
                raise AnnalError("run needs y_pool or an oracle")
            oracle = SimulatedOracle(ids, y_pool)
        if n_classes is None:
            known = [y_test] + ([] if y_pool is None else [np.asarray(y_pool)])
            n_classes = int(max(int(np.max(a)) for a in known if len(a)) + 1)
        strategy = make_strategy(self.strategy) if isinstance(self.strategy, str) else self.strategy
        pool = make_pool(self.pool)  # a fresh pool: no state from another run

        if initial_ids is None:
            initial_ids = self.initial_ids(X, ids, n_classes=n_classes, y_pool=y_pool)
        labelled = np.zeros(n, dtype=bool)
        y_known = np.full(n, -1, dtype=np.int64)
        sorter = np.argsort(ids, kind="stable")
        asked: dict[int, int] = {}  # sequential mode: answers given inside the current round

        def ask(new_ids: np.ndarray) -> np.ndarray:
            new_ids = np.asarray(new_ids, dtype=np.int64)
            answers = np.asarray(oracle(new_ids), dtype=np.int64)
            if answers.shape != new_ids.shape or ((answers < 0) | (answers >= n_classes)).any():
                raise AnnalError("the oracle must answer one class code in [0, n_classes) per id")
            return answers

        def ask_once(new_ids: np.ndarray) -> np.ndarray:
            new_ids = np.asarray(new_ids, dtype=np.int64)
            _positions(ids, new_ids, sorter=sorter)  # unknown ids fail before the oracle
            todo = np.array([i for i in new_ids.tolist() if i not in asked], dtype=np.int64)
            if len(todo):
                asked.update(zip(todo.tolist(), ask(todo).tolist(), strict=True))
            return np.array([asked[i] for i in new_ids.tolist()], dtype=np.int64)

        def label(new_ids: np.ndarray) -> None:
            pos = _positions(ids, new_ids, sorter=sorter)
            answers = ask_once(new_ids) if asked else ask(new_ids)
            labelled[pos] = True
            y_known[pos] = answers
            asked.clear()

        label(initial_ids)
        criteria = self._criteria()
        stop_seed = derive_seed(self.seed, 0, _STREAM_STOP_SET)
        stop_pos = _positions(ids, stop_set(ids[~labelled], self.stop_set_size, stop_seed))
        stop_X = as_float32(X[stop_pos])
        if len(stop_pos) == 0:
            criteria = []  # nothing unlabelled to watch
        records = [
            r if isinstance(r, RoundRecord) else RoundRecord.from_dict(r) for r in resume or []
        ]
        model = None
        for i, rec in enumerate(records):
            if rec.round != i or rec.n_labelled != int(labelled.sum()):
                raise AnnalError(f"resume: record {i} does not continue this run's configuration")
            if self.warm_start or criteria:
                # Refit the round's model (same seed, same result) so warm starts and the
                # stopping criteria's history continue as in an uninterrupted run.
                model = self._fit(X, labelled, y_known, n_classes, i, model)[0]
                _observe(criteria, model, stop_X)
            if i < rounds:  # a growing pool takes in this round's labelled rows again
                pool.update(
                    PoolState(X, ids, labelled, n_classes=n_classes, round=i, labels=y_known)
                )
            label(np.asarray(rec.selected_ids, dtype=np.int64))

        unit = None  # unit rows of the whole pool, kept across rounds once a strategy needs them
        for r in range(len(records), rounds + 1):
            model, fit_s = self._fit(X, labelled, y_known, n_classes, r, model)
            t0 = time.perf_counter()
            scores = evaluate_predictions(y_test, model.predict(X_test), n_classes)
            stops = _observe(criteria, model, stop_X)
            eval_s = time.perf_counter() - t0
            selected = np.empty(0, dtype=np.int64)
            query_s = 0.0
            stats = PoolStats(0)
            if r < rounds:
                state = PoolState.from_labels(
                    X,
                    ids,
                    y_known,
                    model,
                    round=r,
                    unit=unit,
                    oracle=ask_once if self.sequential else None,
                )
                sub, stats = pool.restrict(
                    state, budget, seed=derive_seed(self.seed, r, _STREAM_POOL)
                )
                t0 = time.perf_counter()
                selected = strategy.select(
                    sub, budget, seed=derive_seed(self.seed, r, _STREAM_STRATEGY)
                )
                query_s = time.perf_counter() - t0
                unit = state._unit
                # This round's states (a candidate pool's copy of its rows, the probabilities)
                # go now, not when the next round replaces them: else the next fit, evaluation
                # and pool search run with two rounds' copies alive.
                del state, sub
            record = RoundRecord(
                round=r,
                n_labelled=int(labelled.sum()),
                **scores,
                **labelled_set_metrics(y_known[labelled]),
                fit_s=fit_s,
                query_s=query_s,
                selected_ids=[int(i) for i in selected],
                eval_s=eval_s,
                pool_size=stats.size,
                pool_build_s=stats.build_s,
                pool_search_s=stats.search_s,
                **stops,
            )
            records.append(record)
            if len(selected):
                label(selected)
            if on_round is not None:
                on_round(record)
            if r < rounds and len(selected) == 0:
                break  # the pool is exhausted
        return records

    def _criteria(self) -> list[StoppingCriterion]:
        """Fresh copies of the criteria to observe, at most one per kind."""
        out = [
            make_stopping(c) if isinstance(c, str) else clone(c).validate() for c in self.stopping
        ]
        names = [c.name for c in out]
        known = {f.name for f in fields(RoundRecord)}
        for c in out:
            if names.count(c.name) > 1:
                raise AnnalError(f"stopping criterion {c.name!r} is given twice")
            if flag_field(c.name) not in known or c.value_field not in known:
                raise AnnalError(f"stopping criterion {c.name!r} has no round-record fields")
        return out

    def _fit(
        self,
        X: np.ndarray,
        labelled: np.ndarray,
        y_known: np.ndarray,
        n_classes: int,
        round: int,
        previous: LabelledModel | None,
    ) -> tuple[LabelledModel, float]:
        return fit_round(
            self.classifier,
            as_float32(X[labelled]),
            y_known[labelled],
            n_classes,
            seed=self.seed,
            round=round,
            params=self.classifier_params,
            init=previous if self.warm_start else None,
        )


def fit_round(
    classifier: str | BaseEstimator,
    X: np.ndarray,
    y: np.ndarray,
    n_classes: int,
    *,
    seed: int,
    round: int,
    params: dict | None = None,
    init: LabelledModel | None = None,
) -> tuple[LabelledModel, float]:
    """A fresh classifier fitted on a round's labelled rows ``X``, ``y``, and the seconds the
    fit took; its randomness is the round's classifier stream of ``seed`` (the loop's and the
    labelling app's rounds fit alike). ``init`` warm-starts from a previous model."""
    estimator = make_classifier(classifier, derive_seed(seed, round, _STREAM_CLASSIFIER), params)
    t0 = time.perf_counter()
    model = LabelledModel(estimator, n_classes).fit(X, y, init=init)
    return model, time.perf_counter() - t0
