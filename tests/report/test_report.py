"""The report: statistics, tables and files, from a results store filled with known rounds."""

from __future__ import annotations

import re
import zlib

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats as sps

from annal.errors import AnnalError
from annal.experiments import expand_grid, parse_config
from annal.experiments.runner import open_store
from annal.report import make_report
from annal.report.stats import curve_areas, mean_ci, paired_differences
from annal.report.tables import table2

CONFIG = {
    "name": "synthetic",
    "datasets": ["alpha", "beta"],
    "seeds": 3,
    "protocol": {"initial": 10, "budget": 10, "rounds": 4},
    "experiments": [
        {"name": "e1", "strategies": ["random", "margin", "distance"], "inits": ["random"]},
        {"name": "t1", "strategies": ["random", "distance"], "inits": ["random", "class-coverage"]},
    ],
}
SKILL = {"random": 0.0, "margin": 0.08, "distance": 0.02}


def fill_store(run_dir, *, extra_running: bool = False) -> pd.DataFrame:
    """Write rounds with known values for every cell; returns them as one frame."""
    cfg = parse_config(CONFIG)
    rows = []
    with open_store(run_dir, cfg) as store:
        for name, counts in (("alpha", [50, 20, 5]), ("beta", [40, 40, 30, 2])):
            store.put_dataset(
                name, [f"c{i}" for i in range(len(counts))], counts, {"kept": sum(counts)}
            )
        for cell in expand_grid(cfg):
            rng = np.random.default_rng(zlib.crc32(cell.key.encode()))
            rid = store.ensure_run(cell.key, _fields(cell))
            for r in range(5):
                f1 = 0.3 + 0.1 * r + SKILL[cell.strategy] + rng.normal(0, 0.005)
                rec = {
                    "round": r,
                    "n_labelled": 10 + 10 * r,
                    "accuracy": f1 + 0.2,
                    "f1_macro": f1,
                    "f1_weighted": f1,
                    "precision_macro": f1 + 0.01,
                    "recall_macro": f1 - 0.01,
                    "recall_per_class": [f1] * 3,
                    "f1_per_class": [f1] * 3,
                    "classes_covered": min(3, 1 + r),
                    "imbalance_ratio": 2.0,
                    "fit_s": 0.01,
                    "query_s": 0.02,
                    "selected_ids": list(range(r * 10, r * 10 + 10)),
                }
                store.add_round(rid, rec)
                rows.append(
                    {
                        **rec,
                        "dataset": cell.dataset,
                        "strategy": cell.strategy,
                        "init": cell.init,
                        "seed": cell.seed,
                    }
                )
            store.set_status(rid, "done")
        if extra_running:  # an unfinished run with absurd numbers must not be counted
            rid = store.ensure_run(
                "alpha/margin/random/9", _fields(expand_grid(cfg)[1]) | {"seed": 9}
            )
            store.add_round(rid, {**rec, "round": 4, "f1_macro": 99.0, "recall_macro": 99.0})
            store.set_status(rid, "running")
    return pd.DataFrame(rows)


def _fields(cell) -> dict:
    return {
        "config_hash": "x",
        "dataset": cell.dataset,
        "strategy": cell.strategy,
        "strategy_name": cell.strategy,
        "strategy_params": {},
        "init": cell.init,
        "seed": cell.seed,
        "classifier": "sgd",
        "experiments": [],
        "versions": {},
        "n_pool": 100,
        "n_test": 25,
        "initial": 10,
        "budget": 10,
        "rounds": 4,
        "split_fingerprint": "s",
        "initial_ids": [1, 2],
    }


def test_report_files_hold_every_table_and_figure(tmp_path):
    known = fill_store(tmp_path, extra_running=True)
    paths = make_report(tmp_path)
    md = paths.markdown.read_text()
    page = paths.html.read_text()
    for title in (
        "Table 1",
        "Table 2",
        "Area under the learning curves",
        "confidence intervals",
        "Learning curves",
        "Label distribution",
        "Class coverage and time per round",
    ):
        assert title in md and title in page
    for name in ("alpha", "beta", "random", "margin", "distance", "class-coverage"):
        assert name in md
    figures = re.findall(r"\]\((figures/[^)]+\.png)\)", md)
    assert len(figures) == 2 * 2 + 1  # curves + coverage/time per dataset, label distribution
    for f in figures:
        assert (tmp_path / f).stat().st_size > 1000
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
    diffs = md.split("confidence intervals")[1]
    assert re.search(r"\| alpha \| margin \| random \| final F1 \| 0\.08\d", diffs)


def test_table2_mean_column_is_the_mean_over_datasets(tmp_path):
    known = fill_store(tmp_path)
    t = table2(known, ["random", "margin"], ["alpha", "beta"], "random")
    final = known[(known["round"] == 4) & (known.init == "random")]
    per_ds = final.groupby(["strategy", "dataset"])["recall_macro"].mean()
    row = t[(t.Sampling == "margin") & (t.Metric == "Recall")].iloc[0]
    assert row["Mean"] == f"{per_ds['margin'].mean():.3f}"
    assert list(t.columns) == ["Sampling", "Metric", "alpha", "beta", "Mean"]


def test_report_needs_finished_runs(tmp_path):
    with pytest.raises(AnnalError, match="no results.sqlite"):
        make_report(tmp_path / "missing")
    open_store(tmp_path, parse_config(CONFIG)).close()
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
