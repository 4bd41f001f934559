"""Classifiers, probabilities over the global class list, metrics and the split."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.linear_model import SGDClassifier
from sklearn.naive_bayes import GaussianNB
from sklearn.svm import LinearSVC

from annal.al import CLASSIFIERS, LabelledModel, make_classifier, stratified_split
from annal.al.metrics import evaluate_predictions, labelled_set_metrics
from annal.errors import AnnalError

from .conftest import blobs


@pytest.mark.parametrize("name", CLASSIFIERS)
def test_every_classifier_maps_probabilities_onto_all_classes(name):
    X, y = blobs(120, 5, dim=8, seed=1)
    keep = np.isin(y, [0, 2, 3])  # classes 1 and 4 absent from the labelled set
    model = LabelledModel(make_classifier(name, seed=0), n_classes=5).fit(X[keep], y[keep])
    proba = model.predict_proba(X)
    assert proba.shape == (120, 5) and proba.dtype == np.float32
    np.testing.assert_allclose(proba.sum(1), 1.0, atol=1e-5)
    assert (proba[:, [1, 4]] == 0).all()
    assert set(model.predict(X).tolist()) <= {0, 2, 3}
    assert (model.predict(X[keep]) == y[keep]).mean() > 0.8


def test_single_class_labelled_set_and_tiny_classes_work():
    X, y = blobs(40, 3, dim=6, seed=2)
    one = LabelledModel(make_classifier("sgd"), 3).fit(X[:5], np.full(5, 2))
    assert (one.predict_proba(X)[:, 2] == 1).all() and (one.predict(X) == 2).all()
    # a class with one example: calibrated SVM still fits
    y_small = np.array([0] * 10 + [1] * 10 + [2])
    svm = LabelledModel(make_classifier("linear-svm"), 3).fit(X[:21], y_small)
    assert svm.predict_proba(X).shape == (40, 3)


@pytest.mark.parametrize("counts", [(2, 1, 1), (1, 1, 1), (1, 1), (3, 1)])
def test_linear_svm_fits_fewer_rows_than_calibration_folds(counts):
    """Issue 10: with a one-row class and fewer than five rows in all, the calibration's
    default five folds raised a traceback."""
    X, _ = blobs(40, 3, dim=6, seed=4)
    y = np.repeat(np.arange(len(counts)), counts)
    model = LabelledModel(make_classifier("linear-svm"), 3).fit(X[: len(y)], y)
    proba = model.predict_proba(X)
    assert proba.shape == (40, 3) and np.isfinite(proba).all()
    np.testing.assert_allclose(proba.sum(1), 1.0, atol=1e-5)


def test_custom_estimators_and_errors():
    est = make_classifier(GaussianNB(), seed=3)
    assert isinstance(est, GaussianNB)
    assert make_classifier(SGDClassifier(loss="log_loss"), seed=11).random_state == 11
    with pytest.raises(AnnalError, match="predict_proba"):
        make_classifier(LinearSVC())
    with pytest.raises(AnnalError, match="valid: sgd, sgd-sklearn, logreg"):
        make_classifier("xgb")


def test_sgd_sklearn_is_a_fresh_bounded_fit_without_early_stopping():
    sgd = make_classifier("sgd-sklearn", seed=0)
    assert sgd.loss == "log_loss" and not sgd.early_stopping and sgd.max_iter <= 100
    X, y = blobs(100, 3, dim=8, seed=3)
    a = LabelledModel(sgd, 3).fit(X, y)
    b = LabelledModel(sgd, 3).fit(X, y)
    assert a.fitted_ is not b.fitted_ and a.fitted_ is not sgd
    np.testing.assert_array_equal(a.predict_proba(X), b.predict_proba(X))


def test_metrics_match_definitions():
    y_true = np.array([0, 0, 1, 1, 2, 2])
    y_pred = np.array([0, 1, 1, 1, 2, 0])
    m = evaluate_predictions(y_true, y_pred, n_classes=4)
    assert m["accuracy"] == pytest.approx(4 / 6)
    assert m["recall_per_class"] == pytest.approx([0.5, 1.0, 0.5, 0.0])
    assert m["recall_macro"] == pytest.approx(2 / 3)
    assert len(m["f1_per_class"]) == 4
    assert labelled_set_metrics(np.array([3, 3, 3, 1])) == {
        "classes_covered": 2,
        "imbalance_ratio": 3.0,
    }
    assert labelled_set_metrics(np.array([], dtype=int))["classes_covered"] == 0


@settings(deadline=None, max_examples=60)
@given(
    n=st.integers(1, 60),
    n_classes=st.integers(1, 8),
    seed=st.integers(0, 10**6),
    agree=st.floats(0.0, 1.0),
)
def test_metrics_equal_sklearns(n, n_classes, seed, agree):
    """The numpy confusion counts give scikit-learn's numbers (zero_division=0), including
    classes only predicted, only true, or absent."""
    from sklearn.metrics import accuracy_score, precision_recall_fscore_support

    rng = np.random.default_rng(seed)
    y_true = rng.integers(0, n_classes, n)
    y_pred = np.where(rng.random(n) < agree, y_true, rng.integers(0, n_classes, n))
    m = evaluate_predictions(y_true, y_pred, n_classes)
    p, r, f, _ = precision_recall_fscore_support(y_true, y_pred, average="macro", zero_division=0)
    fw = precision_recall_fscore_support(y_true, y_pred, average="weighted", zero_division=0)[2]
    _, rc, fc, _ = precision_recall_fscore_support(
        y_true, y_pred, labels=np.arange(n_classes), average=None, zero_division=0
    )
    got = [m["accuracy"], m["precision_macro"], m["recall_macro"], m["f1_macro"], m["f1_weighted"]]
    want = [accuracy_score(y_true, y_pred), p, r, f, fw]
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(m["recall_per_class"], rc, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(m["f1_per_class"], fc, rtol=1e-12, atol=1e-15)


def test_stratified_split_keeps_every_class_on_both_sides():
    y = np.array([0] * 50 + [1] * 10 + [2] * 2)
    tr, te = stratified_split(y, test_size=0.2, seed=4)
    assert len(np.intersect1d(tr, te)) == 0 and len(tr) + len(te) == len(y)
    assert set(y[tr]) == set(y[te]) == {0, 1, 2}
    assert np.array_equal(stratified_split(y, 0.2, 4)[1], te)
    assert not np.array_equal(stratified_split(y, 0.2, 5)[1], te)
    with pytest.raises(AnnalError):
        stratified_split(y, test_size=1.5)


def test_sgd_sklearn_threads_follow_the_thread_budget_and_do_not_change_the_model():
    from threadpoolctl import threadpool_limits

    from annal.al.models import SGD_MAX_ITER, SGD_PATIENCE, thread_budget

    sgd = make_classifier("sgd-sklearn")
    assert sgd.max_iter == SGD_MAX_ITER < 30 and sgd.n_iter_no_change == SGD_PATIENCE
    assert sgd.tol is not None  # the patience only acts with a tolerance
    with threadpool_limits(limits=1, user_api="blas"):
        assert thread_budget() == 1 and make_classifier("sgd-sklearn").n_jobs == 1
    X, y = blobs(300, 6, dim=16, seed=5)
    one = make_classifier("sgd-sklearn", seed=2).set_params(n_jobs=1)
    two = make_classifier("sgd-sklearn", seed=2).set_params(n_jobs=2)
    a, b = LabelledModel(one, 6).fit(X, y), LabelledModel(two, 6).fit(X, y)
    np.testing.assert_array_equal(a.fitted_.coef_, b.fitted_.coef_)
    np.testing.assert_array_equal(a.predict_proba(X), b.predict_proba(X))


def test_lda_is_sklearns_shrunk_lda_and_copes_with_one_row_per_class():
    from sklearn.discriminant_analysis import LinearDiscriminantAnalysis

    X, y = blobs(200, 4, dim=12, seed=6)
    ours = LabelledModel(make_classifier("lda"), 4).fit(X, y).predict_proba(X)
    ref = LinearDiscriminantAnalysis(solver="lsqr", shrinkage="auto").fit(X, y).predict_proba(X)
    np.testing.assert_allclose(ours, ref, rtol=1e-4, atol=1e-6)
    # one row per class: LDA is undefined, the nearest class mean decides
    rows = np.array([np.flatnonzero(y == c)[0] for c in (3, 0, 2)])
    model = LabelledModel(make_classifier("lda"), 4).fit(X[rows], y[rows])
    proba = model.predict_proba(X)
    np.testing.assert_allclose(proba.sum(1), 1.0, atol=1e-5)
    assert (proba[:, 1] == 0).all()
    assert (model.predict(X[rows]) == y[rows]).all()
    dist = ((X[:, None, :] - X[rows][None, :, :]) ** 2).sum(-1)
    np.testing.assert_array_equal(model.predict(X), y[rows][dist.argmin(1)])


@settings(deadline=None, max_examples=25)
@given(
    n=st.integers(8, 120),
    d=st.integers(1, 40),
    n_classes=st.integers(2, 6),
    seed=st.integers(0, 10**6),
    constant=st.booleans(),
)
def test_lda_equals_sklearns_lsqr_auto_estimator(n, d, n_classes, seed, constant):
    from sklearn.discriminant_analysis import LinearDiscriminantAnalysis

    rng = np.random.default_rng(seed)
    y = rng.integers(0, n_classes, n)
    y[: n_classes + 1] = np.arange(n_classes + 1) % n_classes  # every class, more rows than classes
    centres = rng.normal(scale=2.0, size=(n_classes, d))
    X = (centres[y] + rng.normal(size=(n, d))).astype(np.float32)
    if constant:
        X[:, 0] = 0.1  # a constant feature (standardised with scale 1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = LinearDiscriminantAnalysis(solver="lsqr", shrinkage="auto").fit(X, y)
    ours = make_classifier("lda").fit(X, y)
    np.testing.assert_allclose(ours.predict_proba(X), ref.predict_proba(X), rtol=1e-3, atol=2e-5)
