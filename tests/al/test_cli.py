"""``annal al run`` through typer's CliRunner."""

from __future__ import annotations

import pandas as pd
import pytest
from typer.testing import CliRunner

from annal.cli import app

runner = CliRunner()


@pytest.mark.shared
def test_al_run_prints_rounds_and_writes_csv(shared_root, tmp_path):
    out = tmp_path / "rounds.csv"
    args = ["al", "run", "trec6", "--data-root", str(shared_root), "--strategy", "distance"]
    args += ["--param", "aggregate=min", "--init", "cluster-coverage", "--rounds", "2"]
    args += ["--budget", "50", "--initial", "40", "--seed", "1", "--out", str(out)]
    args += ["--classifier-param", "epochs=5"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "DistanceSampling(aggregate='min'" in result.output
    assert "classifier sgd epochs=5" in result.output
    df = pd.read_csv(out)
    for col in ("round", "n_labelled", "accuracy", "f1_macro", "precision_macro"):
        assert col in df.columns
    for col in ("recall_macro", "classes_covered", "fit_s", "query_s"):
        assert col in df.columns
    assert df["n_labelled"].tolist() == [40, 90, 140]
    assert set(df["classifier"]) == {"sgd epochs=5"}
    assert (df["f1_macro"] > 0.2).all()


@pytest.mark.shared
def test_al_run_user_errors_exit_2(shared_root):
    base = ["al", "run", "trec6", "--data-root", str(shared_root), "--rounds", "1"]
    for extra, message in (
        (["--strategy", "nope"], "unknown strategy"),
        (["--strategy", "distance", "--param", "agg=max"], "valid: aggregate, index"),
        (["--strategy", "margin", "--initial", "999999"], "exceeds the pool"),
        (["--strategy", "margin", "--classifier-param", "epochs=0"], "epochs must be"),
        (["--strategy", "margin", "--classifier-param", "eta"], "--classifier-param must look"),
        (["--strategy", "margin", "--classifier-param", "eta=1"], "unknown parameter 'eta'"),
    ):
        result = runner.invoke(app, base + extra)
        assert result.exit_code == 2, result.output
        assert message in result.output


def test_al_run_out_has_the_columns_of_results_export(tmp_path):
    from annal.al import RoundRecord

    out = tmp_path / "rounds.parquet"
    args = ["al", "run", "demo", "--strategy", "margin", "--rounds", "1", "--budget", "10"]
    result = runner.invoke(app, [*args, "--initial", "20", "--out", str(out)])
    assert result.exit_code == 0, result.output
    df = pd.read_parquet(out)
    run = ["dataset", "strategy", "pool", "init", "seed", "classifier"]
    assert list(df.columns) == [*run, "round", *RoundRecord.columns(), "n_selected"]
    assert df["n_labelled"].tolist() == [20, 30] and df["n_selected"].tolist() == [10, 0]
    assert set(df["stop_change"].dropna()) <= {0.0, 1.0}  # flags as results export has them
    assert df["recall_per_class"].str.startswith('{"').all()  # per-class values by class name


def test_stop_lines_say_where_each_criterion_stopped_and_the_cost():
    from annal.cli.al import stop_lines

    recs = [
        {"round": 0, "n_labelled": 10, "f1_macro": 0.5, "stop_change": False},
        {"round": 1, "n_labelled": 20, "f1_macro": 0.6, "stop_change": True},
        {"round": 2, "n_labelled": 30, "f1_macro": 0.7, "stop_change": True},
    ]
    lines = stop_lines(recs)
    assert lines[0] == "stabilizing: would not have stopped; macro-F1 0.700 at the end (30 labels)"
    assert lines[1] == (
        "change: would have stopped at round 1 (20 labels): macro-F1 0.600 vs 0.700 at the end "
        "(30 labels), cost +0.100"
    )


@pytest.mark.shared
def test_al_run_reports_and_records_the_stopping_criteria(shared_root, tmp_path):
    out = tmp_path / "rounds.csv"
    args = ["al", "run", "trec6", "--data-root", str(shared_root), "--strategy", "margin"]
    args += ["--rounds", "3", "--budget", "50", "--initial", "40", "--stop-set-size", "300"]
    result = runner.invoke(app, [*args, "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "stop set of 300 unlabelled pool rows" in result.output
    lines = result.output.splitlines()
    assert any(line.startswith("Stopping criteria on a stop set") for line in lines)
    for name in ("stabilizing", "change", "uncertainty"):
        assert any(line.startswith(f"  {name}: would ") for line in lines), result.output
    df = pd.read_csv(out)
    assert df["stop_kappa"].isna().tolist() == [True, False, False, False]
    assert df["stop_kappa"].iloc[1:].between(-1, 1).all()
    assert df["stop_entropy"].between(0, 1).all()
    assert set(df["stop_stabilizing"].dropna()) <= {True, False}


@pytest.mark.shared
def test_al_run_with_a_candidate_pool(shared_root, tmp_path):
    out = tmp_path / "rounds.csv"
    pool = f"seals?k=20&index=faiss:hnsw?M=16&index_dir={tmp_path / 'idx'}"
    args = ["al", "run", "trec6", "--data-root", str(shared_root), "--strategy", "coreset"]
    args += ["--pool", pool, "--rounds", "2", "--budget", "30", "--initial", "40"]
    args += ["--out", str(out)]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "SEALSPool(k=20" in result.output
    df = pd.read_csv(out)
    assert df["n_labelled"].tolist() == [40, 70, 100]
    sizes = df["pool_size"].tolist()
    assert 30 <= sizes[0] <= 40 * 20 and sizes[1] > sizes[0] and sizes[2] == 0
    assert (df["pool"] == pool).all() and df["pool_build_s"].iloc[0] > 0
    assert (tmp_path / "idx").is_dir()  # the index was saved for the next run


@pytest.mark.shared
def test_al_run_bad_pool_exits_2(shared_root):
    base = ["al", "run", "trec6", "--data-root", str(shared_root), "--rounds", "1"]
    for pool, message in (
        ("sealz", "unknown pool 'sealz'"),
        ("seals?k=0x", "must be an integer"),
        ("anchoral?index=faiss:hnsw?M=x", "must be an integer"),
    ):
        result = runner.invoke(app, [*base, "--strategy", "margin", "--pool", pool])
        assert result.exit_code == 2, result.output
        assert message in result.output


@pytest.mark.shared
def test_al_run_sequential_galaxy_labels_each_pick_once(shared_root, tmp_path):
    out = tmp_path / "rounds.csv"
    args = ["al", "run", "trec6", "--data-root", str(shared_root), "--strategy", "galaxy"]
    args += ["--sequential", "--rounds", "2", "--budget", "30", "--initial", "40"]
    args += ["--out", str(out)]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert pd.read_csv(out)["n_labelled"].tolist() == [40, 70, 100]
