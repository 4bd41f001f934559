"""Statistics over seeds: means with 95% confidence intervals, curve areas, paired differences.

Seeds are the replicates. For one dataset and seed every strategy shares the split and the
initial set, so strategy differences are *paired* by seed: the confidence interval of a
difference is that of the per-seed differences (Student t, ``n - 1`` degrees of freedom).
"""

from __future__ import annotations

import functools

import numpy as np
import pandas as pd
from scipy import stats

KEYS = ["dataset", "strategy", "init"]


@functools.lru_cache(maxsize=256)
def t_quantile(q: float, df: int) -> float:
    """Student t's ``q`` quantile with ``df`` degrees of freedom (scipy.stats), kept per
    ``(q, df)``: a report asks for the same few thousands of times, at ~0.5 ms a call."""
    return float(stats.t.ppf(q, df))


def mean_ci(values: np.ndarray, level: float = 0.95) -> tuple[float, float]:
    """Mean and half-width of its ``level`` confidence interval (Student t).

    Parameters
    ----------
    values : array-like of float, shape (n,)
        One value per seed (NaNs ignored).

    Returns
    -------
    mean, half_width : float
        ``half_width`` is NaN with fewer than two values.
    """
    v = np.asarray(values, dtype=float)
    v = v[~np.isnan(v)]
    if len(v) == 0:
        return float("nan"), float("nan")
    mean = float(v.mean())
    if len(v) < 2:
        return mean, float("nan")
    sem = float(v.std(ddof=1)) / np.sqrt(len(v))
    return mean, float(t_quantile(0.5 + level / 2, len(v) - 1) * sem)


def curves(rounds: pd.DataFrame, metric: str) -> pd.DataFrame:
    """Mean learning curve with a 95% band per (dataset, strategy, init, round).

    Parameters
    ----------
    rounds : pd.DataFrame
        One row per (dataset, strategy, init, seed, round) with ``n_labelled`` and ``metric``.

    Returns
    -------
    pd.DataFrame
        Columns ``dataset, strategy, init, round, n_labelled, mean, ci, n_seeds``.
    """
    rows = []
    for key, g in rounds.groupby([*KEYS, "round"], sort=True):
        m, ci = mean_ci(g[metric].to_numpy())
        rows.append((*key, float(g["n_labelled"].mean()), m, ci, len(g)))
    return pd.DataFrame(rows, columns=[*KEYS, "round", "n_labelled", "mean", "ci", "n_seeds"])


def final_rounds(rounds: pd.DataFrame) -> pd.DataFrame:
    """The last stored round of every (dataset, strategy, init, seed) run."""
    idx = rounds.groupby([*KEYS, "seed"])["round"].idxmax()
    return rounds.loc[idx].reset_index(drop=True)


def curve_areas(rounds: pd.DataFrame, metric: str) -> pd.DataFrame:
    """Normalised area under each run's learning curve (``metric`` over labelled count).

    The trapezoid area divided by the span of labelled counts: the curve's mean height, in the
    metric's own units, so it compares across datasets of different sizes.

    Returns
    -------
    pd.DataFrame
        Columns ``dataset, strategy, init, seed, auc``.
    """
    rows = []
    for key, g in rounds.sort_values("round").groupby([*KEYS, "seed"], sort=True):
        x = g["n_labelled"].to_numpy(dtype=float)
        y = g[metric].to_numpy(dtype=float)
        span = x[-1] - x[0]
        auc = float(np.trapezoid(y, x) / span) if len(x) > 1 and span > 0 else float(y[-1])
        rows.append((*key, auc))
    return pd.DataFrame(rows, columns=[*KEYS, "seed", "auc"])


def summarise(per_seed: pd.DataFrame, value: str) -> pd.DataFrame:
    """Mean and 95% CI of ``value`` over seeds per (dataset, strategy, init)."""
    rows = []
    for key, g in per_seed.groupby(KEYS, sort=True):
        m, ci = mean_ci(g[value].to_numpy())
        rows.append((*key, m, ci, len(g)))
    return pd.DataFrame(rows, columns=[*KEYS, "mean", "ci", "n_seeds"])


def paired_differences(per_seed: pd.DataFrame, value: str, baseline: str) -> pd.DataFrame:
    """Each strategy minus ``baseline`` (same dataset, init and seed), mean and 95% CI.

    Returns
    -------
    pd.DataFrame
        Columns ``dataset, strategy, init, diff, ci, n_seeds, exceeds_ci`` where
        ``exceeds_ci`` is True when the interval excludes zero (``|diff| > ci``).
    """
    base = per_seed[per_seed["strategy"] == baseline][["dataset", "init", "seed", value]]
    merged = per_seed[per_seed["strategy"] != baseline].merge(
        base, on=["dataset", "init", "seed"], suffixes=("", "_base")
    )
    rows = []
    for key, g in merged.groupby(KEYS, sort=True):
        d, ci = mean_ci((g[value] - g[f"{value}_base"]).to_numpy())
        rows.append((*key, d, ci, len(g), bool(np.isfinite(ci) and abs(d) > ci)))
    return pd.DataFrame(rows, columns=[*KEYS, "diff", "ci", "n_seeds", "exceeds_ci"])
