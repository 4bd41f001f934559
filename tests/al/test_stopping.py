"""Stopping criteria: properties of each rule, the stop set, and their place in the loop."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from sklearn.metrics import cohen_kappa_score

from annal.al import ActiveLearningLoop, RoundRecord, make_stopping, stop_set
from annal.al.stopping import (
    STOPPING,
    ClassificationChange,
    OverallUncertainty,
    StabilizingPredictions,
    first_stops,
    normalized_entropy,
    prediction_kappa,
    stop_costs,
)
from annal.errors import AnnalError

from .conftest import blobs


def one_hot(pred: np.ndarray, n_classes: int, sharp: float = 0.9) -> np.ndarray:
    """Probabilities whose argmax is ``pred``: ``sharp`` on it, the rest spread evenly."""
    rest = (1.0 - sharp) / (n_classes - 1)
    proba = np.full((len(pred), n_classes), rest)
    proba[np.arange(len(pred)), pred] = sharp
    return proba


predictions = st.integers(2, 6).flatmap(
    lambda c: st.tuples(
        st.just(c),
        hnp.arrays(np.int64, st.integers(1, 60), elements=st.integers(0, c - 1)),
    )
)


# -- stabilizing predictions ------------------------------------------------------------------
@settings(deadline=None, max_examples=60)
@given(predictions, st.integers(1, 5))
def test_identical_predictions_stop_exactly_after_window(case, window):
    c, pred = case
    crit = make_stopping("stabilizing", window=window)
    for i in range(window + 2):
        crit.update(one_hot(pred, c))
        # update i (0-based) has made i comparisons, each kappa 1.
        assert crit.stop == (i >= window), (i, crit.history)
    assert crit.history == [None] + [1.0] * (window + 1)
    assert "stabilised" in crit.reason and f"last {window}" in crit.reason


@settings(deadline=None, max_examples=60)
@given(predictions, st.data())
def test_kappa_matches_scikit_learn_and_is_symmetric(case, data):
    c, a = case
    b = data.draw(hnp.arrays(np.int64, len(a), elements=st.integers(0, c - 1)))
    k = prediction_kappa(a, b, c)
    assert k == pytest.approx(prediction_kappa(b, a, c))
    if np.array_equal(a, b):
        assert k == 1.0
    else:
        # Exactly scikit-learn's value (the round records store it; a run must not change).
        assert k == cohen_kappa_score(a, b, labels=np.arange(c))
        assert -1.0 <= k < 1.0


def test_one_disagreement_in_the_window_keeps_mean_rule_and_breaks_all_rule():
    rng = np.random.default_rng(0)
    pred = rng.integers(0, 4, size=1000)
    flipped = pred.copy()
    flipped[:3] = (flipped[:3] + 1) % 4  # 3 of 1000 change: kappa just under 1
    seq = [pred, pred, flipped, flipped, flipped]  # kappas: 1, k, 1, 1
    mean_rule = make_stopping("stabilizing", threshold=0.99)
    all_rule = make_stopping("stabilizing", threshold=0.998, rule="all")
    for p in seq[:4]:
        mean_rule.update(one_hot(p, 4))
        all_rule.update(one_hot(p, 4))
    k = mean_rule.history[2]
    assert 0.99 < k < 0.998
    assert mean_rule.stop  # mean of (1, k, 1) >= 0.99
    assert not all_rule.stop  # k < 0.998
    all_rule.update(one_hot(seq[4], 4))  # window now (k, 1, 1): k still inside
    assert not all_rule.stop
    all_rule.update(one_hot(seq[4], 4))  # (1, 1, 1)
    assert all_rule.stop


def test_changing_models_never_stabilise():
    rng = np.random.default_rng(1)
    crit = StabilizingPredictions()
    for _ in range(8):
        crit.update(one_hot(rng.integers(0, 3, size=200), 3))
        assert not crit.stop
    assert crit.reason.startswith("Not yet: Cohen's kappa")


# -- classification change --------------------------------------------------------------------
def test_change_on_hand_made_predictions():
    crit = ClassificationChange()
    assert crit.reason == "Not yet: no model has been trained."
    crit.update(one_hot(np.array([0, 1, 2, 1]), 3))
    assert not crit.stop and crit.history == [None]
    crit.update(one_hot(np.array([0, 1, 2, 2]), 3))  # 1 of 4 changed
    assert crit.history[-1] == 0.25 and not crit.stop
    assert "1 of 4" in crit.reason
    crit.update(one_hot(np.array([0, 1, 2, 2]), 3))  # nothing changed
    assert crit.history[-1] == 0.0 and crit.stop
    assert "no prediction on the stop set changed" in crit.reason
    tolerant = make_stopping("change", tolerance=0.25)
    tolerant.update(one_hot(np.array([0, 1, 2, 1]), 3))
    tolerant.update(one_hot(np.array([0, 1, 2, 2]), 3))
    assert tolerant.stop and "only 1 of 4" in tolerant.reason


@settings(deadline=None, max_examples=60)
@given(predictions, st.data())
def test_changed_fraction_counts_changed_rows(case, data):
    c, a = case
    b = data.draw(hnp.arrays(np.int64, len(a), elements=st.integers(0, c - 1)))
    crit = ClassificationChange().update(one_hot(a, c)).update(one_hot(b, c))
    assert crit.value == np.mean(a != b)
    assert crit.stop == bool(np.array_equal(a, b))


# -- overall uncertainty ----------------------------------------------------------------------
@settings(deadline=None, max_examples=60)
@given(
    hnp.arrays(
        np.float64, st.tuples(st.integers(1, 30), st.integers(2, 6)), elements=st.floats(0.01, 1)
    )
)
def test_normalised_entropy_is_between_zero_and_one(raw):
    proba = raw / raw.sum(axis=1, keepdims=True)
    u = normalized_entropy(proba)
    assert ((u >= -1e-12) & (u <= 1 + 1e-12)).all()
    uniform = normalized_entropy(np.full((1, raw.shape[1]), 1.0 / raw.shape[1]))
    assert uniform[0] == pytest.approx(1.0)


def test_uncertainty_stops_when_confident_mean_or_max():
    confident = one_hot(np.array([0, 1, 2, 0]), 3, sharp=0.999)
    crit = OverallUncertainty()
    crit.update(one_hot(np.array([0, 1, 2, 0]), 3, sharp=0.5))
    assert not crit.stop and "needs to fall below 0.05" in crit.reason
    crit.update(confident)
    assert crit.stop and crit.value < 0.05 and "confident" in crit.reason
    mixed = confident.copy()
    mixed[0] = 1.0 / 3  # one row uniform: the mean stays low, the max is 1
    assert OverallUncertainty(threshold=0.3).update(mixed).stop
    strict = OverallUncertainty(threshold=0.3, aggregate="max").update(mixed)
    assert not strict.stop and strict.value == pytest.approx(1.0)


# -- parameters and bad input -----------------------------------------------------------------
def test_registry_builds_validates_and_reprs():
    assert list(STOPPING) == ["stabilizing", "change", "uncertainty"]
    crit = make_stopping("stabilizing", window=4)
    assert crit.get_params() == {"threshold": 0.99, "window": 4, "rule": "mean"}
    assert repr(crit) == "StabilizingPredictions(window=4)"
    for name, params, match in (
        ("nope", {}, "unknown stopping criterion 'nope'; valid: stabilizing"),
        ("stabilizing", {"windw": 3}, "unknown parameter 'windw'"),
        ("stabilizing", {"window": 0}, "window must be an integer >= 1"),
        ("stabilizing", {"threshold": 1.5}, r"threshold must be in \(0, 1\]"),
        ("stabilizing", {"rule": "median"}, "rule must be mean or all"),
        ("change", {"tolerance": -0.1}, r"tolerance must be in \[0, 1\]"),
        ("uncertainty", {"aggregate": "min"}, "aggregate must be mean or max"),
        (
            "uncertainty",
            {"threshold": "low"},
            "threshold=.low. for stopping criterion .uncertainty. must be a number",
        ),
    ):
        with pytest.raises(AnnalError, match=match):
            make_stopping(name, **params)


def test_update_refuses_bad_or_shifting_probabilities():
    crit = make_stopping("change")
    with pytest.raises(AnnalError, match=r"must be \(n_stop, C\)"):
        crit.update(np.ones(3))
    with pytest.raises(AnnalError, match="NaN"):
        crit.update(np.array([[np.nan, 1.0]]))
    crit.update(np.full((4, 2), 0.5))
    with pytest.raises(AnnalError, match="must stay fixed"):
        crit.update(np.full((5, 2), 0.5))
    assert crit.reset().history == [] and not crit.stop


# -- the stop set -----------------------------------------------------------------------------
@settings(deadline=None, max_examples=60)
@given(
    st.lists(st.integers(-(10**12), 10**12), min_size=1, max_size=300, unique=True),
    st.integers(1, 400),
    st.integers(0, 2**31 - 1),
)
def test_stop_set_is_a_deterministic_subset_of_the_ids(ids, size, seed):
    ids = np.array(ids, dtype=np.int64)
    chosen = stop_set(ids, size, seed)
    assert len(chosen) == min(size, len(ids))
    assert np.isin(chosen, ids).all() and len(np.unique(chosen)) == len(chosen)
    assert (np.diff(chosen) > 0).all()
    # Same set + seed -> same ids, whatever the order the ids came in.
    np.testing.assert_array_equal(chosen, stop_set(ids[::-1], size, seed))
    np.testing.assert_array_equal(chosen, stop_set(ids, size, seed))


def test_stop_set_defaults_and_errors():
    ids = np.arange(10_000, dtype=np.int64)
    assert len(stop_set(ids)) == 2000
    assert not np.array_equal(stop_set(ids, 50, 0), stop_set(ids, 50, 1))
    with pytest.raises(AnnalError, match="unique"):
        stop_set(np.array([1, 1, 2]), 2)
    with pytest.raises(AnnalError, match="at least 1"):
        stop_set(ids, 0)


# -- summaries of a run -----------------------------------------------------------------------
def test_first_stops_and_costs_on_hand_made_records():
    recs = [
        {"round": 2, "n_labelled": 30, "f1_macro": 0.7, "stop_stabilizing": True},
        {"round": 0, "n_labelled": 10, "f1_macro": 0.5, "stop_stabilizing": None},
        {"round": 1, "n_labelled": 20, "f1_macro": 0.6, "stop_stabilizing": 1.0},
        {"round": 3, "n_labelled": 40, "f1_macro": 0.8, "stop_uncertainty": True},
    ]
    first = first_stops(recs)
    assert first["stabilizing"]["round"] == 1
    assert first["change"] is None and first["uncertainty"]["round"] == 3
    costs = {c["criterion"]: c for c in stop_costs(recs)}
    assert costs["stabilizing"]["n_labelled"] == 20
    assert costs["stabilizing"]["cost"] == pytest.approx(0.2)
    assert costs["change"]["cost"] is None and costs["change"]["final_score"] == 0.8
    assert costs["uncertainty"]["cost"] == 0.0
    assert stop_costs([]) == []


# -- in the loop ------------------------------------------------------------------------------
def _data(seed=0):
    X, y = blobs(700, 4, seed=seed, spread=0.5)
    return X[:550], y[:550], X[550:], y[550:]


def test_loop_records_every_criterion_from_a_pool_only_stop_set():
    Xp, yp, Xt, yt = _data()
    ids = np.arange(1000, 1000 + len(Xp), dtype=np.int64)
    loop = ActiveLearningLoop("margin", initial=40, budget=30, rounds=6, seed=3, stop_set_size=200)
    recs = loop.run(Xp, yp, Xt, yt, ids=ids)
    first = recs[0]
    assert first.stop_kappa is None and first.stop_changed is None
    assert first.stop_stabilizing is False and first.stop_change is False
    assert 0.0 <= first.stop_entropy <= 1.0
    for r in recs[1:]:
        assert -1.0 <= r.stop_kappa <= 1.0 and 0.0 <= r.stop_changed <= 1.0
        assert isinstance(r.stop_stabilizing, bool) and isinstance(r.stop_uncertainty, bool)
    # The same criteria fed by hand with the model's stop-set probabilities agree: rebuild the
    # stop set the loop drew (from the pool rows unlabelled at round 0).
    init = loop.initial_ids(Xp, ids, n_classes=4, y_pool=yp)
    from annal.al.loop import _STREAM_STOP_SET, derive_seed

    chosen = stop_set(np.setdiff1d(ids, init), 200, derive_seed(3, 0, _STREAM_STOP_SET))
    assert len(chosen) == 200 and not np.isin(chosen, init).any()
    assert np.isin(chosen, ids).all()  # pool rows only: the test rows have no ids here
    # Kappa equals the changed-fraction relation on identical stop sets: 0 changes <=> kappa 1.
    for r in recs[1:]:
        assert (r.stop_changed == 0.0) == (r.stop_kappa == 1.0)


def test_loop_stop_fields_are_deterministic_and_survive_resume():
    Xp, yp, Xt, yt = _data(1)
    loop = ActiveLearningLoop("entropy", initial=30, budget=40, rounds=7, seed=5, stop_set_size=150)
    full = loop.run(Xp, yp, Xt, yt)
    again = loop.run(Xp, yp, Xt, yt)
    resumed = loop.run(Xp, yp, Xt, yt, resume=[r.as_dict() for r in full[:4]])
    timing = ("fit_s", "query_s", "eval_s")

    def strip(r: RoundRecord) -> dict:
        return {k: v for k, v in r.as_dict().items() if k not in timing}

    assert [strip(r) for r in again] == [strip(r) for r in full]
    assert [strip(r) for r in resumed] == [strip(r) for r in full]


def test_loop_without_criteria_and_with_custom_ones():
    Xp, yp, Xt, yt = _data(2)
    off = ActiveLearningLoop("random", initial=30, budget=30, rounds=2, stopping=()).run(
        Xp, yp, Xt, yt
    )
    assert all(r.stop_kappa is None and r.stop_stabilizing is None for r in off)
    loose = ActiveLearningLoop(
        "random",
        initial=30,
        budget=30,
        rounds=4,
        stopping=[StabilizingPredictions(threshold=0.01, window=1), "change"],
    ).run(Xp, yp, Xt, yt)
    assert [r.stop_stabilizing for r in loose] == [False] + [
        r.stop_kappa >= 0.01 for r in loose[1:]
    ]
    assert all(r.stop_uncertainty is None for r in loose)  # not observed
    with pytest.raises(AnnalError, match="given twice"):
        ActiveLearningLoop("random", stopping=["change", "change"]).run(Xp, yp, Xt, yt)
    with pytest.raises(AnnalError, match="window must be"):
        ActiveLearningLoop("random", stopping=[StabilizingPredictions(window=0)]).run(
            Xp, yp, Xt, yt
        )
