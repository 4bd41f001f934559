"""Stopping criteria: when could a person stop labelling?

The standard cheap criteria watch the current model's predictions on a fixed random *stop set*
of unlabelled rows (no labels needed) and say when more labels stop changing the model:

``stabilizing`` (Bloodgood & Vijay-Shanker 2009, "stabilizing predictions")
    Cohen's kappa between the predictions of successive models on the stop set; stop when the
    mean kappa of the last ``window`` = 3 comparisons is at least ``threshold`` = 0.99 (the
    paper's defaults; ``rule="all"`` asks every one of them to reach the threshold instead).
``change`` (Zhu, Wang & Hovy 2008, "classification change")
    The fraction of stop-set predictions that changed since the previous model; stop when it is
    at most ``tolerance`` (0 in the paper: no prediction changed).
``uncertainty`` (Zhu, Wang & Hovy 2008, "overall uncertainty")
    The entropy of each stop-set prediction divided by ``log C`` (0 = certain, 1 = uniform, for
    any number of classes), averaged over the stop set (``aggregate="max"``: its largest);
    stop when it falls below ``threshold`` = 0.05 (small-text's default for this criterion).

Each criterion is observed, never enforced: ``update(proba)`` after every retraining,
then ``stop`` (bool), ``reason`` (one sentence for a person) and ``history`` (the measured
value per update; None where it is undefined, e.g. the first model has no predecessor)::

    from annal.al.stopping import make_stopping, stop_set
    ids_stop = stop_set(unlabelled_ids, seed=0)        # 2,000 ids, or all of them if fewer
    crit = make_stopping("stabilizing")
    for proba in probabilities_after_each_retraining:  # (n_stop, C) on the SAME rows each time
        crit.update(proba)
    if crit.stop:
        print(crit.reason)
"""

from __future__ import annotations

import numbers
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

import numpy as np
from scipy.stats import entropy
from sklearn.base import BaseEstimator

from annal.errors import AnnalError
from annal.registry import Component, Registry

#: Default stop-set size: a random sample of 2,000 unlabelled rows (the whole pool if smaller).
DEFAULT_STOP_SET_SIZE = 2000


def stop_set(ids: np.ndarray, size: int = DEFAULT_STOP_SET_SIZE, seed: int = 0) -> np.ndarray:
    """A fixed random subset of ``ids`` to watch the models' predictions on.

    The draw depends only on the *set* of ids, ``size`` and ``seed`` (not on their order).

    Parameters
    ----------
    ids : np.ndarray of int64, shape (n,)
        Candidate ids (unique), e.g. the pool's unlabelled rows.
    size : int
        How many to draw; all of ``ids`` when there are fewer.
    seed : int
        Seed of the draw.

    Returns
    -------
    np.ndarray of int64, shape (min(size, n),)
        The chosen ids, ascending.
    """
    ids = np.asarray(ids, dtype=np.int64).ravel()
    if int(size) < 1:
        raise AnnalError(f"stop set size must be at least 1, got {size}")
    ordered = np.unique(ids)
    if len(ordered) != len(ids):
        raise AnnalError("stop set ids must be unique")
    if len(ordered) <= size:
        return ordered
    pick = np.random.default_rng(seed).choice(len(ordered), size=int(size), replace=False)
    return np.sort(ordered[pick])


