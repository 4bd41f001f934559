"""The report's figures (matplotlib, Agg backend).

Each function returns a :class:`matplotlib.figure.Figure` (so tests can inspect its axes);
:func:`png` renders one to PNG bytes and closes it. Colours come from
:mod:`annal.report.palette`, keyed by strategy name, so a strategy looks the same everywhere.

- :func:`paired_difference_plot`: F1 curve area minus the baseline's, per dataset, with 95% CIs.
- :func:`learning_curves`: accuracy, macro F1, precision and recall per labelled count.
- :func:`label_distribution`: texts per class of one dataset, horizontal bars named by class.
- :func:`coverage`: classes covered by the labelled set, one panel per initialisation.
- :func:`time_per_round`: seconds per round by phase, one panel per dataset.
"""

from __future__ import annotations

import io
import math

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.ticker import MaxNLocator  # noqa: E402

from annal.report.palette import strategy_color  # noqa: E402
from annal.report.stats import curves, mean_ci  # noqa: E402

METRICS = {
    "accuracy": "Accuracy",
    "f1_macro": "Macro F1",
    "precision_macro": "Macro precision",
    "recall_macro": "Macro recall",
}
_MARKERS = "os^vDP<>hX*"
_BAND_ALPHA = 0.08
#: Learning-curve bands are drawn from this many seeds on.
MIN_SEEDS_FOR_BANDS = 3


