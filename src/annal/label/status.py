"""A project's progress in one dict: what the page's panel and ``annal label status`` show."""

from __future__ import annotations

from annal.label.project import Project


def project_status(project: Project) -> dict:
    """Counts, class histogram, labels per minute, the latest model's estimate and advice.

    Returns
    -------
    dict
        Keys ``n_items``, ``n_labelled``, ``n_skipped``, ``histogram`` (label -> count, button
        order), ``labels``, ``classes_covered``, ``n_classes``, ``labels_per_minute``, ``model``
        (None before the first fit, else ``round``, ``n_labelled``, ``phase``, ``f1``,
        ``f1_lo``, ``f1_hi``, ``cv_folds``), ``advice`` (one dict per stopping criterion:
        ``name``, ``stop``, ``reason``, ``value``), ``strategy``, ``retrain_every``.
    """
    store = project.store
    counts = store.counts()
    last = store.last_round()
    model = None
    if last is not None:
        keys = ("round", "n_labelled", "phase", "f1", "f1_lo", "f1_hi", "cv_folds")
        model = {k: last[k] for k in keys}
    return {
        **counts,
        "labels": list(counts["histogram"]),
        "labels_per_minute": round(store.labels_per_minute(), 1),
        "model": model,
        "advice": [] if last is None else last["advice"],
        "strategy": project.config.strategy,
        "retrain_every": project.config.retrain_every,
    }
