"""The stopping-criteria fields of a round in the results store: round trip, export, upgrade."""

from __future__ import annotations

import numpy as np
import pandas as pd

from annal.al import ActiveLearningLoop
from annal.experiments import ResultsStore, export_rounds
from annal.experiments.store import ROUND_FLAGS

from .test_store import RUN_FIELDS

STOP_FIELDS = (*ROUND_FLAGS, "stop_kappa", "stop_changed", "stop_entropy")


def _records():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(300, 6)).astype(np.float32)
    y = (X[:, 0] > 0).astype(np.int64) + (X[:, 1] > 0.5).astype(np.int64)
    loop = ActiveLearningLoop("margin", initial=20, budget=20, rounds=4, stop_set_size=100)
    return [r.as_dict() for r in loop.run(X[:240], y[:240], X[240:], y[240:])]


def test_loop_records_round_trip_with_their_stop_fields(tmp_path):
    recs = _records()
    assert recs[0]["stop_kappa"] is None and recs[1]["stop_kappa"] is not None
    with ResultsStore(tmp_path / "results.sqlite") as store:
        rid = store.ensure_run("d/margin/random/0", RUN_FIELDS)
        for rec in recs:
            store.add_round(rid, rec)
    with ResultsStore(tmp_path / "results.sqlite") as store:
        back = store.rounds_of(rid)
        frame = store.rounds_frame()
    for a, b in zip(recs, back, strict=True):
        for k in STOP_FIELDS:
            assert b[k] == a[k] and type(b[k]) is type(a[k]), k
        assert "stop_kappa" not in b.get("extra", {})
    # The frame (and so the CSV export) has one column per field: flags 1/0, NaN when unknown.
    assert frame["stop_kappa"].isna().tolist() == [True, False, False, False, False]
    assert frame["stop_stabilizing"].tolist() == [float(r["stop_stabilizing"]) for r in recs]
    csv = pd.read_csv(export_rounds(tmp_path, "csv"))
    for k in STOP_FIELDS:
        assert k in csv.columns


def test_a_store_from_before_the_stopping_fields_is_upgraded(tmp_path):
    path = tmp_path / "results.sqlite"
    with ResultsStore(path) as store:
        rid = store.ensure_run("c", RUN_FIELDS)
        store.add_round(rid, {"round": 0, "n_labelled": 2, "stop_change": True})
        # Rewind the schema to before the stopping fields: the flag kept only in `extra`.
        store.con.executescript(
            "ALTER TABLE rounds DROP COLUMN stop_change;"
            "ALTER TABLE rounds DROP COLUMN stop_kappa;"
            "UPDATE rounds SET extra = json_set(extra, '$.stop_change', 1);"
        )
    with ResultsStore(path) as store:
        rec = store.rounds_of(rid)[0]
        assert rec["stop_change"] is True and rec["stop_kappa"] is None
        assert store.rounds_frame()["stop_change"].tolist() == [1.0]