class StoppingCriterion(Component):
    """Base class: the constructor stores parameters; :meth:`update` feeds one model's output.

    Subclasses set :attr:`name` and :attr:`value_field`, and implement :meth:`_measure`,
    :meth:`_decide` and :meth:`_explain`.
    """

    #: Registry name, e.g. ``"stabilizing"``; the round record's flag is ``stop_<name>``.
    name: ClassVar[str] = ""
    #: The round-record field that holds the measured value.
    value_field: ClassVar[str] = ""
    #: What the value is, for sentences ("Cohen's kappa", ...).
    value_label: ClassVar[str] = ""

    # scikit-learn's repr (changed parameters only), as these were first printed.
    __repr__ = BaseEstimator.__repr__

    # -- parameters ---------------------------------------------------------------------------
    def validate(self) -> StoppingCriterion:
        """Check the parameter values; raises AnnalError naming the bad one. Returns self."""
        return self

    def _check_fraction(self, param: str, *, closed_low: bool = True) -> None:
        value = getattr(self, param)
        ok = isinstance(value, numbers.Real) and not isinstance(value, bool)
        if ok:
            ok = (0.0 <= value <= 1.0) if closed_low else (0.0 < value <= 1.0)
        if not ok:
            bound = "[0, 1]" if closed_low else "(0, 1]"
            raise AnnalError(f"stopping {self.name!r}: {param} must be in {bound}, got {value!r}")

    # -- state --------------------------------------------------------------------------------
    def reset(self) -> StoppingCriterion:
        """Forget every update (a new labelling run)."""
        self.history_: list[float | None] = []
        self.shape_: tuple[int, int] | None = None
        self.previous_: np.ndarray | None = None
        return self

    @property
    def history(self) -> list[float | None]:
        """The measured value after each update (None where undefined), oldest first."""
        return list(getattr(self, "history_", []))

    @property
    def value(self) -> float | None:
        """The latest measured value (None before the first update or where undefined)."""
        h = self.history
        return h[-1] if h else None

    @property
    def stop(self) -> bool:
        """Whether the criterion says labelling could stop now."""
        return bool(self.history) and bool(self._decide(self.history))

    @property
    def reason(self) -> str:
        """One sentence for a person: why one could stop now, or what is still missing."""
        if not self.history:
            return "Not yet: no model has been trained."
        return self._explain(self.history, self.stop)

    def update(self, proba: np.ndarray) -> StoppingCriterion:
        """Feed the current model's class probabilities on the stop set.

        Parameters
        ----------
        proba : np.ndarray of float, shape (n_stop, C)
            One row per stop-set row, the same rows in the same order at every update.

        Returns
        -------
        self
        """
        if not hasattr(self, "history_"):
            self.validate()
            self.reset()
        proba = np.asarray(proba, dtype=np.float64)
        if proba.ndim != 2 or proba.shape[0] == 0 or proba.shape[1] == 0:
            raise AnnalError(
                f"stopping {self.name!r}: probabilities must be (n_stop, C), got {proba.shape}"
            )
        if not np.isfinite(proba).all():
            raise AnnalError(f"stopping {self.name!r}: probabilities hold NaN or inf")
        if self.shape_ is not None and proba.shape != self.shape_:
            raise AnnalError(
                f"stopping {self.name!r}: the stop set and classes must stay fixed; had shape "
                f"{self.shape_}, got {proba.shape}"
            )
        predictions = proba.argmax(axis=1)
        self.history_.append(self._measure(proba, predictions, self.previous_))
        self.previous_ = predictions
        self.shape_ = proba.shape
        return self

    # -- subclass hooks -----------------------------------------------------------------------
    def _measure(
        self, proba: np.ndarray, predictions: np.ndarray, previous: np.ndarray | None
    ) -> float | None:
        raise NotImplementedError

    def _decide(self, history: list[float | None]) -> bool:
        raise NotImplementedError

    def _explain(self, history: list[float | None], stop: bool) -> str:
        raise NotImplementedError


def prediction_kappa(a: np.ndarray, b: np.ndarray, n_classes: int) -> float:
    """Cohen's kappa between two prediction vectors; 1.0 when they are identical.

    scikit-learn's ``cohen_kappa_score(a, b, labels=range(n_classes))``, the same float
    operations in the same order, from a confusion count in numpy (its input checks cost
    more than the kappa, every round of every run). Identical predictions are perfect
    agreement (scikit-learn's kappa is 0/0 for two identical constant vectors).
    """
    if np.array_equal(a, b):
        return 1.0
    n = int(n_classes)
    a = np.asarray(a, dtype=np.int64)
    b = np.asarray(b, dtype=np.int64)
    confusion = np.bincount(a * n + b, minlength=n * n).reshape(n, n).astype(np.float64)
    sum0 = np.sum(confusion, axis=0)
    sum1 = np.sum(confusion, axis=1)
    expected = np.outer(sum0, sum1) / np.sum(sum0)
    w_mat = np.ones((n, n), dtype=np.float64)
    np.fill_diagonal(w_mat, 0)
    denominator = np.sum(w_mat * expected)
    if denominator == 0:  # scikit-learn: undefined (cannot happen once a != b)
        return float("nan")
    return float(1 - np.sum(w_mat * confusion) / denominator)


