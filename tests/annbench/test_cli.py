"""``annal ann-bench`` end to end: a shared dataset, a .npy file, and the error paths."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from annal.cli import app

runner = CliRunner()


@pytest.mark.shared
def test_ann_bench_on_a_shared_dataset_writes_files_and_plots(shared_root, tmp_path):
    out = tmp_path / "bench"
    args = [
        "ann-bench",
        "trec6",
        "--data-root",
        str(shared_root),
        "--index",
        "exact",
        "--index",
        "faiss:flat?metric=cosine",
        "--index",
        "faiss:lsh?nbits=16",
        "--index",
        "annoy?trees=5",
        "--k",
        "1,10,50",
        "--queries",
        "50",
        "--repeats",
        "1",
        "--threads",
        "1",
        "--out",
        str(out),
        "--no-progress",
    ]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    frame = pd.read_csv(out / "results.csv")
    assert len(frame) == 4 * 3
    assert set(frame["index"]) == {
        "exact?threads=1",
        "faiss:flat?metric=cosine&threads=1",
        "faiss:lsh?nbits=16&threads=1",
        "annoy?trees=5&threads=1",
    }
    assert (frame["threads"] == 1).all()
    flat = frame[frame["index"].str.startswith(("exact", "faiss:flat"))]
    assert (flat["recall"] == 1.0).all()
    assert (frame[frame["index"].str.startswith("faiss:lsh")]["recall"] < 1.0).all()
    settings = json.loads((out / "results.json").read_text())["settings"]
    assert settings["dataset"] == "trec6" and settings["n_queries"] == 50
    for plot in ("recall_at_k.png", "times.png", "recall_vs_qps.png"):
        assert (out / plot).stat().st_size > 10_000
    assert "R@10" in result.output


def test_ann_bench_reads_a_npy_file(tmp_path):
    rng = np.random.default_rng(1)
    np.save(tmp_path / "vecs.npy", rng.standard_normal((300, 16)).astype(np.float16))
    result = runner.invoke(
        app,
        [
            "ann-bench",
            str(tmp_path / "vecs.npy"),
            "-i",
            "faiss:flat",
            "--k",
            "1,5",
            "--queries",
            "20",
            "--repeats",
            "1",
            "--no-progress",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "faiss:flat" in result.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--preset", "nope"], "unknown --preset 'nope'; valid: paper"),
        ([], "needs at least one --index"),
        (["-i", "faiss:flat?nbits=3"], "unknown parameter 'nbits'"),
        (["-i", "exact", "--k", "1,x"], "--k must be comma-separated integers"),
    ],
)
def test_ann_bench_user_errors_exit_2(tmp_path, args, message):
    np.save(tmp_path / "v.npy", np.ones((30, 4), dtype=np.float32))
    result = runner.invoke(app, ["ann-bench", str(tmp_path / "v.npy"), *args, "--queries", "5"])
    assert result.exit_code == 2
    assert message in " ".join(result.output.split())
