"""Per-round metrics: test-set scores (scikit-learn's definitions) and facts about the labelled
set."""

from __future__ import annotations

import numpy as np


def evaluate_predictions(y_true: np.ndarray, y_pred: np.ndarray, n_classes: int) -> dict:
    """Accuracy, macro/weighted F1, macro precision/recall and per-class recall/F1.

    scikit-learn's definitions (``precision_recall_fscore_support`` with ``zero_division=0``,
    ``accuracy_score``), computed from one confusion count in numpy: scikit-learn's three
    calls cost ~20 ms a round in input checks, more than a classifier's predictions. Macro
    averages run over the classes present in ``y_true`` or ``y_pred`` (scikit-learn's default);
    per-class lists cover all ``n_classes`` codes (0 where a class has no support).
    ``tests/al/test_models.py`` checks every value against scikit-learn.

    Parameters
    ----------
    y_true, y_pred : np.ndarray of int, shape (n,)
        Test labels and predictions (codes in ``0 .. n_classes - 1``), n >= 1.
    n_classes : int
        Size of the global class list.

    Returns
    -------
    dict
        Keys ``accuracy``, ``f1_macro``, ``f1_weighted``, ``precision_macro``, ``recall_macro``
        (floats) and ``recall_per_class``, ``f1_per_class`` (lists of ``n_classes`` floats).
    """
    y_true = np.asarray(y_true, dtype=np.int64)
    y_pred = np.asarray(y_pred, dtype=np.int64)
    size = max(int(n_classes), int(y_true.max(initial=-1)) + 1, int(y_pred.max(initial=-1)) + 1)
    support = np.bincount(y_true, minlength=size).astype(np.float64)
    predicted = np.bincount(y_pred, minlength=size).astype(np.float64)
    hit = y_true == y_pred
    tp = np.bincount(y_true[hit], minlength=size).astype(np.float64)

    def ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
        return np.divide(num, den, out=np.zeros_like(num), where=den > 0)

    precision, recall = ratio(tp, predicted), ratio(tp, support)
    f1 = ratio(2.0 * tp, support + predicted)
    present = (support + predicted) > 0
    return {
        "accuracy": float(hit.mean()),
        "f1_macro": float(f1[present].mean()),
        "f1_weighted": float(np.average(f1[present], weights=support[present])),
        "precision_macro": float(precision[present].mean()),
        "recall_macro": float(recall[present].mean()),
        "recall_per_class": recall[:n_classes].tolist(),
        "f1_per_class": f1[:n_classes].tolist(),
    }


def labelled_set_metrics(y_labelled: np.ndarray) -> dict:
    """How many classes the labelled set covers and its imbalance ratio.

    The imbalance ratio is the largest class count over the smallest, among covered classes
    (1.0 for a balanced or single-class set, 0.0 for an empty one).
    """
    _, counts = np.unique(np.asarray(y_labelled), return_counts=True)
    if len(counts) == 0:
        return {"classes_covered": 0, "imbalance_ratio": 0.0}
    return {
        "classes_covered": int(len(counts)),
        "imbalance_ratio": float(counts.max() / counts.min()),
    }


#: The per-class metrics of a round record, one value per class index.
PER_CLASS_FIELDS = ("recall_per_class", "f1_per_class")


def per_class_by_name(values, classes) -> dict[str, float | None]:
    """A per-class list (by class index) as ``{class name: value}``, for files a person reads:
    exports name their classes instead of relying on the reader knowing the class order."""
    if values is None:
        return {}
    return {str(c): (None if v is None else float(v)) for c, v in zip(classes, values, strict=True)}