class StabilizingPredictions(StoppingCriterion):
    """Stop when successive models agree on the stop set (Bloodgood & Vijay-Shanker 2009).

    Parameters
    ----------
    threshold : float
        Kappa needed, in (0, 1]; the paper's 0.99.
    window : int
        How many most recent model-to-model comparisons count; the paper's 3.
    rule : {"mean", "all"}
        ``mean``: the mean kappa of the window reaches ``threshold`` (the paper);
        ``all``: every kappa in the window does (stricter).
    """

    name = "stabilizing"
    value_field = "stop_kappa"
    value_label = "Cohen's kappa between successive models"

    def __init__(self, threshold: float = 0.99, window: int = 3, rule: str = "mean") -> None:
        self.threshold = threshold
        self.window = window
        self.rule = rule

    def validate(self) -> StabilizingPredictions:  # noqa: D102
        self._check_fraction("threshold", closed_low=False)
        w = self.window
        if not isinstance(w, numbers.Integral) or isinstance(w, bool) or w < 1:
            raise AnnalError(
                f"stopping 'stabilizing': window must be an integer >= 1, got {self.window!r}"
            )
        if self.rule not in ("mean", "all"):
            raise AnnalError(f"stopping 'stabilizing': rule must be mean or all, got {self.rule!r}")
        return self

    def _measure(self, proba, predictions, previous):
        if previous is None:
            return None
        return prediction_kappa(previous, predictions, proba.shape[1])

    def _window(self, history: list[float | None]) -> list[float]:
        kappas = [k for k in history if k is not None]
        return kappas[-self.window :] if len(kappas) >= self.window else []

    def _decide(self, history):
        last = self._window(history)
        if not last:
            return False
        if self.rule == "all":
            return min(last) >= self.threshold
        return float(np.mean(last)) >= self.threshold

    def _explain(self, history, stop):
        last = self._window(history)
        how = "mean" if self.rule == "mean" else "lowest"
        if stop:
            agg = float(np.mean(last)) if self.rule == "mean" else min(last)
            return (
                f"You could stop now because predictions have stabilised: Cohen's kappa between "
                f"successive models on the stop set has a {how} of {agg:.3f} over the last "
                f"{self.window} retrainings (threshold {self.threshold:g})."
            )
        kappas = [k for k in history if k is not None]
        if len(kappas) < self.window:
            return (
                f"Not yet: stabilising predictions needs {self.window} comparisons of "
                f"successive models, {len(kappas)} so far."
            )
        shown = ", ".join(f"{k:.3f}" for k in last)
        return (
            f"Not yet: Cohen's kappa between the last successive models is {shown} "
            f"({how} must reach {self.threshold:g})."
        )


class ClassificationChange(StoppingCriterion):
    """Stop when no stop-set prediction changes between successive models (Zhu et al. 2008).

    Parameters
    ----------
    tolerance : float
        Largest fraction of changed predictions that still counts as "no change", in [0, 1];
        the paper's 0.
    """

    name = "change"
    value_field = "stop_changed"
    value_label = "fraction of stop-set predictions that changed"

    def __init__(self, tolerance: float = 0.0) -> None:
        self.tolerance = tolerance

    def validate(self) -> ClassificationChange:  # noqa: D102
        self._check_fraction("tolerance")
        return self

    def _measure(self, proba, predictions, previous):
        if previous is None:
            return None
        return float(np.mean(previous != predictions))

    def _decide(self, history):
        return history[-1] is not None and history[-1] <= self.tolerance

    def _explain(self, history, stop):
        last = history[-1] if history else None
        if last is None:
            return "Not yet: classification change needs two successive models."
        n_stop = self.shape_[0]
        changed = int(round(last * n_stop))
        if stop:
            what = (
                "no prediction on the stop set changed"
                if changed == 0
                else f"only {changed} of {n_stop} stop-set predictions changed"
            )
            return f"You could stop now because {what} since the previous model."
        return (
            f"Not yet: {changed} of {n_stop} stop-set predictions ({last:.1%}) changed since the "
            f"previous model (at most {self.tolerance:.1%} may)."
        )


def normalized_entropy(proba: np.ndarray) -> np.ndarray:
    """Entropy of each row of ``proba`` (n, C) divided by ``log C``: 0 certain, 1 uniform."""
    n_classes = proba.shape[1]
    if n_classes < 2:
        return np.zeros(len(proba))
    return entropy(np.clip(proba, 0.0, None), axis=1) / np.log(n_classes)


