"""Classifiers by name, and a fitted model whose probabilities cover every class.

:func:`make_classifier` turns a name (``sgd``, ``lda``, ``logreg``, ``rf``, ``linear-svm``,
``mlp``) or any scikit-learn estimator with ``predict_proba`` into an unfitted estimator with
its seed set.
:class:`LabelledModel` fits a *fresh* clone of it on the current labelled set each round and maps
its probabilities onto the global class list ``0..n_classes-1``: columns of classes the labelled
set lacks are zero, and a labelled set of a single class gives probability one for that class.
"""

from __future__ import annotations

import warnings

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.calibration import CalibratedClassifierCV
from sklearn.ensemble import RandomForestClassifier
from sklearn.exceptions import ConvergenceWarning
from sklearn.frozen import FrozenEstimator
from sklearn.linear_model import LogisticRegression, SGDClassifier
from sklearn.neural_network import MLPClassifier
from sklearn.svm import LinearSVC

from annal._threads import thread_budget
from annal.al.sgd import VectorisedSGD
from annal.errors import AnnalError

CLASSIFIERS = ("sgd", "sgd-sklearn", "logreg", "rf", "linear-svm", "mlp", "lda")
#: Epochs of the ``sgd`` classifiers: at most ``SGD_MAX_ITER``, and it stops once the training
#: loss has not improved by ``tol`` for ``SGD_PATIENCE`` epochs (scikit-learn's default 5 made
#: every fit run 6-8 epochs). Final macro-F1 within 0.3 points of the former 30/5 setting on
#: r8 and banking77 at about a third of the fit time; a patience of 1 lost a point.
SGD_MAX_ITER = 10
SGD_PATIENCE = 2


class ShrunkLDA(ClassifierMixin, BaseEstimator):
    """Linear discriminant analysis with Ledoit-Wolf shrinkage: a fast closed-form classifier.

    scikit-learn's ``LinearDiscriminantAnalysis(solver="lsqr", shrinkage="auto")``, which needs
    more rows than classes; with at most one row per class (a tiny first labelled set) it falls
    back to the nearest class mean (LDA with an identity covariance). Probabilities are float32.
    """

    def fit(self, X: np.ndarray, y: np.ndarray) -> ShrunkLDA:
        """Fit on ``X`` (n, d) float32 and ``y`` (n,) int."""
        from sklearn.discriminant_analysis import LinearDiscriminantAnalysis

        X = np.asarray(X)
        self.classes_, codes = np.unique(y, return_inverse=True)
        if len(X) <= len(self.classes_):
            means = np.zeros((len(self.classes_), X.shape[1]), dtype=np.float32)
            means[codes] = X
            self.lda_ = None
            self.coef_ = means
            self.intercept_ = -0.5 * np.einsum("ij,ij->i", means, means)
            return self
        with warnings.catch_warnings():  # one-row classes: scikit-learn warns, the fit stands
            warnings.simplefilter("ignore", UserWarning)
            self.lda_ = LinearDiscriminantAnalysis(solver="lsqr", shrinkage="auto").fit(X, y)
        return self

    def predict_proba(self, X: np.ndarray) -> np.ndarray:
        """Class probabilities, float32 of shape (n, len(classes_))."""
        if self.lda_ is not None:
            return self.lda_.predict_proba(X).astype(np.float32)
        logits = np.asarray(X, dtype=np.float32) @ self.coef_.T
        logits += self.intercept_
        logits -= logits.max(axis=1, keepdims=True)
        np.exp(logits, out=logits)
        logits /= logits.sum(axis=1, keepdims=True)
        return logits


