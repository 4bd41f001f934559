"""``lda``: linear discriminant analysis with Ledoit-Wolf shrinkage, the fast closed-form one."""

from __future__ import annotations

import warnings

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin

from annal.al.classifiers.base import Classifier


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


class LDA(Classifier):
    """:class:`ShrunkLDA`, within about a point of ``sgd``'s macro-F1 (see BENCHMARKS.md)."""

    name = "lda"

    def estimator(self, seed: int) -> ShrunkLDA:  # noqa: D102
        return ShrunkLDA()