def png(fig: Figure, dpi: int = 110) -> bytes:
    """The figure as PNG bytes; the figure is closed."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, bbox_inches="tight")
    plt.close(fig)
    return buf.getvalue()


def _padded(lo: float, hi: float, frac: float = 0.08, floor: float = 0.0, ceil: float = 1.0):
    span = hi - lo if hi > lo else max(abs(hi), 0.05) * 0.2
    return max(floor, lo - frac * span), min(ceil, hi + frac * span)


def _ordered(strategies, order: list[str] | None) -> list[str]:
    present = list(dict.fromkeys(strategies))
    if order is None:
        return sorted(present)
    return [s for s in order if s in present] + sorted(set(present) - set(order))


def paired_difference_plot(
    values: pd.DataFrame, baseline: str, order: list[str], value: str = "aulc"
) -> Figure:
    """Each strategy's ``value`` minus the baseline's, paired by dataset and seed.

    One row per strategy (``order``, best first); per dataset a marker with its 95% CI over
    seeds, and a black diamond for all datasets x seeds pooled.

    Parameters
    ----------
    values : pd.DataFrame
        Per-run values with ``dataset, strategy, seed`` and ``value``
        (:func:`annal.report.summary.run_values`).
    """
    from annal.report.summary import paired

    datasets = sorted(values["dataset"].unique())
    others = [s for s in order if s != baseline]
    fig, ax = plt.subplots(figsize=(8.5, 1.0 + 0.28 * max(1, len(others)) * (len(datasets) + 1)))
    step = 0.7 / max(1, len(datasets))
    for row, s in enumerate(others):
        for j, d in enumerate(datasets):
            diffs = paired(values[values["dataset"] == d], value, s, baseline)
            if not len(diffs):
                continue
            m, ci = mean_ci(diffs)
            y = row - 0.35 + step * (j + 0.5) if len(datasets) > 1 else row
            ax.errorbar(
                m,
                y,
                xerr=None if math.isnan(ci) else ci,
                fmt=_MARKERS[j % len(_MARKERS)],
                color=strategy_color(s),
                ms=5,
                capsize=2,
                lw=1,
                label=d if row == 0 else None,
            )
        m, ci = mean_ci(paired(values, value, s, baseline))
        if len(datasets) > 1 and not math.isnan(m):
            ax.errorbar(
                m,
                row + 0.42,
                xerr=None if math.isnan(ci) else ci,
                fmt="D",
                color="black",
                ms=6,
                capsize=3,
                lw=1.6,
                label="all datasets × seeds" if row == 0 else None,
            )
    ax.axvline(0.0, color="#444", lw=1)
    ax.set_yticks(np.arange(len(others)), others)
    ax.set_ylim(len(others) - 0.4, -0.6)
    ax.set_xlabel(f"F1 curve area minus {baseline}'s (paired by dataset and seed; 95% CI)")
    ax.grid(axis="x", alpha=0.3)
    ax.set_title(f"Difference to {baseline} per dataset (right of the line = better)")
    # The legend sits a fixed height (in inches) under the axes, however tall the figure is.
    rows = math.ceil((len(datasets) + 1) / 4) if datasets else 0
    bottom = (0.25 + 0.22 * rows) / fig.get_figheight()
    if datasets:
        fig.legend(fontsize=8, loc="lower center", ncols=min(4, len(datasets) + 1))
    fig.tight_layout(rect=(0, bottom, 1, 1))
    return fig


def learning_curves(
    rounds: pd.DataFrame, dataset: str, init: str, order: list[str] | None = None
) -> Figure:
    """Accuracy, macro F1, precision and recall against labelled count, one line per strategy.

    The y-axis of each panel is fitted to the mean curves (not 0-1); the 95% bands over seeds
    are light, behind the lines and clipped to the panel, and left out with fewer than
    :data:`MIN_SEEDS_FOR_BANDS` seeds (a t interval from two values spans most of the panel).

    Parameters
    ----------
    rounds : pd.DataFrame
        Stored rounds (one row per dataset, strategy, init, seed, round).
    dataset, init : str
        Which dataset, and which initialisation's runs to draw.
    order : list of str, optional
        Strategy order of the legend (e.g. the Summary's ranking).
    """
    sub = rounds[(rounds["dataset"] == dataset) & (rounds["init"] == init)]
    n_seeds = int(sub.groupby(["strategy", "round"]).size().min()) if len(sub) else 0
    bands = n_seeds >= MIN_SEEDS_FOR_BANDS
    fig, axes = plt.subplots(2, 2, figsize=(11, 7.5))
    for ax, (metric, title) in zip(axes.ravel(), METRICS.items(), strict=True):
        c = curves(sub, metric)
        for strategy in _ordered(c["strategy"], order):
            g = c[c["strategy"] == strategy]
            x, m, ci = g["n_labelled"], g["mean"], g["ci"].fillna(0.0)
            color = strategy_color(strategy)
            ax.plot(x, m, marker=".", ms=4, lw=1.5, label=strategy, color=color, zorder=3)
            if bands:
                ax.fill_between(x, m - ci, m + ci, color=color, alpha=_BAND_ALPHA, lw=0, zorder=1)
        if len(c):
            ax.set_ylim(*_padded(float(c["mean"].min()), float(c["mean"].max())))
            ax.set_xlim(float(c["n_labelled"].min()), float(c["n_labelled"].max()))
        ax.set_title(title)
        ax.set_xlabel("labelled texts")
        ax.tick_params(labelbottom=True, labelleft=True)
        ax.grid(alpha=0.3)
    handles, labels = axes[0, 0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncols=min(7, max(1, len(labels))), fontsize=9)
    band = "95% bands" if bands else f"no bands with {n_seeds} seed{'s' if n_seeds != 1 else ''}"
    fig.suptitle(f"{dataset}: learning curves (init {init}; mean of {n_seeds} seeds; {band})")
    rows = math.ceil(len(labels) / 7) if labels else 1
    fig.tight_layout(rect=(0, 0.035 * rows + 0.01, 1, 1))
    return fig


def label_distribution(name: str, classes: list[str], counts: list[int]) -> Figure:
    """Texts per class of one dataset: the horizontal bars of
    :func:`annal.data.info.label_distribution_figure` (every class named, largest on top)."""
    from annal.data.info import label_distribution_figure

    return label_distribution_figure(name, classes, counts)


def _coverage_xmax(cov: pd.DataFrame) -> float:
    """The labelled count a little after the last series stops gaining classes."""
    xs = np.sort(cov["n_labelled"].unique())
    last = xs[0]
    for _, g in cov.groupby(["strategy", "init"]):
        g = g.sort_values("n_labelled")
        final = g["mean"].iloc[-1]
        reached = g[g["mean"] >= final - 1e-9]["n_labelled"].iloc[0]
        last = max(last, reached)
    pos = int(np.searchsorted(xs, last))
    return float(xs[min(len(xs) - 1, max(pos + 1, 2))])


def coverage(
    rounds: pd.DataFrame,
    dataset: str,
    n_classes: int | None = None,
    order: list[str] | None = None,
    inits: list[str] | None = None,
) -> Figure:
    """Classes covered by the labelled set per labelled count, one panel per initialisation
    (``inits`` order; default ``random`` first, then by name).

    Integer y ticks; the x range ends a round after the last series stops gaining classes.
    """
    sub = rounds[rounds["dataset"] == dataset]
    cov = curves(sub, "classes_covered")
    present = set(cov["init"])
    if inits is None:
        inits = sorted(present, key=lambda i: (i != "random", i))
    inits = [i for i in inits if i in present]
    fig, axes = plt.subplots(
        1, len(inits), figsize=(4.6 * len(inits) + 1.5, 3.6), squeeze=False, sharey=True
    )
    xmax = _coverage_xmax(cov) if len(cov) else 1.0
    top = n_classes or (int(cov["mean"].max()) if len(cov) else 1)
    for ax, init in zip(axes[0], inits, strict=True):
        c = cov[cov["init"] == init]
        for k, strategy in enumerate(_ordered(c["strategy"], order)):
            g = c[c["strategy"] == strategy]
            ax.plot(
                g["n_labelled"],
                g["mean"],
                marker=_MARKERS[k % len(_MARKERS)],
                ms=4,
                lw=1.4,
                color=strategy_color(strategy),
                label=strategy,
            )
        ax.axhline(top, color="#444", ls=":", lw=1)
        ax.set_xlim(float(cov["n_labelled"].min()), xmax)
        ax.set_ylim(max(0.0, float(cov["mean"].min()) - 1.0), top + 0.6)
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_title(f"init {init}", fontsize=10)
        ax.set_xlabel("labelled texts")
        ax.tick_params(labelleft=True)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7, loc="lower right")
    axes[0, 0].set_ylabel(f"classes covered (of {top})")
    fig.suptitle(f"{dataset}: classes in the labelled set (mean over seeds)")
    fig.tight_layout()
    return fig


def time_per_round(rounds: pd.DataFrame, datasets: list[str], label) -> Figure:
    """Seconds per round by phase (fit, test-set evaluation, query), one panel per dataset.

    ``label(strategy, init)`` names a bar.
    """
    phases = {
        "fit_s": ("fit", "#4c72b0"),
        "eval_s": ("test", "#999999"),
        "query_s": ("query", "#dd8452"),
    }
    phases = {k: v for k, v in phases.items() if k in rounds.columns}
    cols = min(3, max(1, len(datasets)))
    nrows = math.ceil(len(datasets) / cols)
    n_bars = rounds.groupby(["strategy", "init"]).ngroups
    fig, axes = plt.subplots(
        nrows, cols, figsize=(5.2 * cols, (0.9 + 0.24 * n_bars) * nrows + 0.6), squeeze=False
    )
    for ax, d in zip(axes.ravel(), datasets, strict=False):
        sub = rounds[rounds["dataset"] == d]
        t = sub.groupby(["strategy", "init"], sort=True)[list(phases)].mean().fillna(0.0)
        y = np.arange(len(t))
        left = np.zeros(len(t))
        for col, (name, color) in phases.items():
            ax.barh(y, t[col], left=left, color=color, label=name)
            left += t[col].to_numpy()
        ax.set_yticks(y, [label(s, i) for s, i in t.index], fontsize=8)
        ax.set_ylim(len(t) - 0.5, -0.5)
        ax.set_xlabel("seconds per round (mean)")
        ax.set_title(d, fontsize=10)
        ax.grid(axis="x", alpha=0.3)
    for ax in axes.ravel()[len(datasets) :]:
        ax.set_visible(False)
    handles, labels = axes[0, 0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncols=len(labels), fontsize=9)
    fig.tight_layout(rect=(0, 0.06, 1, 1))
    return fig
