"""How good is the model so far? Cross-validated macro-F1 on the labelled set, with an interval.

There is no test set while a person labels, so the page estimates macro-F1 by stratified k-fold
cross-validation on the labelled rows (k = 5, or the smallest class count when lower; classes
with a single example are left out), with a 95% percentile bootstrap interval over the rows'
out-of-fold predictions (:func:`scipy.stats.bootstrap`). Labelled rows chosen by active learning
are not a random sample, so the estimate is biased; the page says how it was computed.
"""

from __future__ import annotations

import warnings

import numpy as np
from scipy.stats import bootstrap
from sklearn.model_selection import StratifiedKFold

from annal.al.models import LabelledModel, make_classifier

FOLDS = 5
RESAMPLES = 200


def macro_f1(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    """Macro-F1 over the classes present in either array (scikit-learn's convention)."""
    classes, codes = np.unique(np.concatenate([y_true, y_pred]), return_inverse=True)
    k = len(classes)
    t, p = codes[: len(y_true)], codes[len(y_true) :]
    tp = np.bincount(t[t == p], minlength=k).astype(float)
    support = np.bincount(t, minlength=k)
    predicted = np.bincount(p, minlength=k)
    denom = support + predicted
    f1 = np.divide(2 * tp, denom, out=np.zeros(k), where=denom > 0)
    return float(f1.mean())


def cv_macro_f1(X: np.ndarray, y: np.ndarray, classifier: str, seed: int) -> dict | None:
    """Cross-validated macro-F1 of ``classifier`` on ``(X, y)`` with a 95% interval.

    Parameters
    ----------
    X : np.ndarray of float32, shape (n, d)
    y : np.ndarray of int, shape (n,)
    classifier : str
        A name for :func:`annal.al.make_classifier`.
    seed : int
        Seed of the folds, the classifier and the bootstrap.

    Returns
    -------
    dict or None
        ``{"f1", "lo", "hi", "folds", "n"}``; None when fewer than two classes have two examples.
    """
    classes, counts = np.unique(y, return_counts=True)
    keep = classes[counts >= 2]
    if len(keep) < 2:
        return None
    mask = np.isin(y, keep)
    Xk, yk = X[mask], y[mask]
    folds = int(min(FOLDS, counts[counts >= 2].min()))
    cv = StratifiedKFold(folds, shuffle=True, random_state=seed)
    n_classes = int(y.max()) + 1
    pred = np.empty_like(yk)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        for fit_rows, held_out in cv.split(Xk, yk):
            model = LabelledModel(make_classifier(classifier, seed), n_classes)
            pred[held_out] = model.fit(Xk[fit_rows], yk[fit_rows]).predict(Xk[held_out])
    f1 = macro_f1(yk, pred)
    res = bootstrap(
        (yk, pred),
        macro_f1,
        paired=True,
        vectorized=False,
        n_resamples=RESAMPLES,
        confidence_level=0.95,
        method="percentile",
        rng=np.random.default_rng(seed),
    )
    lo, hi = res.confidence_interval
    return {"f1": f1, "lo": float(lo), "hi": float(hi), "folds": folds, "n": int(mask.sum())}
