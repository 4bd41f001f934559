"""The loop: records, fresh fits, oracle protocol, resume, and real-data rounds above chance."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from annal.al import STRATEGIES, ActiveLearningLoop, RoundRecord, stratified_split
from annal.errors import AnnalError

from .conftest import blobs

CSV_COLUMNS = (
    "round n_labelled accuracy f1_macro precision_macro recall_macro classes_covered fit_s query_s"
).split()


def _data(n=600, n_classes=4, seed=0):
    X, y = blobs(n, n_classes, dim=16, seed=seed)
    train, test = stratified_split(y, test_size=0.25, seed=seed)
    return X[train], y[train], X[test], y[test]


def test_records_grow_by_budget_and_selected_ids_are_new():
    Xp, yp, Xt, yt = _data()
    ids = np.arange(1000, 1000 + len(Xp))
    loop = ActiveLearningLoop("margin", initial=20, budget=15, rounds=4, seed=3)
    records = loop.run(Xp, yp, Xt, yt, ids=ids)
    assert [r.round for r in records] == [0, 1, 2, 3, 4]
    assert [r.n_labelled for r in records] == [20, 35, 50, 65, 80]
    picked = [i for r in records for i in r.selected_ids]
    assert len(picked) == len(set(picked)) == 60
    assert set(picked) <= set(ids.tolist())
    assert records[-1].selected_ids == []
    assert set(CSV_COLUMNS) <= set(RoundRecord.scalar_fields())
    assert "selected_ids" not in RoundRecord.scalar_fields()
    assert len(records[0].recall_per_class) == 4


def test_on_round_is_called_as_each_round_finishes():
    Xp, yp, Xt, yt = _data()
    seen = []
    ActiveLearningLoop("random", initial=10, budget=10, rounds=2).run(
        Xp, yp, Xt, yt, on_round=lambda rec: seen.append(rec.round)
    )
    assert seen == [0, 1, 2]


def test_same_seed_same_results_and_resume_reproduces_uninterrupted_run():
    Xp, yp, Xt, yt = _data()
    for name in ("margin", "cluster", "coreset"):
        loop = ActiveLearningLoop(name, initial=20, budget=10, rounds=4, seed=7)
        full = loop.run(Xp, yp, Xt, yt)
        again = loop.run(Xp, yp, Xt, yt)
        resumed = loop.run(Xp, yp, Xt, yt, resume=[r.as_dict() for r in full[:2]])

        def strip(recs):
            return [{k: v for k, v in r.as_dict().items() if not k.endswith("_s")} for r in recs]

        assert strip(again) == strip(full)
        assert strip(resumed) == strip(full)


def test_warm_start_is_an_explicit_option_that_also_resumes_exactly():
    Xp, yp, Xt, yt = _data()
    warm = ActiveLearningLoop("margin", initial=20, budget=10, rounds=3, seed=2, warm_start=True)
    full = warm.run(Xp, yp, Xt, yt)
    resumed = warm.run(Xp, yp, Xt, yt, resume=full[:2])
    assert [r.selected_ids for r in resumed] == [r.selected_ids for r in full]
    assert [r.f1_macro for r in resumed] == [r.f1_macro for r in full]
    assert ActiveLearningLoop("margin").warm_start is False


def test_resume_with_other_configuration_is_refused():
    Xp, yp, Xt, yt = _data()
    records = ActiveLearningLoop("random", initial=20, budget=10, rounds=2).run(Xp, yp, Xt, yt)
    with pytest.raises(AnnalError, match="resume"):
        ActiveLearningLoop("random", initial=30, budget=10, rounds=2).run(
            Xp, yp, Xt, yt, resume=records
        )


def test_oracle_is_any_callable_and_pool_labels_are_then_not_needed():
    Xp, yp, Xt, yt = _data()
    ids = np.arange(len(Xp)) * 3 + 5
    asked = []

    def person(query_ids):
        asked.append(np.asarray(query_ids).copy())
        return yp[(np.asarray(query_ids) - 5) // 3]

    records = ActiveLearningLoop("entropy", initial=12, budget=6, rounds=2).run(
        Xp, None, Xt, yt, ids=ids, oracle=person, n_classes=4
    )
    assert [len(a) for a in asked] == [12, 6, 6]
    assert records[-1].n_labelled == 24


def test_initial_ids_fix_the_initial_set():
    Xp, yp, Xt, yt = _data()
    initial = np.arange(0, 40, 2)
    a = ActiveLearningLoop("margin", budget=10, rounds=1, seed=1).run(
        Xp, yp, Xt, yt, initial_ids=initial
    )
    b = ActiveLearningLoop("entropy", init="cluster-coverage", budget=10, rounds=1, seed=1).run(
        Xp, yp, Xt, yt, initial_ids=initial
    )
    assert a[0].n_labelled == 20
    assert a[0].as_dict()["f1_per_class"] == b[0].as_dict()["f1_per_class"]
    with pytest.raises(AnnalError, match="not in the pool"):
        ActiveLearningLoop("margin", rounds=1).run(Xp, yp, Xt, yt, initial_ids=[10**9])


def test_pool_exhaustion_stops_the_loop():
    Xp, yp, Xt, yt = _data(n=80)
    records = ActiveLearningLoop("coreset", initial=20, budget=25, rounds=10).run(Xp, yp, Xt, yt)
    assert records[-1].n_labelled == len(Xp)
    assert records[-2].n_labelled < len(Xp)
    assert len(records) < 11


@pytest.mark.shared
@pytest.mark.parametrize("name", sorted(STRATEGIES))
def test_three_rounds_on_trec6_beat_chance(trec6, name):
    X, y = trec6
    train, test = stratified_split(y, test_size=0.2, seed=0)
    rounds = ActiveLearningLoop(name, initial=60, budget=60, rounds=3, seed=0).run(
        X[train], y[train], X[test], y[test]
    )
    assert isinstance(rounds[-1], RoundRecord)
    assert rounds[-1].n_labelled == 240
    n_classes = int(y.max()) + 1
    majority = np.bincount(y[test]).max() / len(test)
    assert rounds[-1].accuracy > max(majority, 1 / n_classes) + 0.1
    assert rounds[-1].f1_macro > 1 / n_classes + 0.1


def test_as_dict_is_dataclasses_asdict_with_lists_that_are_copies():
    Xp, yp, Xt, yt = _data()
    rec = ActiveLearningLoop("margin", initial=20, budget=10, rounds=1, seed=0).run(Xp, yp, Xt, yt)[
        0
    ]
    d = rec.as_dict()
    assert d == dataclasses.asdict(rec) and list(d) == [f.name for f in dataclasses.fields(rec)]
    d["selected_ids"].append(-1)
    d["f1_per_class"][0] = -1.0
    assert rec.selected_ids[-1] != -1 and rec.f1_per_class[0] != -1.0
