"""The Summary: ranking, paired differences, wins/ties/losses, minority recall, the sentence and
the few-seeds caution, from stores filled with known values."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats as sps

from annal.errors import AnnalError
from annal.experiments import parse_config
from annal.experiments.store import ResultsStore
from annal.report import make_report
from annal.report.build import protocol_text
from annal.report.stats import curve_areas
from annal.report.summary import TIE, minority_classes, pairs_needed, summarise_strategies

ONE_EXPERIMENT = {
    "name": "ranked",
    "datasets": ["alpha", "beta"],
    "seeds": 3,
    "protocol": {"initial": 10, "budget": 10, "rounds": 4},
    "strategies": ["random", "margin", "distance"],
}


def _summary(run_dir, baseline="random"):
    with ResultsStore.existing(run_dir) as store:
        rounds, info = store.rounds_frame(), store.datasets()
    return summarise_strategies(rounds, info, baseline=baseline, init="random"), rounds


def test_ranking_and_paired_differences_match_a_hand_computation(tmp_path, filled):
    known = filled(tmp_path, config=ONE_EXPERIMENT)
    s, _ = _summary(tmp_path)
    rows = s.rows.set_index("strategy")
    assert list(s.rows["strategy"]) == ["margin", "distance", "random"]  # SKILL order
    assert s.best == "margin"
    areas = curve_areas(known, "f1_macro").set_index(["dataset", "seed", "strategy"])["auc"]
    diff = (areas.xs("margin", level="strategy") - areas.xs("random", level="strategy")).to_numpy()
    assert len(diff) == 6  # paired over 2 datasets x 3 seeds
    lo, hi = sps.t.interval(0.95, len(diff) - 1, loc=diff.mean(), scale=sps.sem(diff))
    assert rows.loc["margin", "vs_base"] == pytest.approx(diff.mean())
    assert rows.loc["margin", "vs_base_ci"] == pytest.approx((hi - lo) / 2)
    assert rows.loc["distance", "vs_best"] == pytest.approx(-0.06, abs=0.01)
    assert math.isnan(rows.loc["random", "vs_base"]) and math.isnan(rows.loc["margin", "vs_best"])
    # margin is 0.08 better on every pair: 6 wins; the baseline has no W/T/L of its own.
    assert (rows.loc["margin", ["wins", "ties", "losses"]] == [6, 0, 0]).all()
    assert rows.loc["margin", "datasets_best"] == 2
    table = s.table()
    assert table.iloc[0]["Rank"].startswith("★") and table.iloc[0]["Strategy"] == "margin"
    assert table.iloc[2]["W/T/L vs random"] == "–"
    assert table.iloc[0]["Δ vs random [95% CI]"].startswith(f"+{diff.mean():.3f} [")


def test_the_sentence_says_what_the_numbers_support(tmp_path, filled):
    filled(tmp_path, config=ONE_EXPERIMENT)
    s, _ = _summary(tmp_path)
    assert s.sentence.startswith("margin has the largest F1 curve area")
    assert "best on 2 of 2 datasets" in s.sentence
    assert "lead over distance" in s.sentence and "outside the interval" in s.sentence
    assert "wins 6 of 6" in s.sentence
    assert "support margin as the best strategy here (tentatively: 3 seeds)" in s.sentence


def test_a_lead_inside_the_noise_is_called_inside(tmp_path, filled):
    skill = {"random": 0.0, "margin": 0.003, "distance": 0.0}
    filled(tmp_path, config=ONE_EXPERIMENT | {"seeds": 6}, skill=skill, noise=0.05)
    s, _ = _summary(tmp_path)
    assert "inside the interval" in s.sentence
    assert "do not separate" in s.sentence
    # Not resolved: the caution says how many paired runs would be needed (or that none would).
    assert s.caution is not None and "Only" not in s.caution
    assert "paired runs" in s.caution or "too small against its spread" in s.caution


def test_few_seeds_are_said_plainly_with_the_t_factor(tmp_path, filled):
    filled(tmp_path, config=ONE_EXPERIMENT | {"seeds": 2})
    s, _ = _summary(tmp_path)
    assert s.caution.startswith("Only 2 seeds on 2 datasets (4 paired runs)")
    assert f"t = {sps.t.ppf(0.975, 3):.1f}" in s.caution


def test_enough_seeds_and_a_clear_winner_need_no_caution(tmp_path, filled):
    filled(tmp_path, config=ONE_EXPERIMENT | {"seeds": 5})
    s, _ = _summary(tmp_path)
    assert s.caution is None
    assert "tentatively" not in s.sentence


def test_the_baseline_is_configurable(tmp_path, filled):
    filled(tmp_path, config=ONE_EXPERIMENT)
    s, _ = _summary(tmp_path, baseline="margin")
    rows = s.rows.set_index("strategy")
    assert math.isnan(rows.loc["margin", "vs_base"])
    assert rows.loc["random", "vs_base"] == pytest.approx(-0.08, abs=0.01)
    assert (rows.loc["random", ["wins", "ties", "losses"]] == [0, 0, 6]).all()
    assert "no strategy beats the baseline margin" in s.sentence
    paths = make_report(tmp_path, baseline="margin")
    md = paths.markdown.read_text()
    assert "Δ vs margin [95% CI]" in md and "W/T/L vs margin" in md
    with pytest.raises(AnnalError, match="--baseline 'nope'"):
        make_report(tmp_path, baseline="nope")


def test_ties_are_differences_within_the_tolerance(tmp_path, filled):
    skill = {"random": 0.0, "margin": TIE / 4, "distance": -0.05}
    filled(tmp_path, config=ONE_EXPERIMENT, skill=skill, noise=0.0)
    s, _ = _summary(tmp_path)
    rows = s.rows.set_index("strategy")
    assert (rows.loc["margin", ["wins", "ties", "losses"]] == [0, 6, 0]).all()
    assert (rows.loc["distance", ["wins", "ties", "losses"]] == [0, 0, 6]).all()


def test_minority_recall_is_the_final_recall_of_the_rarest_third(tmp_path, filled):
    known = filled(tmp_path, config=ONE_EXPERIMENT)
    s, _ = _summary(tmp_path)
    assert list(minority_classes([50, 20, 5])) == [2]
    assert sorted(minority_classes([40, 40, 30, 2])) == [2, 3]
    final = known[(known["round"] == 4) & (known.strategy == "margin")]
    # recall of class i = f1 + 0.01 i: alpha's rarest is class 2, beta's are classes 2 and 3.
    expect = np.mean(
        [
            f + (0.02 if d == "alpha" else 0.025)
            for f, d in zip(final.f1_macro, final.dataset, strict=True)
        ]
    )
    assert s.rows.set_index("strategy").loc["margin", "minority_recall"] == pytest.approx(expect)


def test_minority_recall_reads_per_class_objects_named_by_class(tmp_path, filled):
    """A store whose per-class recall is a JSON object keyed by class name gives the same."""
    filled(tmp_path, config=ONE_EXPERIMENT)
    s, rounds = _summary(tmp_path)
    with ResultsStore.existing(tmp_path) as store:
        info = store.datasets()
    named = rounds.copy()
    named["recall_per_class"] = [
        {c: v for c, v in zip(info[d]["classes"], json.loads(r), strict=True)}
        for d, r in zip(named.dataset, named.recall_per_class, strict=True)
    ]
    s2 = summarise_strategies(named, info, baseline="random", init="random")
    pd.testing.assert_series_equal(s.rows["minority_recall"], s2.rows["minority_recall"])


@settings(deadline=None, max_examples=40)
@given(
    st.lists(st.floats(-1, 1, allow_nan=False), min_size=2, max_size=10).filter(
        lambda v: np.std(v) > 1e-6 and abs(np.mean(v)) > 1e-3
    )
)
def test_pairs_needed_is_the_smallest_n_whose_interval_resolves_the_gap(diffs):
    d = np.asarray(diffs)
    n = pairs_needed(d)
    mean, sd = abs(d.mean()), d.std(ddof=1)

    def half(k):
        return sps.t.ppf(0.975, k - 1) * sd / math.sqrt(k)

    if n is None:
        assert half(1000) >= mean
    else:
        assert half(n) < mean
        assert n == 2 or half(n - 1) >= mean


def test_protocol_is_described_in_counts_or_fractions():
    counts = parse_config(ONE_EXPERIMENT).protocol
    assert protocol_text(counts) == "initial set 10 texts, 10 texts per round, 4 rounds"
    frac = parse_config(ONE_EXPERIMENT | {"protocol": {"initial": 0.0125, "budget": 0.025}})
    text = protocol_text(frac.protocol)
    assert "0.0125 of each dataset's pool (1.25%)" in text and "fraction" not in text
    assert "0.025 of each dataset's pool (2.5%) per round" in text


def test_the_report_prints_the_budget_the_runs_stored():
    from annal.report.build import stored_protocol_text

    frac = parse_config(ONE_EXPERIMENT | {"protocol": {"initial": 0.0125, "budget": 0.025}})
    runs = pd.DataFrame(
        {"dataset": ["a", "a", "b"], "initial": [25, 25, 50], "budget": [50, 50, 100]}
    ).assign(rounds=20)
    assert stored_protocol_text(runs, frac) == (
        "a: initial set 25 texts, 50 texts per round, 20 rounds; "
        "b: initial set 50 texts, 100 texts per round, 20 rounds "
        "(config: initial set 0.0125 of each dataset's pool (1.25%), "
        "0.025 of each dataset's pool (2.5%) per round, 20 rounds)"
    )
    counts = parse_config(ONE_EXPERIMENT)
    runs = pd.DataFrame({"dataset": ["a"], "initial": [10], "budget": [10], "rounds": [4]})
    assert stored_protocol_text(runs, counts) == protocol_text(counts.protocol)
