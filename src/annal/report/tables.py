"""The report's tables, as small pandas frames of formatted strings.

Table 1: initialisation x sampling strategy, final macro F1 and recall (per dataset and the
mean over datasets). Table 2: sampling strategy x dataset, final macro F1 and recall, with a
Mean column. Plus the area under every learning curve and the paired differences to the
baseline strategy that are larger than their 95% confidence intervals.

A Mean column is the mean over every dataset x seed run with its 95% interval (Student t over
those runs), so it has an interval even where the datasets differ in size.
"""

from __future__ import annotations

import math

import pandas as pd

from annal.report.stats import curve_areas, final_rounds, mean_ci, paired_differences, summarise

TABLE_METRICS = {"f1_macro": "F1", "recall_macro": "Recall"}
AUC_METRICS = {
    "accuracy": "Accuracy",
    "f1_macro": "F1",
    "precision_macro": "Precision",
    "recall_macro": "Recall",
}


def fmt(mean: float, ci: float = float("nan")) -> str:
    """``0.732 ± 0.012`` (or ``0.732`` without an interval, ``–`` for no value)."""
    if mean is None or math.isnan(mean):
        return "–"
    return f"{mean:.3f}" if ci is None or math.isnan(ci) else f"{mean:.3f} ± {ci:.3f}"


def _means(per_seed: pd.DataFrame, value: str) -> dict[tuple[str, str, str], tuple[float, float]]:
    s = summarise(per_seed, value)
    return {(r.dataset, r.strategy, r.init): (r.mean, r.ci) for r in s.itertuples()}


def _pooled(
    per_seed: pd.DataFrame, value: str, datasets: list[str]
) -> dict[tuple[str, str], tuple[float, float]]:
    """``(strategy, init) -> (mean, ci)`` over every dataset x seed run in ``datasets``."""
    sub = per_seed[per_seed["dataset"].isin(datasets)]
    return {
        key: mean_ci(g[value].to_numpy()) for key, g in sub.groupby(["strategy", "init"], sort=True)
    }


def table2(
    rounds: pd.DataFrame, strategies: list[str], datasets: list[str], init: str
) -> pd.DataFrame:
    """Strategy x dataset, final macro F1 and recall (mean ± 95% CI over seeds) + Mean column.

    The Mean column is the mean over every dataset x seed run, ± its 95% interval.
    """
    final = final_rounds(rounds)
    rows = []
    nan2 = (float("nan"),) * 2
    for strategy in strategies:
        for metric, label in TABLE_METRICS.items():
            m, pooled = _means(final, metric), _pooled(final, metric, datasets)
            cells = [m.get((d, strategy, init), nan2) for d in datasets]
            mean = pooled.get((strategy, init), nan2)
            rows.append([strategy, label, *(fmt(*c) for c in cells), fmt(*mean)])
    return pd.DataFrame(rows, columns=["Sampling", "Metric", *datasets, "Mean"])


def table1(
    rounds: pd.DataFrame, inits: list[str], strategies: list[str], datasets: list[str]
) -> pd.DataFrame:
    """Initialisation x strategy, final macro F1 and recall over ``datasets``.

    Each cell is the mean over every dataset x seed run ± its 95% interval (with one dataset,
    the mean over seeds).
    """
    final = final_rounds(rounds[rounds["dataset"].isin(datasets)])
    rows = []
    nan2 = (float("nan"),) * 2
    for init in inits:
        for metric, label in TABLE_METRICS.items():
            pooled = _pooled(final, metric, datasets)
            rows.append([init, label, *(fmt(*pooled.get((s, init), nan2)) for s in strategies)])
    return pd.DataFrame(rows, columns=["Initialisation", "Metric", *strategies])


def auc_table(
    rounds: pd.DataFrame, pairs: list[tuple[str, str]], datasets: list[str]
) -> pd.DataFrame:
    """Normalised area under every learning curve (mean ± 95% CI over seeds) + Mean column
    (over every dataset x seed run)."""
    rows = []
    nan2 = (float("nan"),) * 2
    for metric, label in AUC_METRICS.items():
        areas = curve_areas(rounds, metric)
        m, pooled = _means(areas, "auc"), _pooled(areas, "auc", datasets)
        for strategy, init in pairs:
            cells = [m.get((d, strategy, init), nan2) for d in datasets]
            rows.append(
                [
                    label,
                    strategy,
                    init,
                    *(fmt(*c) for c in cells),
                    fmt(*pooled.get((strategy, init), nan2)),
                ]
            )
    return pd.DataFrame(rows, columns=["Metric", "Sampling", "Init", *datasets, "Mean"])


def differences(rounds: pd.DataFrame, baseline: str) -> tuple[pd.DataFrame, int]:
    """Paired differences to ``baseline`` (same dataset, init, seed) that exceed their CI.

    Compares final macro F1, final macro recall and the F1 curve area.

    Returns
    -------
    table : pd.DataFrame
        The differences whose 95% interval excludes zero, largest first.
    n_compared : int
        How many differences were tested.
    """
    final = final_rounds(rounds)
    parts = [
        ("final F1", paired_differences(final, "f1_macro", baseline)),
        ("final recall", paired_differences(final, "recall_macro", baseline)),
        ("F1 curve area", paired_differences(curve_areas(rounds, "f1_macro"), "auc", baseline)),
    ]
    rows, n = [], 0
    for label, d in parts:
        n += len(d)
        for r in d[d["exceeds_ci"]].itertuples():
            rows.append(
                (r.dataset, r.strategy, r.init, label, r.diff, fmt(r.diff, r.ci), r.n_seeds)
            )
    cols = ["Dataset", "Sampling", "Init", "Measure", "_d", f"Difference to {baseline}", "Seeds"]
    out = pd.DataFrame(rows, columns=cols)
    out = out.reindex(out["_d"].abs().sort_values(ascending=False).index).drop(columns="_d")
    return out.reset_index(drop=True), n