class CalibratedLinearSVM(ClassifierMixin, BaseEstimator):
    """A linear SVM with sigmoid-calibrated probabilities that copes with tiny classes.

    Cross-validated calibration (``cv = min(3, smallest class size)``) when every class has at
    least two examples, else calibration on the training set itself.

    Parameters
    ----------
    C : float
        Inverse regularisation strength of :class:`~sklearn.svm.LinearSVC`.
    random_state : int or None
        Seed of the SVM solver.
    """

    def __init__(self, C: float = 1.0, random_state: int | None = None) -> None:
        self.C = C
        self.random_state = random_state

    def fit(self, X: np.ndarray, y: np.ndarray) -> CalibratedLinearSVM:
        """Fit the SVM and its calibration on ``X`` (n, d) and ``y`` (n,)."""
        svc = LinearSVC(C=self.C, random_state=self.random_state)
        min_count = int(np.unique(y, return_counts=True)[1].min())
        if min_count >= 2:
            model = CalibratedClassifierCV(svc, method="sigmoid", cv=min(3, min_count))
        else:
            # One "fold" that is the whole training set: the frozen SVM is not refitted, so
            # this is calibration on the training set (the default five folds failed with
            # fewer than five labelled rows).
            every = np.arange(len(y))
            model = CalibratedClassifierCV(
                FrozenEstimator(svc.fit(X, y)), method="sigmoid", cv=[(every, every)]
            )
        with warnings.catch_warnings():  # few-member classes: a known, accepted limitation
            warnings.simplefilter("ignore", UserWarning)
            self.model_ = model.fit(X, y)
        self.classes_ = self.model_.classes_
        return self

    def predict_proba(self, X: np.ndarray) -> np.ndarray:
        """Class probabilities, shape (n, len(classes_))."""
        return self.model_.predict_proba(X)


def make_classifier(
    name_or_estimator: str | BaseEstimator = "sgd", seed: int = 0, params: dict | None = None
) -> BaseEstimator:
    """An unfitted classifier with probabilities, by name or from an estimator.

    Parameters
    ----------
    name_or_estimator : str or estimator
        One of ``sgd`` (:class:`~annal.al.sgd.VectorisedSGD`: the paper's SGD on the log loss,
        one-vs-rest, as mini-batch matrix products; at most ``SGD_MAX_ITER`` epochs with a
        patience of ``SGD_PATIENCE``), ``sgd-sklearn`` (scikit-learn's SGDClassifier with the
        same settings, its one-vs-rest fits threaded over :func:`thread_budget` threads, which
        gives the same model as one thread), ``lda``
        (:class:`ShrunkLDA`, scikit-learn's shrunk LDA, the fast closed-form choice, within about a point of ``sgd``'s
        macro-F1; see BENCHMARKS.md), ``logreg``, ``rf``, ``linear-svm`` (calibrated),
        ``mlp`` (two hidden layers), or a scikit-learn estimator with ``predict_proba``
        (cloned; its ``random_state`` set to ``seed`` when it has one).
    seed : int
        Seed of the estimator's randomness.
    params : dict, optional
        Parameters of a named classifier (its constructor's, e.g. ``{"epochs": 5}`` for
        ``sgd``), checked now: an unknown name or a bad value is an :class:`AnnalError`.

    Returns
    -------
    estimator
        Unfitted; fit it through :class:`LabelledModel`.
    """
    est = _default_classifier(name_or_estimator, seed)
    if params:
        est = _with_params(est, str(name_or_estimator), dict(params))
    return est


def _with_params(est: BaseEstimator, name: str, params: dict) -> BaseEstimator:
    """``est`` rebuilt with ``params`` (its constructor validates them, or scikit-learn's)."""
    from sklearn.utils._param_validation import InvalidParameterError

    valid = sorted(k for k in est.get_params(deep=False) if k != "random_state")
    unknown = sorted(set(params) - set(valid))
    if unknown:
        hint = " (set from the run's seed)" if unknown[0] == "random_state" else ""
        raise AnnalError(
            f"unknown parameter {unknown[0]!r}{hint} for classifier {name!r}; "
            f"valid: {', '.join(valid) or 'none'}"
        )
    try:
        est = type(est)(**{**est.get_params(deep=False), **params})
        if hasattr(est, "_parameter_constraints"):
            est._validate_params()
    except (InvalidParameterError, TypeError) as exc:
        raise AnnalError(f"classifier {name!r}: {exc}") from None
    return est


