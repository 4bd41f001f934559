"""The strategy protocol: an estimator-like object whose ``select`` returns unlabelled ids.

A strategy's constructor only stores its parameters; :meth:`Strategy.select` does the work and
returns exactly ``min(budget, n_unlabelled)`` unique ids of unlabelled rows. Subclasses
implement :meth:`Strategy._select`, which returns row positions into the state's pool.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

import numpy as np

from annal.al.state import PoolState
from annal.registry import Component


class Strategy(Component):
    """Base class of every query strategy (see module docstring).

    A new strategy is a subclass with a registry ``name``, a constructor that only stores its
    (annotated) parameters, and :meth:`_select`; one line in
    :data:`annal.al.strategies.STRATEGY_CLASSES` registers it.
    """

    #: Whether the strategy needs the classifier's probabilities.
    needs_proba: bool = False

    #: Builds a registered strategy from its name, for strategies that wrap another one by name
    #: (``class-balanced?base=entropy``). :mod:`annal.al.registry` sets it when it is imported
    #: (importing any strategy imports :mod:`annal.al` first), so a wrapper never imports the
    #: registry that imports it.
    by_name: ClassVar[Callable[[str], Strategy]]

    def select(self, state: PoolState, budget: int, seed: int = 0) -> np.ndarray:
        """Pick the next batch.

        Parameters
        ----------
        state : PoolState
            The pool this round.
        budget : int
            How many to pick; fewer only when fewer are unlabelled.
        seed : int
            Seed of every random choice; the same state and seed give the same ids.

        Returns
        -------
        np.ndarray of int64, shape (min(budget, n_unlabelled),)
            Unique ids of unlabelled rows.

        Raises
        ------
        AnnalError
            A parameter value its annotation or :meth:`check_params` refuses (a strategy built
            by :func:`annal.al.make_strategy` was already checked then).
        """
        self.check_params()
        return state.ids[self.positions(state, budget, np.random.default_rng(seed))]

    def positions(self, state: PoolState, budget: int, rng: np.random.Generator) -> np.ndarray:
        """Like :meth:`select` but returns row positions into the pool, drawing from ``rng``."""
        k = min(int(budget), state.n_unlabelled)
        if k <= 0:
            return np.empty(0, dtype=np.int64)
        if k == state.n_unlabelled:
            return state.unlabelled_pos.copy()
        pos = np.asarray(self._select(state, k, rng), dtype=np.int64)
        if len(pos) != k or len(np.unique(pos)) != k:
            raise RuntimeError(f"{self!r} returned {len(pos)} rows for a budget of {k}")
        if (state.labelled[pos] | state.excluded[pos]).any():
            raise RuntimeError(f"{self!r} returned a row that is not selectable")
        return pos

    def _select(self, state: PoolState, k: int, rng: np.random.Generator) -> np.ndarray:
        raise NotImplementedError


def top_k(scores: np.ndarray, k: int, rng: np.random.Generator) -> np.ndarray:
    """Indices of the ``k`` highest scores, ties broken by a seeded random order.

    One ``argpartition`` finds the ``k`` highest; only the rows tied with the ``k``-th score
    (the boundary group, usually one row) are drawn at random, and the chosen rows are sorted
    by score with random keys breaking ties. Every tie-break is uniform, as a random
    permutation of all ``n`` rows would give, without paying for one (docs/pitfalls.md #9: a
    fixed order would favour low row numbers).

    Parameters
    ----------
    scores : np.ndarray, shape (n,)
    k : int, 0 <= k <= n
    rng : np.random.Generator

    Returns
    -------
    np.ndarray of int64, shape (k,)
        Highest score first.
    """
    s = np.asarray(scores)
    n = len(s)
    k = min(int(k), n)
    if k <= 0:
        return np.empty(0, dtype=np.int64)
    if k < n:
        part = np.argpartition(s, n - k)[n - k :]  # the k highest, in no order
        kth = s[part].min()
        above = part[s[part] > kth]
        tied = np.flatnonzero(s == kth)  # the boundary group, over all n rows
        need = k - len(above)
        if len(tied) > need:
            tied = rng.choice(tied, size=need, replace=False)
        chosen = np.concatenate([above, tied])
    else:
        chosen = np.arange(n)
    order = np.lexsort((rng.random(len(chosen)), -s[chosen]))
    return chosen[order].astype(np.int64)


def rank_desc(scores: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """All indices ordered by descending score, ties in a seeded random order, int64 (n,)."""
    order = rng.permutation(len(scores))
    return order[np.argsort(-np.asarray(scores)[order], kind="stable")].astype(np.int64)
