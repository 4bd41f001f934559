"""Per-round metrics: test-set scores (scikit-learn) and facts about the labelled set."""

from __future__ import annotations

import numpy as np
from sklearn.metrics import accuracy_score, precision_recall_fscore_support


def evaluate_predictions(y_true: np.ndarray, y_pred: np.ndarray, n_classes: int) -> dict:
    """Accuracy, macro/weighted F1, macro precision/recall and per-class recall/F1.

    Macro averages run over the classes present in ``y_true`` or ``y_pred`` (scikit-learn's
    default); per-class lists cover all ``n_classes`` codes (0 where a class has no support).

    Parameters
    ----------
    y_true, y_pred : np.ndarray of int, shape (n,)
        Test labels and predictions.
    n_classes : int
        Size of the global class list.

    Returns
    -------
    dict
        Keys ``accuracy``, ``f1_macro``, ``f1_weighted``, ``precision_macro``, ``recall_macro``
        (floats) and ``recall_per_class``, ``f1_per_class`` (lists of ``n_classes`` floats).
    """
    p_mac, r_mac, f_mac, _ = precision_recall_fscore_support(
        y_true, y_pred, average="macro", zero_division=0
    )
    _, _, f_w, _ = precision_recall_fscore_support(
        y_true, y_pred, average="weighted", zero_division=0
    )
    _, r_cls, f_cls, _ = precision_recall_fscore_support(
        y_true, y_pred, labels=np.arange(n_classes), average=None, zero_division=0
    )
    return {
        "accuracy": float(accuracy_score(y_true, y_pred)),
        "f1_macro": float(f_mac),
        "f1_weighted": float(f_w),
        "precision_macro": float(p_mac),
        "recall_macro": float(r_mac),
        "recall_per_class": [float(v) for v in r_cls],
        "f1_per_class": [float(v) for v in f_cls],
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