def _default_classifier(name_or_estimator: str | BaseEstimator, seed: int) -> BaseEstimator:
    if not isinstance(name_or_estimator, str):
        est = clone(name_or_estimator)
        if not hasattr(est, "predict_proba"):
            raise AnnalError(f"classifier {type(est).__name__} has no predict_proba")
        if "random_state" in est.get_params():
            est.set_params(random_state=seed)
        return est
    name = name_or_estimator
    if name == "sgd":
        return VectorisedSGD(epochs=SGD_MAX_ITER, n_iter_no_change=SGD_PATIENCE, random_state=seed)
    if name == "sgd-sklearn":
        # A fresh fit each round must be fast: a bounded number of epochs, no early stopping,
        # the per-class binary fits on the threads this process may use.
        return SGDClassifier(
            loss="log_loss",
            max_iter=SGD_MAX_ITER,
            tol=1e-3,
            n_iter_no_change=SGD_PATIENCE,
            early_stopping=False,
            n_jobs=thread_budget(),
            random_state=seed,
        )
    if name == "lda":
        return ShrunkLDA()
    if name == "logreg":
        return LogisticRegression(max_iter=300, random_state=seed)
    if name == "rf":
        return RandomForestClassifier(n_estimators=200, n_jobs=-1, random_state=seed)
    if name == "linear-svm":
        return CalibratedLinearSVM(random_state=seed)
    if name == "mlp":
        return MLPClassifier(hidden_layer_sizes=(256, 128), max_iter=200, random_state=seed)
    raise AnnalError(f"unknown classifier {name!r}; valid: {', '.join(CLASSIFIERS)}")


class LabelledModel:
    """A classifier fitted on the labelled set, with probabilities over all ``n_classes``.

    Parameters
    ----------
    estimator : estimator
        Unfitted template (see :func:`make_classifier`); :meth:`fit` fits a fresh clone.
    n_classes : int
        Size of the global class list; class codes are ``0..n_classes-1``.
    """

    def __init__(self, estimator: BaseEstimator, n_classes: int) -> None:
        self.estimator = estimator
        self.n_classes = n_classes

    def fit(
        self, X: np.ndarray, y: np.ndarray, *, init: LabelledModel | None = None
    ) -> LabelledModel:
        """Fit a fresh clone on ``X`` (n, d) float32 and ``y`` (n,) int64.

        ``init``, a previous fitted model, warm-starts linear models from its coefficients
        (only as an explicit option; the default is a fresh fit).
        """
        y = np.asarray(y, dtype=np.int64)
        self.present_ = np.unique(y)
        self.fitted_ = None
        if len(self.present_) >= 2:
            est = clone(self.estimator)
            kwargs = _warm_start_kwargs(est, init, self.present_)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ConvergenceWarning)
                self.fitted_ = est.fit(X, y, **kwargs)
        return self

    def predict_proba(self, X: np.ndarray) -> np.ndarray:
        """Probabilities over the global classes, float32 of shape (n, n_classes)."""
        if self.fitted_ is not None and len(self.present_) == self.n_classes:
            # Every class present: the estimator's columns are the global ones, in order.
            return np.asarray(self.fitted_.predict_proba(X), dtype=np.float32)
        out = np.zeros((len(X), self.n_classes), dtype=np.float32)
        if self.fitted_ is None:
            out[:, self.present_[0]] = 1.0
            return out
        out[:, np.asarray(self.fitted_.classes_, dtype=np.int64)] = self.fitted_.predict_proba(X)
        return out

    def predict(self, X: np.ndarray) -> np.ndarray:
        """Predicted class codes (the most probable class), int64 of shape (n,)."""
        return self.predict_proba(X).argmax(axis=1).astype(np.int64)


def _warm_start_kwargs(est: BaseEstimator, init: LabelledModel | None, present: np.ndarray) -> dict:
    """``coef_init``/``intercept_init`` for an SGD model from a previous fit on the same classes."""
    if init is None or init.fitted_ is None or not isinstance(est, SGDClassifier | VectorisedSGD):
        return {}
    prev = init.fitted_
    if not np.array_equal(np.asarray(prev.classes_), present):
        return {}
    return {"coef_init": prev.coef_, "intercept_init": prev.intercept_}
