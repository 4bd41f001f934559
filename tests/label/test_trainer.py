"""The project's trainer: cold start, then the strategy; a simulated oracle through a project
gives exactly the rounds of the active-learning loop."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.decomposition import TruncatedSVD
from sklearn.feature_extraction.text import TfidfVectorizer

from annal.al import ActiveLearningLoop, stratified_split
from annal.data.synthetic import demo_table
from annal.label import Project
from annal.label.estimate import cv_macro_f1, macro_f1
from annal.label.simulate import simulate_project
from annal.label.trainer import Trainer


@pytest.fixture(scope="module")
def demo():
    texts, labels = demo_table(seed=0, n=900, n_classes=4, noise=0.0)
    names = sorted(set(labels))
    y = np.array([names.index(v) for v in labels])
    X = TruncatedSVD(24, random_state=0).fit_transform(TfidfVectorizer().fit_transform(texts))
    return X.astype(np.float32), y, names


@pytest.mark.parametrize("strategy", ["margin", "random", "class-balanced"])
def test_simulated_oracle_through_a_project_is_the_loop(tmp_path, demo, strategy):
    X, y, names = demo
    train, test = stratified_split(y, seed=0)
    kw = dict(init="cluster-coverage", initial=40, budget=25, rounds=4, seed=7)
    loop = ActiveLearningLoop(strategy, **kw).run(
        X[train], y[train], X[test], y[test], n_classes=len(names)
    )
    sim = simulate_project(
        tmp_path / "p", X[train], y[train], X[test], y[test], names, strategy=strategy, **kw
    )
    assert [r["phase"] for r in sim] == ["strategy"] * 5
    assert [r["n_labelled"] for r in sim] == [r.n_labelled for r in loop]
    assert [r["f1_macro"] for r in sim] == [r.f1_macro for r in loop]
    # The page's stopping advice watches the same stop set as the loop and says the same.
    names = ("stabilizing", "change", "uncertainty")
    advice = [{a["name"]: a["stop"] for a in r["advice"]} for r in sim]
    assert advice == [{n: getattr(r, f"stop_{n}") for n in names} for r in loop]


def test_cold_start_uses_the_initialiser_until_every_label_has_an_example(tmp_path, demo):
    X, y, names = demo
    sim = simulate_project(
        tmp_path / "p",
        X,
        y,
        X[:50],
        y[:50],
        [*names, "unused"],
        strategy="margin",
        init="random",
        initial=20,
        budget=20,
        rounds=2,
        seed=0,
    )
    # The label nobody gives keeps the project in the initialiser's hands.
    assert [r["phase"] for r in sim] == ["init"] * 3
    project = Project(tmp_path / "p")
    assert project.store.last_round()["phase"] == "init"
    project.store.close()


def test_step_without_labels_queues_the_first_batch_and_fits_nothing(project_dir):
    project = Project(project_dir)
    info = Trainer(project).step()
    assert info["round"] is None and info["queued"] == project.config.initial
    assert project.store.last_round() is None


def test_cv_estimate_has_an_interval_around_it(demo):
    X, y, _ = demo
    est = cv_macro_f1(X[:200], y[:200], "lda", seed=0)
    assert 0.0 <= est["lo"] <= est["f1"] <= est["hi"] <= 1.0
    assert est["folds"] == 5 and est["n"] == 200
    assert cv_macro_f1(X[:3], np.array([0, 1, 2]), "lda", seed=0) is None


def test_macro_f1_matches_scikit_learn():
    from sklearn.metrics import f1_score

    rng = np.random.default_rng(0)
    a, b = rng.integers(0, 5, 300), rng.integers(0, 6, 300)
    assert macro_f1(a, b) == pytest.approx(f1_score(a, b, average="macro"))
