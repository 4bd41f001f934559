"""The ANN-bench figures: log axes whose labels never overlap, and series that lie on top of
each other (flat indexes at recall 1.0) told apart."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from annal.annbench.output import overlap_groups, pareto_figure, recall_figure, times_figure
from annal.annbench.run import DEFAULT_KS

SPECS = {
    "exact?threads=1": (1.0, 0.012, 0.020),
    "faiss:flat?metric=cosine&threads=1": (1.0, 0.015, 0.013),
    "faiss:hnsw?M=32&efSearch=64&threads=1": (0.97, 0.031, 0.004),
    "faiss:lsh?nbits=16&threads=1": (0.31, 0.018, 0.009),
    "annoy?trees=5&threads=1": (0.62, 0.044, 0.016),
}


def _frame(ks=DEFAULT_KS) -> pd.DataFrame:
    rows = []
    for spec, (top, build, query) in SPECS.items():
        for k in ks:
            recall = top if top == 1.0 else top * (1 - 0.3 * np.log10(k) / 2)
            rows.append(
                {
                    "index": spec,
                    "k": k,
                    "recall": recall,
                    "build_s": build,
                    "query_s": query,
                    "qps": 1000 / query,
                }
            )
    return pd.DataFrame(rows)


def test_identical_curves_are_named_and_drawn_hollow_on_top(tick_overlaps):
    frame = _frame()
    assert overlap_groups(frame) == {"faiss:flat?metric=cosine&threads=1": "exact?threads=1"}
    fig = recall_figure(frame, "t")
    ax = fig.axes[0]
    lines = {line.get_label(): line for line in ax.get_lines()}
    flat = lines["faiss:flat?metric=cosine&threads=1 (same as exact?threads=1)"]
    exact = lines["exact?threads=1"]
    assert flat.get_markerfacecolor() == "none"
    assert flat.get_markersize() > exact.get_markersize()
    assert ax.get_ylim()[1] > 1.0 and ax.get_ylim()[0] < frame["recall"].min()
    assert tick_overlaps(fig) == []
    shown = [int(t.get_text()) for t in ax.get_xticklabels() if t.get_text()]
    assert shown[0] == 1 and shown[-1] == 100
    plt.close(fig)


@pytest.mark.parametrize("scale", [1.0, 1e-3, 40.0])
def test_log_axes_never_overlap_their_labels(scale, tick_overlaps):
    frame = _frame([1, 10, 100])
    frame[["build_s", "query_s"]] *= scale
    frame["qps"] = 1000 / frame["query_s"]
    for fig in (times_figure(frame, "t", 10), pareto_figure(frame, "t", 10)):
        assert tick_overlaps(fig) == []
        for ax in fig.axes:
            if ax.get_xscale() == "log":
                labels = [t.get_text() for t in ax.get_xticklabels() if t.get_text()]
                assert labels, "a log axis without any label"
        plt.close(fig)


def test_pareto_points_sharing_a_recall_are_told_apart():
    fig = pareto_figure(_frame([1, 10]), "t", 10)
    ax = fig.axes[0]
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert any(lab.startswith("exact?threads=1 (") and "qps" in lab for lab in labels)
    markers = {c.get_label(): c.get_paths()[0].vertices.shape for c in ax.collections}
    assert (
        markers["exact?threads=1 (50,000 qps)"]
        != markers["faiss:flat?metric=cosine&threads=1 (76,923 qps)"]
    )
    plt.close(fig)
