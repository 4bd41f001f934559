"""The report's figures (matplotlib, Agg backend), each returned as PNG bytes.

Learning curves per dataset and metric (mean over seeds, 95% band), label distribution per
dataset, classes covered by the labelled set per round, and time per round by phase.
"""

from __future__ import annotations

import io

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from annal.report.stats import curves  # noqa: E402

METRICS = {
    "accuracy": "Accuracy",
    "f1_macro": "Macro F1",
    "precision_macro": "Macro precision",
    "recall_macro": "Macro recall",
}


_DASHES = ("--", ":", "-.", (0, (5, 1, 1, 1)))


def strategy_colors(strategies: list[str]) -> dict[str, str]:
    """One fixed colour per strategy (config order), the same in every figure."""
    palette = plt.get_cmap("tab10").colors
    return {
        s: matplotlib.colors.to_hex(palette[i % len(palette)]) for i, s in enumerate(strategies)
    }


def _png(fig: plt.Figure) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, bbox_inches="tight")
    plt.close(fig)
    return buf.getvalue()


def _line_label(strategy: str, init: str, baseline_init: str) -> str:
    return strategy if init == baseline_init else f"{strategy} (init {init})"


def learning_curves(rounds: pd.DataFrame, dataset: str, init: str, colors: dict[str, str]) -> bytes:
    """Accuracy, macro F1, precision and recall against labelled count, one line per strategy.

    Parameters
    ----------
    rounds : pd.DataFrame
        Stored rounds (one row per dataset, strategy, init, seed, round).
    dataset, init : str
        Which dataset, and which initialisation's runs to draw.
    colors : dict
        ``strategy -> colour`` (see :func:`strategy_colors`).
    """
    sub = rounds[(rounds["dataset"] == dataset) & (rounds["init"] == init)]
    fig, axes = plt.subplots(2, 2, figsize=(11, 7.5), sharex=True)
    for ax, (metric, title) in zip(axes.ravel(), METRICS.items(), strict=True):
        c = curves(sub, metric)
        for strategy, g in c.groupby("strategy", sort=True):
            x, m, ci = g["n_labelled"], g["mean"], g["ci"].fillna(0.0)
            color = colors.get(strategy)
            ax.plot(x, m, marker=".", lw=1.4, label=strategy, color=color)
            lo, hi = (m - ci).clip(lower=0.0), (m + ci).clip(upper=1.0)
            ax.fill_between(x, lo, hi, color=color, alpha=0.12, lw=0)
        ax.set_ylim(0.0, 1.0)
        ax.set_title(title)
        ax.set_xlabel("labelled texts")
        ax.grid(alpha=0.3)
    n_seeds = sub.groupby(["strategy", "round"]).size().max() if len(sub) else 0
    axes[0, 0].legend(fontsize=8)
    fig.suptitle(f"{dataset}: learning curves (init {init}; mean of {n_seeds} seeds, 95% CI)")
    return _png(fig)


def label_distributions(datasets: dict[str, dict]) -> bytes:
    """Class sizes of every dataset, largest first (log scale), one panel per dataset."""
    names = sorted(datasets)
    cols = min(3, len(names))
    rows = int(np.ceil(len(names) / cols))
    fig, axes = plt.subplots(rows, cols, figsize=(4.2 * cols, 3.2 * rows), squeeze=False)
    for ax, name in zip(axes.ravel(), names, strict=False):
        counts = np.asarray(datasets[name]["class_counts"])
        order = np.argsort(-counts)
        ax.bar(np.arange(len(counts)), counts[order], color="tab:blue")
        ax.set_yscale("log")
        ratio = counts.max() / max(1, counts.min())
        ax.set_title(f"{name}: {len(counts)} classes, max/min {ratio:.1f}", fontsize=9)
        ax.set_xlabel("class (by size)")
        if len(counts) <= 12:
            labels = [str(datasets[name]["classes"][i])[:12] for i in order]
            ax.set_xticks(np.arange(len(counts)), labels, rotation=60, fontsize=7, ha="right")
    for ax in axes.ravel()[len(names) :]:
        ax.set_visible(False)
    fig.tight_layout()
    return _png(fig)


def coverage_and_time(
    rounds: pd.DataFrame, dataset: str, baseline_init: str, colors: dict[str, str]
) -> bytes:
    """Left: classes covered by the labelled set per round. Right: seconds per round by phase
    (classifier fit, test-set prediction, query), mean over rounds and seeds."""
    sub = rounds[rounds["dataset"] == dataset]
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(12, 4.2))
    cov = curves(sub, "classes_covered")
    others = [i for i in dict.fromkeys(cov["init"]) if i != baseline_init]
    styles = {baseline_init: "-"} | {i: _DASHES[k % len(_DASHES)] for k, i in enumerate(others)}
    for (strategy, init), g in cov.groupby(["strategy", "init"], sort=True):
        ax1.plot(
            g["n_labelled"],
            g["mean"],
            ls=styles[init],
            lw=1.3,
            color=colors.get(strategy),
            label=_line_label(strategy, init, baseline_init),
        )
    ax1.set_title("classes covered by the labelled set")
    ax1.set_xlabel("labelled texts")
    ax1.grid(alpha=0.3)
    ax1.legend(fontsize=7)
    phases = {
        "fit_s": ("fit", "tab:blue"),
        "eval_s": ("test", "tab:gray"),
        "query_s": ("query", "tab:orange"),
    }
    t = sub.groupby(["strategy", "init"], sort=True)[list(phases)].mean().fillna(0.0)
    labels = [_line_label(s, i, baseline_init) for s, i in t.index]
    y = np.arange(len(t))
    left = np.zeros(len(t))
    for col, (name, color) in phases.items():
        ax2.barh(y, t[col], left=left, color=color, label=name)
        left += t[col].to_numpy()
    ax2.set_yticks(y, labels, fontsize=7)
    ax2.set_xlabel("seconds per round (mean)")
    ax2.set_title("time per round by phase")
    ax2.legend(fontsize=8, ncols=3, loc="upper center", bbox_to_anchor=(0.5, -0.14))
    fig.suptitle(dataset)
    fig.tight_layout()
    return _png(fig)
