"""The report: statistics, tables and files, from a results store filled with known rounds."""

from __future__ import annotations

import re

import matplotlib.image as mpimg
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats as sps

from annal.errors import AnnalError
from annal.experiments import parse_config
from annal.experiments.runner import open_store
from annal.report import make_report
from annal.report.stats import curve_areas, mean_ci, paired_differences
from annal.report.tables import table2


def test_report_files_hold_every_table_and_figure(tmp_path, filled):
    known = filled(tmp_path, extra_running=True)
    paths = make_report(tmp_path)
    md = paths.markdown.read_text()
    page = paths.html.read_text()
    assert paths.headline.startswith("margin has the largest F1 curve area")
    assert f"**{paths.headline}**" in md  # the Summary's lead sentence
    for title in (
        "Summary",
        "Table 1",
        "Table 2",
        "Area under the learning curves",
        "confidence intervals",
        "Learning curves",
        "Label distribution",
        "Class coverage",
        "Time per round",
    ):
        assert title in md and title in page
    # The Summary first, then the paper's tables, then the detail.
    order = [md.index(h) for h in ("## Summary", "## Table 2", "## Table 1", "## Detail")]
    assert order == sorted(order)
    for name in ("alpha", "beta", "random", "margin", "distance", "class-coverage"):
        assert name in md
    figures = re.findall(r"\]\((figures/[^)]+\.png)\)", md)
    # difference to baseline, time per round, + curves, labels, coverage per dataset
    assert len(figures) == 2 + 3 * 2
    for f in figures:
        img = mpimg.imread(tmp_path / f)
        assert img.shape[0] > 120 and img.shape[1] > 400, f
    # Self-contained: every image inline, nothing fetched from elsewhere.
    assert page.count("src='data:image/png;base64,") == len(figures)
    assert not re.search(r"src=['\"](?!data:)", page)
    # Table 2 cell = mean over seeds of the final-round F1 of that (strategy, dataset).
    final = known[known["round"] == 4]
    sel = final[(final.strategy == "margin") & (final.init == "random") & (final.dataset == "beta")]
    m, ci = mean_ci(sel["f1_macro"].to_numpy())
    assert f"{m:.3f} ± {ci:.3f}" in md
    assert "99.0" not in md  # the unfinished run is not counted
    # Margin's +0.08 over random is far outside its CI on both datasets; it is listed.
    diffs = md.split("larger than their confidence intervals")[1]
    assert re.search(r"\| alpha \| margin \| random \| final F1 \| 0\.08\d", diffs)


def test_table2_mean_column_is_over_every_dataset_and_seed_with_an_interval(tmp_path, filled):
    known = filled(tmp_path)
    t = table2(known, ["random", "margin"], ["alpha", "beta"], "random")
    final = known[(known["round"] == 4) & (known.init == "random")]
    values = final[final.strategy == "margin"]["recall_macro"].to_numpy()
    assert len(values) == 6  # 2 datasets x 3 seeds
    row = t[(t.Sampling == "margin") & (t.Metric == "Recall")].iloc[0]
    assert row["Mean"] == "{:.3f} ± {:.3f}".format(*mean_ci(values))
    assert list(t.columns) == ["Sampling", "Metric", "alpha", "beta", "Mean"]


def test_report_needs_finished_runs(tmp_path, synthetic_config):
    with pytest.raises(AnnalError, match="no results.sqlite"):
        make_report(tmp_path / "missing")
    open_store(tmp_path, parse_config(synthetic_config)).close()
    with pytest.raises(AnnalError, match="no finished run"):
        make_report(tmp_path)


@settings(deadline=None, max_examples=50)
@given(st.lists(st.floats(-10, 10), min_size=2, max_size=12))
def test_mean_ci_matches_scipy_t_interval(values):
    m, h = mean_ci(values)
    v = np.asarray(values)
    assert m == pytest.approx(v.mean())
    if v.std(ddof=1) > 1e-9:
        lo, hi = sps.t.interval(0.95, len(v) - 1, loc=v.mean(), scale=sps.sem(v))
        assert h == pytest.approx((hi - lo) / 2, rel=1e-6)


def test_curve_area_is_the_mean_height_and_paired_differences():
    rounds = pd.DataFrame(
        [
            {
                "dataset": "d",
                "strategy": s,
                "init": "random",
                "seed": seed,
                "round": r,
                "n_labelled": [10, 20, 40][r],
                "f1_macro": y,
            }
            for s, seed, ys in [
                ("random", 0, [0.2, 0.4, 0.4]),
                ("random", 1, [0.2, 0.5, 0.5]),
                ("margin", 0, [0.3, 0.5, 0.5]),
                ("margin", 1, [0.3, 0.6, 0.6]),
                ("noisy", 0, [0.2, 0.6, 0.6]),
                ("noisy", 1, [0.2, 0.3, 0.3]),
            ]
            for r, y in enumerate(ys)
        ]
    )
    areas = curve_areas(rounds, "f1_macro")
    first = areas[(areas.strategy == "random") & (areas.seed == 0)]["auc"].iloc[0]
    assert first == pytest.approx((10 * 0.3 + 20 * 0.4) / 30)
    d = paired_differences(areas, "auc", "random").set_index("strategy")
    assert d.loc["margin", "diff"] == pytest.approx(0.1)
    assert bool(d.loc["margin", "exceeds_ci"])  # the same +0.1 on every seed
    assert not bool(d.loc["noisy", "exceeds_ci"])  # +0.13 and -0.13: no evidence
