"""The SQLite results store: exact round trips, WAL, export, config-hash guard."""

from __future__ import annotations

import json
import math
import sqlite3

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from annal.errors import AnnalError
from annal.experiments import ResultsStore, export_rounds
from annal.experiments.runner import open_store
from annal.experiments.store import ROUND_LISTS, ROUND_SCALARS

RUN_FIELDS = {
    "config_hash": "h",
    "dataset": "d",
    "strategy": "margin",
    "strategy_name": "margin",
    "strategy_params": {},
    "init": "random",
    "seed": 0,
    "classifier": "sgd",
    "experiments": ["e"],
    "versions": {"annal": "0"},
    "n_pool": 10,
    "n_test": 3,
    "initial": 2,
    "budget": 2,
    "rounds": 2,
    "split_fingerprint": "f",
    "initial_ids": np.array([3, 4], dtype=np.int64),
}


def record(rnd: int, rng: np.random.Generator) -> dict:
    rec = {"round": rnd, "n_labelled": 2 + 2 * rnd, "classes_covered": 2, "pool_size": 40 - rnd}
    for c in ROUND_SCALARS:
        rec.setdefault(c, float(rng.random()))
    rec.update(
        recall_per_class=rng.random(3).tolist(),
        f1_per_class=list(rng.random(3).astype(np.float64)),
        selected_ids=np.array([5 + rnd, 6 + rnd], dtype=np.int64),
        eval_s=0.5,
    )
    return rec


def test_round_trip_is_exact_and_wal(tmp_path):
    rng = np.random.default_rng(0)
    with ResultsStore(tmp_path / "results.sqlite") as store:
        rid = store.ensure_run("d/margin/random/0", RUN_FIELDS)
        assert store.ensure_run("d/margin/random/0", RUN_FIELDS) == rid
        recs = [record(r, rng) for r in range(3)]
        for rec in recs:
            store.add_round(rid, rec)
        mode = store.con.execute("PRAGMA journal_mode").fetchone()[0]
    assert mode == "wal"
    # A fresh connection (another process would see the same) reads every field back exactly.
    with ResultsStore(tmp_path / "results.sqlite") as store:
        back = store.rounds_of(rid)
        runs = store.runs()
    assert len(back) == 3
    for a, b in zip(recs, back, strict=True):
        for k, v in a.items():
            expect = v.tolist() if hasattr(v, "tolist") else v
            assert b[k] == expect, k
    assert json.loads(runs.loc[0, "initial_ids"]) == [3, 4]
    assert runs.loc[0, "status"] == "pending"


@settings(deadline=None, max_examples=40)
@given(st.lists(st.floats(allow_nan=False, allow_infinity=False, width=64), min_size=1, max_size=8))
def test_floats_survive_bit_for_bit(tmp_path_factory, values):
    path = tmp_path_factory.mktemp("s") / "results.sqlite"
    with ResultsStore(path) as store:
        rid = store.ensure_run("c", RUN_FIELDS)
        rec = {c: values[0] for c in ROUND_SCALARS} | {
            "round": 0,
            "n_labelled": 1,
            "classes_covered": 1,
        }
        rec |= {c: values for c in ROUND_LISTS}
        store.add_round(rid, rec)
        back = store.rounds_of(rid)[0]
    assert back["accuracy"] == values[0] and back["recall_per_class"] == values
    assert all(
        math.copysign(1, a) == math.copysign(1, b)
        for a, b in zip(back["f1_per_class"], values, strict=True)
    )


def test_each_round_is_committed_at_once(tmp_path):
    path = tmp_path / "results.sqlite"
    store = ResultsStore(path)
    rid = store.ensure_run("c", RUN_FIELDS)
    store.add_round(rid, record(0, np.random.default_rng(1)))
    # Another connection sees it while the writer is still open (no pending transaction).
    other = sqlite3.connect(path)
    assert other.execute("SELECT COUNT(*) FROM rounds").fetchone()[0] == 1
    other.close()
    store.set_status(rid, "failed", "Traceback ...\nValueError: boom")
    assert store.run_status() == {"c": "failed"}
    store.close()


def test_export_csv_and_parquet(tmp_path):
    rng = np.random.default_rng(2)
    with ResultsStore(tmp_path / "results.sqlite") as store:
        for seed in (0, 1):
            rid = store.ensure_run(f"d/margin/random/{seed}", RUN_FIELDS | {"seed": seed})
            for r in range(3):
                store.add_round(rid, record(r, rng))
    csv = export_rounds(tmp_path, "csv")
    assert csv == tmp_path / "rounds.csv"
    df = pd.read_csv(csv)
    assert len(df) == 6
    for col in ("dataset", "strategy", "init", "seed", "round", *ROUND_SCALARS, *ROUND_LISTS):
        assert col in df.columns
    assert not df.duplicated(["dataset", "strategy", "init", "seed", "round"]).any()
    pq = pd.read_parquet(export_rounds(tmp_path, "parquet"))
    pd.testing.assert_frame_equal(pq.reset_index(drop=True), df, check_dtype=False)
    with pytest.raises(AnnalError, match="csv or parquet"):
        export_rounds(tmp_path, "xlsx")
    with pytest.raises(AnnalError, match="no results.sqlite"):
        export_rounds(tmp_path / "nothing", "csv")


def test_run_dir_of_another_config_is_refused_unless_forced(tmp_path, make_config):
    a, b = make_config(), make_config(seeds=[1])
    open_store(tmp_path, a).close()
    open_store(tmp_path, a).close()  # same config: fine (resume)
    with pytest.raises(AnnalError, match="different config"):
        open_store(tmp_path, b)
    with open_store(tmp_path, b, force=True) as store:
        assert store.get_meta("config_hash") == b.config_hash()


def test_a_store_from_before_eval_s_had_a_column_is_upgraded(tmp_path):
    path = tmp_path / "results.sqlite"
    with ResultsStore(path) as store:
        rid = store.ensure_run("c", RUN_FIELDS)
        store.add_round(rid, record(0, np.random.default_rng(3)))
        # Rewind the schema: rounds without eval_s, the value kept only in `extra`.
        store.con.executescript(
            "ALTER TABLE rounds DROP COLUMN eval_s;"
            "UPDATE rounds SET extra = json_set(extra, '$.eval_s', 0.25);"
        )
    with ResultsStore(path) as store:
        assert store.rounds_of(rid)[0]["eval_s"] == 0.25
        assert store.rounds_frame()["eval_s"].tolist() == [0.25]


def test_round_columns_come_from_the_round_record_once(tmp_path):
    from annal.al import RoundRecord
    from annal.experiments.store import records_table

    cols = ["round", *RoundRecord.columns()]
    rec = record(0, np.random.default_rng(3)) | {"stop_change": True, "stop_kappa": None}
    with ResultsStore(tmp_path / "results.sqlite") as store:
        schema = [r[1] for r in store.con.execute("PRAGMA table_info(rounds)")]
        store.put_dataset("d", ["a", "b", "c"], [4, 4, 4], {})
        store.add_round(store.ensure_run("d/margin/random/0", RUN_FIELDS), rec)
    assert schema == ["run_id", *cols, "extra"]
    exported = pd.read_csv(export_rounds(tmp_path, "csv"))
    assert [c for c in exported.columns if c in cols] == cols
    # `annal al run --out` writes the same columns, types and values through the same code
    table = records_table([rec], ["a", "b", "c"])
    assert list(table.columns) == cols
    pd.testing.assert_frame_equal(
        table.astype(object), exported[cols].astype(object), check_dtype=False
    )