class OverallUncertainty(StoppingCriterion):
    """Stop when the model is confident on the stop set (Zhu et al. 2008, overall uncertainty).

    Parameters
    ----------
    threshold : float
        Normalised entropy below which to stop, in (0, 1]; 0.05 (small-text's default).
    aggregate : {"mean", "max"}
        Mean uncertainty over the stop set (overall uncertainty), or its largest value (every
        row confident: stricter).
    """

    name = "uncertainty"
    value_field = "stop_entropy"
    value_label = "normalised entropy on the stop set"

    def __init__(self, threshold: float = 0.05, aggregate: str = "mean") -> None:
        self.threshold = threshold
        self.aggregate = aggregate

    def validate(self) -> OverallUncertainty:  # noqa: D102
        self._check_fraction("threshold", closed_low=False)
        if self.aggregate not in ("mean", "max"):
            raise AnnalError(
                f"stopping 'uncertainty': aggregate must be mean or max, got {self.aggregate!r}"
            )
        return self

    def _measure(self, proba, predictions, previous):
        u = normalized_entropy(proba)
        return float(u.mean() if self.aggregate == "mean" else u.max())

    def _decide(self, history):
        return history[-1] < self.threshold

    def _explain(self, history, stop):
        which = "mean" if self.aggregate == "mean" else "largest"
        if stop:
            return (
                f"You could stop now because the model is confident on the stop set: its "
                f"{which} normalised entropy is {history[-1]:.3f} (below {self.threshold:g})."
            )
        return (
            f"Not yet: the {which} normalised entropy on the stop set is {history[-1]:.3f} "
            f"(needs to fall below {self.threshold:g})."
        )


#: Every stopping criterion by name, in report order.
STOPPING: Registry[StoppingCriterion] = Registry(
    "stopping criterion", (StabilizingPredictions, ClassificationChange, OverallUncertainty)
)


def make_stopping(name: str, **params: Any) -> StoppingCriterion:
    """A stopping criterion by name (see :data:`STOPPING`) with validated parameters.

    Raises
    ------
    AnnalError
        Unknown name, parameter or parameter value (the message lists the valid ones).
    """
    return STOPPING.build(name, params).validate()


def default_criteria() -> list[StoppingCriterion]:
    """One of each registered criterion with the published defaults."""
    return [make_stopping(name) for name in STOPPING]


def flag_field(name: str) -> str:
    """The round-record field that says whether criterion ``name`` would stop: ``stop_<name>``."""
    return f"stop_{name}"


def first_stops(records: Sequence[Mapping[str, Any]]) -> dict[str, Mapping[str, Any] | None]:
    """Where each criterion would first have stopped a run.

    Parameters
    ----------
    records : sequence of dict
        One run's round records (``RoundRecord.as_dict()`` or stored rounds), any order.

    Returns
    -------
    dict
        ``name -> record`` of the first round whose ``stop_<name>`` is true, or None where the
        criterion never fired (or was not recorded).
    """
    ordered = sorted(records, key=lambda r: int(r["round"]))
    out: dict[str, Mapping[str, Any] | None] = {}
    for name in STOPPING:
        flag = flag_field(name)
        out[name] = next((r for r in ordered if r.get(flag) == 1), None)  # True, 1 or 1.0
    return out


def stop_costs(records: Sequence[Mapping[str, Any]], metric: str = "f1_macro") -> list[dict]:
    """What stopping at each criterion's first stop would have cost one run.

    Parameters
    ----------
    records : sequence of dict
        One run's round records.
    metric : str
        The score compared (default macro-F1).

    Returns
    -------
    list of dict
        One per criterion in :data:`STOPPING` order: ``criterion``, ``round``, ``n_labelled``,
        ``score`` (``metric`` there), ``final_round``, ``final_n_labelled``, ``final_score`` (at
        the run's last round) and ``cost`` (``final_score - score``: positive = F1 lost by
        stopping early); ``round``, ``n_labelled``, ``score`` and ``cost`` are None where the
        criterion never fired.
    """
    if not records:
        return []
    last = max(records, key=lambda r: int(r["round"]))
    rows = []
    for name, rec in first_stops(records).items():
        row = {
            "criterion": name,
            "round": None,
            "n_labelled": None,
            "score": None,
            "final_round": int(last["round"]),
            "final_n_labelled": int(last["n_labelled"]),
            "final_score": float(last[metric]),
            "cost": None,
        }
        if rec is not None:
            row.update(
                round=int(rec["round"]),
                n_labelled=int(rec["n_labelled"]),
                score=float(rec[metric]),
                cost=float(last[metric]) - float(rec[metric]),
            )
        rows.append(row)
    return rows
