"""Query parameters are swept on ONE build per build spec, as ann-benchmarks does."""

from __future__ import annotations

import json
from collections import Counter

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from annal.annbench import build_spec, run_ann_bench, sweep_specs
from annal.cli import app
from annal.errors import AnnalError
from annal.index.base import VectorIndex

SWEEP = {"efSearch": [10, 200], "nprobe": [1, 4, 32]}


@pytest.fixture(scope="module")
def vectors():
    rng = np.random.default_rng(0)
    centres = rng.standard_normal((10, 24)) * 2
    return (centres[rng.integers(0, 10, 1500)] + rng.standard_normal((1500, 24))).astype(np.float32)


@pytest.fixture
def build_counts(monkeypatch):
    """Counts the real builds per backend (the build itself runs unchanged)."""
    counts: Counter[str] = Counter()
    real_build = VectorIndex.build

    def counting_build(self, vectors, ids=None):
        counts[self.backend] += 1
        return real_build(self, vectors, ids)

    monkeypatch.setattr(VectorIndex, "build", counting_build)
    return counts


def test_each_build_spec_is_built_once_for_every_query_setting(vectors, build_counts):
    specs = ["faiss:hnsw?M=4&efConstruction=20", "faiss:ivf?nlist=32", "faiss:flat"]
    result = run_ann_bench(
        vectors, specs, ks=[1, 10], n_queries=100, repeats=1, query_params=SWEEP, progress=False
    )
    assert build_counts["faiss:hnsw"] == 1 and build_counts["faiss:ivf"] == 1
    assert build_counts["faiss:flat"] == 1
    frame = result.to_frame()
    assert len(frame) == (2 + 3 + 1) * 2
    assert frame.groupby("build")["build_s"].nunique().eq(1).all()
    assert [b["build"] for b in result.builds] == specs
    assert [len(b["indexes"]) for b in result.builds] == [2, 3, 1]
    hnsw = frame[(frame["backend"] == "faiss:hnsw") & (frame["k"] == 10)]
    assert hnsw["query"].tolist() == ["efSearch=10", "efSearch=200"]
    assert hnsw["index"].tolist() == [f"{specs[0]}&efSearch=10", f"{specs[0]}&efSearch=200"]
    # A wider beam finds more of the true neighbours; probing every cell is exact.
    assert hnsw["recall"].iloc[1] > hnsw["recall"].iloc[0]
    ivf = frame[(frame["backend"] == "faiss:ivf") & (frame["k"] == 10)]["recall"].tolist()
    assert ivf[0] < ivf[1] < ivf[2] == 1.0
    assert frame[frame["backend"] == "faiss:flat"]["query"].eq("").all()


def test_a_setting_on_the_built_index_measures_what_a_fresh_build_would(vectors):
    swept = run_ann_bench(
        vectors,
        ["faiss:ivf?nlist=32"],
        ks=[10],
        n_queries=100,
        repeats=1,
        query_params={"nprobe": [1, 4]},
        progress=False,
    )
    fresh = run_ann_bench(
        vectors,
        ["faiss:ivf?nlist=32&nprobe=4"],
        ks=[10],
        n_queries=100,
        repeats=1,
        progress=False,
    )
    assert swept.recall("faiss:ivf?nlist=32&nprobe=4", 10) == fresh.recall(
        "faiss:ivf?nlist=32&nprobe=4", 10
    )


def test_specs_that_differ_only_in_query_parameters_share_a_build(vectors, build_counts):
    specs = ["faiss:hnsw?efSearch=10&M=4", "faiss:hnsw?M=4&efSearch=100", "hnswlib?M=4&ef=5"]
    result = run_ann_bench(vectors, specs, ks=[5], n_queries=50, repeats=1, progress=False)
    assert build_counts["faiss:hnsw"] == 1 and build_counts["hnswlib"] == 1
    assert result.to_frame()["index"].tolist() == specs  # as written, order kept
    assert result.settings["builds"] == ["faiss:hnsw?M=4", "hnswlib?M=4"]


def test_sweep_specs_and_build_spec():
    assert [str(s) for s in sweep_specs(["annoy?search_k=5&trees=3"], {"search_k": [-1, 50]})] == [
        "annoy?search_k=-1&trees=3",
        "annoy?search_k=50&trees=3",
    ]
    assert (
        build_spec("faiss:ivf?nprobe=3&nlist=8&metric=cosine") == "faiss:ivf?nlist=8&metric=cosine"
    )
    with pytest.raises(AnnalError, match="not a query parameter of any index"):
        sweep_specs(["faiss:flat"], {"efSearch": [8]})
    with pytest.raises(AnnalError, match="efSearch"):
        sweep_specs(["faiss:hnsw"], {"efSearch": ["x"]})


def test_cli_query_param_sweeps_and_reports_the_build_once(tmp_path):
    rng = np.random.default_rng(1)
    np.save(tmp_path / "v.npy", rng.standard_normal((400, 16)).astype(np.float32))
    out = tmp_path / "out"
    args = ["ann-bench", str(tmp_path / "v.npy"), "-i", "faiss:ivf?nlist=16", "-i", "exact"]
    args += ["--query-param", "nprobe=1,16", "--k", "1,10", "--queries", "40"]
    args += ["--repeats", "1", "--no-progress", "--out", str(out)]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    frame = pd.read_csv(out / "results.csv", keep_default_na=False)
    assert set(frame["index"]) == {
        "faiss:ivf?nlist=16&nprobe=1",
        "faiss:ivf?nlist=16&nprobe=16",
        "exact",
    }
    assert set(frame["query"]) == {"nprobe=1", "nprobe=16", ""}
    builds = json.loads((out / "results.json").read_text())["builds"]
    assert [b["build"] for b in builds] == ["faiss:ivf?nlist=16", "exact"]
    assert "〃" in result.output  # the second setting shows no second build time


@pytest.mark.parametrize(
    ("flag", "message"),
    [
        ("nope=1", "--query-param nope: not a query parameter"),
        ("nprobe", "--query-param must look like key=value"),
        ("nprobe=0", "nprobe='0' for faiss:ivf in spec 'faiss:ivf?nprobe=0' must be >= 1"),
    ],
)
def test_cli_bad_query_param_exits_2_before_loading(tmp_path, flag, message):
    args = ["ann-bench", str(tmp_path / "absent.npy"), "-i", "faiss:ivf", "-q", flag]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 2
    assert message in " ".join(result.output.split())
