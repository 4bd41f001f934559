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
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "DistanceSampling(aggregate='min'" in result.output
    df = pd.read_csv(out)
    for col in ("round", "n_labelled", "accuracy", "f1_macro", "precision_macro"):
        assert col in df.columns
    for col in ("recall_macro", "classes_covered", "fit_s", "query_s"):
        assert col in df.columns
    assert df["n_labelled"].tolist() == [40, 90, 140]
    assert (df["f1_macro"] > 0.2).all()


@pytest.mark.shared
def test_al_run_user_errors_exit_2(shared_root):
    base = ["al", "run", "trec6", "--data-root", str(shared_root), "--rounds", "1"]
    for extra, message in (
        (["--strategy", "nope"], "unknown strategy"),
        (["--strategy", "distance", "--param", "agg=max"], "valid: aggregate, index"),
        (["--strategy", "margin", "--initial", "999999"], "exceeds the pool"),
    ):
        result = runner.invoke(app, base + extra)
        assert result.exit_code == 2, result.output
        assert message in result.output
