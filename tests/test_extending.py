"""README's "Extending annal": a toy strategy, a toy classifier and a toy index backend, each
one class plus one registry line, work everywhere a built-in one does."""

from __future__ import annotations

from typing import Annotated, Any, Literal

import numpy as np
import pytest
from annotated_types import Ge, Gt
from sklearn.naive_bayes import GaussianNB

from annal.al import CLASSIFIERS, STRATEGIES, ActiveLearningLoop, make_classifier, make_strategy
from annal.al.classifiers.base import Classifier
from annal.al.strategies.base import Strategy, top_k
from annal.errors import AnnalError
from annal.index import INDEX_BACKENDS, make_index, parse_spec
from annal.index.base import Metric, VectorIndex


class FarthestFirst(Strategy):
    """The unlabelled rows with the largest norm (the README's example)."""

    name = "farthest-first"

    def __init__(
        self, power: Annotated[int, Ge(1)] = 1, order: Literal["desc", "asc"] = "desc"
    ) -> None:
        self.power = power
        self.order = order

    def _select(self, state, k, rng):
        norms = (state.X[state.unlabelled_pos] ** 2).sum(1) ** self.power
        return state.unlabelled_pos[top_k(norms if self.order == "desc" else -norms, k, rng)]


class NaiveBayes(Classifier):
    """Gaussian naive Bayes (the README's example)."""

    name = "naive-bayes"

    def __init__(self, var_smoothing: Annotated[float, Gt(0)] = 1e-9) -> None:
        self.var_smoothing = var_smoothing

    def estimator(self, seed):
        return GaussianNB(var_smoothing=self.var_smoothing)


class ScanIndex(VectorIndex):
    """A brute-force scan in plain numpy, with one build and one query parameter."""

    name = "scan"
    query_params = ("stride",)

    def __init__(self, metric: Metric = "l2", stride: Annotated[int, Ge(1)] = 1) -> None:
        self.metric = metric
        self.stride = stride

    def _build(self, x: np.ndarray, ids: np.ndarray) -> None:
        self._x, self._pos_ids = x.copy(), ids.copy()

    def _search(self, q: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        if self.metric == "l2":
            d = ((q[:, None, :] - self._x[None, :, :]) ** 2).sum(-1)
        else:
            d = (1.0 if self.metric == "cosine" else 0.0) - q @ self._x.T
        order = np.argsort(d, axis=1, kind="stable")[:, :k]
        return np.take_along_axis(d, order, 1), self._pos_ids[order]

    def _memory_bytes(self) -> int:
        return self._x.nbytes


@pytest.fixture
def registered() -> Any:
    STRATEGIES.register(FarthestFirst)  # the one registry line
    CLASSIFIERS.register(NaiveBayes)
    INDEX_BACKENDS.register(ScanIndex)
    yield
    STRATEGIES.unregister(FarthestFirst.name)
    CLASSIFIERS.unregister(NaiveBayes.name)
    INDEX_BACKENDS.unregister(ScanIndex.name)


def test_a_toy_strategy_is_one_class_and_one_registry_line(registered):
    rng = np.random.default_rng(0)
    X = rng.standard_normal((120, 6)).astype(np.float32)
    y = rng.integers(0, 3, 120)
    strategy = make_strategy("farthest-first", power="2")  # text typed by the annotation
    assert repr(strategy) == "FarthestFirst(power=2, order='desc')"
    records = ActiveLearningLoop(strategy, initial=10, budget=7, rounds=3, seed=1).run(
        X[:100], y[:100], X[100:], y[100:]
    )
    picked = records[0].selected_ids
    unlabelled = np.setdiff1d(
        np.arange(100),
        ActiveLearningLoop(strategy, initial=10, seed=1).initial_ids(
            X[:100], np.arange(100), n_classes=3, y_pool=y[:100]
        ),
    )
    norms = (X[unlabelled] ** 2).sum(1)
    assert sorted(picked) == sorted(unlabelled[np.argsort(-norms)[:7]].tolist())
    with pytest.raises(AnnalError, match="power='0' for strategy 'farthest-first' must be >= 1"):
        make_strategy("farthest-first", power="0")
    with pytest.raises(AnnalError, match="must be one of desc, asc"):
        make_strategy("farthest-first", order="up")


def test_a_toy_classifier_is_one_class_and_one_registry_line(registered, tmp_path):
    from annal.experiments.config import parse_config

    rng = np.random.default_rng(2)
    X = rng.standard_normal((150, 5)).astype(np.float32)
    y = rng.integers(0, 3, 150)
    est = make_classifier("naive-bayes", 0, {"var_smoothing": "1e-3"})  # text typed
    assert isinstance(est, GaussianNB) and est.var_smoothing == 1e-3
    loop = ActiveLearningLoop(
        "margin",
        classifier="naive-bayes",
        classifier_params={"var_smoothing": 1e-3},
        initial=12,
        budget=10,
        rounds=2,
        seed=0,
    )
    records = loop.run(X[:120], y[:120], X[120:], y[120:])
    assert [r.n_labelled for r in records] == [12, 22, 32]
    first = loop.initial_ids(X[:120], np.arange(120), n_classes=3, y_pool=y[:120])
    by_hand = GaussianNB(var_smoothing=1e-3).fit(X[first], y[first]).predict(X[120:])
    assert records[0].accuracy == pytest.approx(float((by_hand == y[120:]).mean()))
    base = {"datasets": ["demo"], "strategies": ["random"]}
    cfg = parse_config(
        {**base, "classifier": {"name": "naive-bayes", "params": {"var_smoothing": 0.1}}}
    )
    assert str(cfg.classifier) == "naive-bayes var_smoothing=0.1"
    with pytest.raises(
        AnnalError,
        match="classifier: parameter var_smoothing='0' for classifier 'naive-bayes' must be > 0",
    ):
        parse_config(
            {**base, "classifier": {"name": "naive-bayes", "params": {"var_smoothing": 0}}}
        )
    with pytest.raises(AnnalError, match="unknown parameter 'alpha' .*; valid: var_smoothing"):
        make_classifier("naive-bayes", 0, {"alpha": 1})


def test_a_toy_backend_is_one_class_and_one_registry_line(registered):
    rng = np.random.default_rng(1)
    base = rng.standard_normal((200, 8)).astype(np.float32)
    queries = rng.standard_normal((5, 8)).astype(np.float32)
    spec = "scan?metric=l2&stride=2"
    assert str(parse_spec(spec)) == spec
    index = make_index(spec).build(base, ids=np.arange(1000, 1200))
    assert str(index) == spec and index.stride == 2
    dist, ids = index.search(queries, 4)
    ref_d, ref_ids = (
        make_index("exact?metric=l2").build(base, ids=np.arange(1000, 1200)).search(queries, 4)
    )
    np.testing.assert_array_equal(ids, ref_ids)
    np.testing.assert_allclose(dist, ref_d, rtol=1e-4, atol=1e-4)
    # the toy backend serves the distance strategy like any built-in one
    assert make_strategy("distance", index="scan?metric=l2").index == "scan?metric=l2"
    with pytest.raises(AnnalError, match="valid: metric, stride"):
        parse_spec("scan?trees=3")
