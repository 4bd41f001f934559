"""Each report figure is rendered and checked for what can be checked: axis limits follow the
data, tick labels are on every panel and never overlap, colours are keyed by strategy name."""

from __future__ import annotations

import re

import matplotlib.colors as mcolors
import numpy as np
import pytest
from matplotlib.ticker import MaxNLocator

from annal.experiments.store import ResultsStore
from annal.report import figures
from annal.report.palette import FIXED, strategy_color
from annal.report.stats import curves
from annal.report.summary import run_values

ONE_EXPERIMENT = {
    "name": "figs",
    "datasets": ["alpha", "beta"],
    "seeds": 3,
    "protocol": {"initial": 10, "budget": 10, "rounds": 4},
    "experiments": [
        {"name": "e1", "strategies": ["random", "margin", "distance"], "inits": ["random"]},
        {"name": "t1", "strategies": ["random", "distance"], "inits": ["random", "class-coverage"]},
    ],
}


@pytest.fixture
def rounds(tmp_path, filled):
    filled(tmp_path, config=ONE_EXPERIMENT)
    with ResultsStore.existing(tmp_path) as store:
        return store.rounds_frame(), store.datasets()


def _hex(line) -> str:
    return mcolors.to_hex(line.get_color())


def test_learning_curves_fit_the_data_and_label_every_panel(rounds, tick_overlaps):
    frame, _ = rounds
    fig = figures.learning_curves(frame, "alpha", "random", ["margin", "distance", "random"])
    sub = frame[(frame.dataset == "alpha") & (frame.init == "random")]
    for ax, metric in zip(fig.axes, figures.METRICS, strict=True):
        means = curves(sub, metric)["mean"]
        lo, hi = ax.get_ylim()
        span = means.max() - means.min()
        assert means.min() - 0.2 * span <= lo <= means.min()
        assert means.max() <= hi <= means.max() + 0.2 * span
        assert (lo, hi) != (0.0, 1.0)
        assert [t.get_text() for t in ax.get_xticklabels() if t.get_text()]  # every panel
        assert ax.get_xlim() == (sub.n_labelled.min(), sub.n_labelled.max())
        colours = {line.get_label(): _hex(line) for line in ax.get_lines()}
        assert colours == {s: strategy_color(s) for s in ("margin", "distance", "random")}
        # 3 seeds: bands drawn, light, behind the lines
        bands = ax.collections
        assert len(bands) == 3 and all(b.get_alpha() <= 0.1 for b in bands)
        assert all(b.get_zorder() < line.get_zorder() for b in bands for line in ax.get_lines())
    assert tick_overlaps(fig) == []


def test_learning_curves_leave_out_bands_from_two_seeds(tmp_path, filled):
    filled(tmp_path, config=ONE_EXPERIMENT | {"seeds": 2})
    with ResultsStore.existing(tmp_path) as store:
        frame = store.rounds_frame()
    fig = figures.learning_curves(frame, "beta", "random")
    assert all(not ax.collections for ax in fig.axes[:4])
    assert "no bands with 2 seeds" in fig._suptitle.get_text()
    figures.png(fig)


def test_paired_difference_plot_covers_every_interval(rounds, tick_overlaps):
    frame, info = rounds
    values = run_values(frame[frame.init == "random"], info)
    fig = figures.paired_difference_plot(values, "random", ["margin", "distance", "random"])
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["margin", "distance"]
    lo, hi = ax.get_xlim()
    assert lo < 0.0 < hi  # the zero line is in view
    for container in ax.containers:  # every marker and its whiskers inside the view
        segs = container.lines[2][0].get_segments() if container.lines[2] else []
        for seg in segs:
            assert lo <= seg[:, 0].min() and seg[:, 0].max() <= hi
    assert any(c.lines[0].get_color() == "black" for c in ax.containers)  # pooled markers
    assert tick_overlaps(fig) == []


def test_label_distribution_names_every_class_in_full(tick_overlaps):
    rng = np.random.default_rng(0)
    classes = [f"a fairly long class name number {i}" for i in range(91)]
    counts = rng.integers(2, 5000, size=91).tolist()
    fig = figures.label_distribution("many", classes, counts)
    ax = fig.axes[0]
    shown = [t.get_text() for t in ax.get_yticklabels()]
    assert sorted(shown) == sorted(classes)  # horizontal bars, every name, never cut
    assert shown[0] == classes[int(np.argmax(counts))]  # largest on top
    assert ax.get_xscale() == "log"  # max/min > 20
    assert tick_overlaps(fig) == []
    few = figures.label_distribution("few", ["x", "y"], [10, 5])
    assert few.axes[0].get_xscale() == "linear"


def test_coverage_has_a_panel_per_init_integer_ticks_and_zooms_in(rounds, tick_overlaps):
    frame, info = rounds
    fig = figures.coverage(frame, "alpha", len(info["alpha"]["classes"]))
    assert [ax.get_title() for ax in fig.axes] == ["init random", "init class-coverage"]
    for ax in fig.axes:
        assert isinstance(ax.yaxis.get_major_locator(), MaxNLocator)
        ticks = [t for t in ax.get_yticks() if ax.get_ylim()[0] <= t <= ax.get_ylim()[1]]
        assert all(float(t).is_integer() for t in ticks)
        assert ax.get_ylim()[1] >= 3  # all 3 classes in view
        assert [t.get_text() for t in ax.get_yticklabels() if t.get_text()]
    # coverage reaches 3 at round 2 (n_labelled 30) everywhere: the x range ends at 40, not 50
    assert fig.axes[0].get_xlim() == (10.0, 40.0)
    assert tick_overlaps(fig) == []


def test_time_per_round_has_a_panel_per_dataset(rounds, tick_overlaps):
    frame, _ = rounds
    fig = figures.time_per_round(frame, ["alpha", "beta"], lambda s, i: f"{s}/{i}")
    titles = [ax.get_title() for ax in fig.axes if ax.get_visible()]
    assert titles == ["alpha", "beta"]
    assert tick_overlaps(fig) == []


def test_strategy_colours_are_fixed_by_name_across_reports(tmp_path, filled):
    """Two reports with different strategies, in a different order, draw margin alike."""
    a, b = tmp_path / "a", tmp_path / "b"
    filled(a, config=ONE_EXPERIMENT)
    other = {k: v for k, v in ONE_EXPERIMENT.items() if k != "experiments"}
    filled(b, config=other | {"strategies": ["distance", "margin", "random"]})
    seen = []
    for run_dir in (a, b):
        with ResultsStore.existing(run_dir) as store:
            frame = store.rounds_frame()
        fig = figures.learning_curves(frame, "alpha", "random")
        seen.append({line.get_label(): _hex(line) for line in fig.axes[0].get_lines()})
        figures.png(fig)
    assert seen[0]["margin"] == seen[1]["margin"] == FIXED["margin"]
    assert seen[0]["distance"] == seen[1]["distance"]


def test_unknown_names_get_a_stable_distinct_colour():
    names = [f"tournament-{i}" for i in range(13)]
    colours = [strategy_color(n) for n in names]
    assert colours == [strategy_color(n) for n in names]
    assert all(re.fullmatch(r"#[0-9a-f]{6}", c) for c in colours)
    assert len(set(colours)) == len(colours)
    assert not set(colours) & set(FIXED.values())
    # never grey (the baseline's colour): saturation kept high
    for c in colours:
        r, g, b = mcolors.to_rgb(c)
        assert max(r, g, b) - min(r, g, b) > 0.15
