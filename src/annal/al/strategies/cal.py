"""CAL: contrastive active learning (Margatina et al., EMNLP 2021).

For every unlabelled row, find its ``n_neighbors`` nearest LABELLED rows with any
:mod:`annal.index` spec and score it by the mean KL divergence ``KL(p(neighbour) || p(row))``
between the classifier's predicted distributions: rows that sit among labelled examples yet are
predicted differently from them (contrastive examples) come first. Paper default: 10 neighbours.
"""

from __future__ import annotations

import numpy as np

from annal.al.state import PoolState
from annal.al.strategies.base import Strategy, top_k
from annal.errors import AnnalError

_EPS = 1e-8  # probabilities are clipped here before the log (a softmax is never exactly 0)
_BLOCK = 4096


def contrastive_scores(
    neighbour_proba: np.ndarray, proba: np.ndarray, valid: np.ndarray
) -> np.ndarray:
    """Mean ``KL(neighbour || row)`` per row.

    Parameters
    ----------
    neighbour_proba : np.ndarray, shape (u, k, c)
        Predicted distributions of each row's neighbours.
    proba : np.ndarray, shape (u, c)
        Predicted distribution of each row.
    valid : np.ndarray of bool, shape (u, k)
        Which neighbour slots are real (an approximate index may pad).

    Returns
    -------
    np.ndarray of float64, shape (u,)
        0 for a row without neighbours.
    """
    q = np.clip(neighbour_proba.astype(np.float64), _EPS, None)
    p = np.clip(proba.astype(np.float64), _EPS, None)
    kl = np.einsum("ukc,ukc->uk", q, np.log(q) - np.log(p)[:, None, :])
    kl = np.where(valid, kl, 0.0)
    return kl.sum(axis=1) / np.maximum(valid.sum(axis=1), 1)


class ContrastiveSampling(Strategy):
    """The unlabelled rows whose predictions differ most from their labelled neighbours'.

    Parameters
    ----------
    n_neighbors : int
        Labelled neighbours per row (paper default 10).
    index : str
        An :mod:`annal.index` spec for the neighbour search (default exact cosine).
    """

    name = "cal"
    needs_proba = True

    def __init__(self, n_neighbors: int = 10, index: str = "exact?metric=cosine") -> None:
        self.n_neighbors = n_neighbors
        self.index = index

    def scores(self, state: PoolState) -> np.ndarray:
        """Contrastive score of every selectable row, float64 (u,)."""
        from annal.index import make_index

        if int(self.n_neighbors) < 1:
            raise AnnalError(f"cal n_neighbors must be >= 1, got {self.n_neighbors!r}")
        unl, lab = state.unlabelled_pos, state.labelled_pos
        if len(lab) == 0:
            return np.zeros(len(unl))
        index = make_index(str(self.index)).build(state.X[lab])
        lab_proba, proba = state.labelled_proba(), state.proba()
        out = np.empty(len(unl))
        for start in range(0, len(unl), _BLOCK):
            block = slice(start, start + _BLOCK)
            _, nbr = index.search(state.X[unl[block]], int(self.n_neighbors))
            valid = nbr >= 0
            out[block] = contrastive_scores(lab_proba[np.maximum(nbr, 0)], proba[block], valid)
        return out

    def _select(self, state: PoolState, k: int, rng: np.random.Generator) -> np.ndarray:
        return state.unlabelled_pos[top_k(self.scores(state), k, rng)]
