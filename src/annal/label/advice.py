"""Stopping advice for a person: the criteria of :mod:`annal.al.stopping` replayed over a
project's fits.

Each fit stores the model's probabilities on the project's fixed stop set (a random sample of the
rows unlabelled when the project was made). The advice replays every criterion over the fits
since the label set last changed (adding a label changes the probabilities' shape, so the
criteria start again) and reports each one's decision and sentence. Advice only: nothing stops.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from annal.al.stopping import default_criteria


def advise(history: Sequence[np.ndarray]) -> list[dict]:
    """Every default criterion's verdict after the fits whose stop-set probabilities are given.

    Parameters
    ----------
    history : sequence of np.ndarray, each (n_stop, C)
        Stop-set probabilities of successive fits, oldest first.

    Returns
    -------
    list of dict
        ``{"name", "stop", "reason", "value"}`` per criterion (stabilising predictions, change,
        uncertainty); empty without history.
    """
    history = [np.asarray(p) for p in history]
    if not history:
        return []
    # Only the latest run of fits with the same shape (same stop set, same label set) counts.
    start = len(history) - 1
    while start > 0 and history[start - 1].shape == history[-1].shape:
        start -= 1
    out = []
    for crit in default_criteria():
        for proba in history[start:]:
            crit.update(proba)
        out.append(
            {"name": crit.name, "stop": bool(crit.stop), "reason": crit.reason, "value": crit.value}
        )
    return out
