"""The benchmark runner on synthetic vectors, its helpers, and the output files."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from annal.annbench import (
    DEFAULT_KS,
    expand_threads,
    paper_preset,
    pareto_front,
    run_ann_bench,
    split_queries,
    write_results,
)
from annal.errors import AnnalError
from annal.index import parse_spec

SPECS = ["exact", "faiss:flat?metric=cosine", "faiss:lsh?nbits=8", "annoy?trees=2"]


@pytest.fixture(scope="module")
def vectors():
    rng = np.random.default_rng(0)
    centres = rng.standard_normal((10, 24)) * 2
    return (centres[rng.integers(0, 10, 1200)] + rng.standard_normal((1200, 24))).astype(np.float32)


@pytest.fixture(scope="module")
def result(vectors):
    return run_ann_bench(
        vectors, SPECS, ks=[1, 5, 20], n_queries=60, repeats=2, progress=False, name="syn"
    )


def test_default_k_grid_is_twelve_values_from_1_to_100():
    assert len(DEFAULT_KS) == 12 and DEFAULT_KS[0] == 1 and DEFAULT_KS[-1] == 100
    assert list(DEFAULT_KS) == sorted(set(DEFAULT_KS))


def test_split_holds_out_seeded_real_rows():
    base, queries = split_queries(100, 10, seed=3)
    assert len(queries) == 10 and len(base) == 90
    assert np.union1d(base, queries).tolist() == list(range(100))
    np.testing.assert_array_equal(queries, split_queries(100, 10, seed=3)[1])
    assert not np.array_equal(queries, split_queries(100, 10, seed=4)[1])
    with pytest.raises(AnnalError, match="--queries"):
        split_queries(10, 10, seed=0)


def test_rows_cover_every_index_and_k(result):
    frame = result.to_frame()
    assert len(frame) == len(SPECS) * 3
    assert set(frame["index"]) == set(SPECS)
    for column in ("index", "k", "recall", "build_s", "query_s", "qps", "threads", "memory_bytes"):
        assert column in frame
    np.testing.assert_allclose(frame["qps"], 60 / frame["query_s"])
    assert (frame["build_s"] > 0).all() and (frame["memory_bytes"] > 0).all()


def test_flat_is_exact_and_lsh_is_not(result):
    for k in (1, 5, 20):
        assert result.recall("exact", k) == 1.0
        assert result.recall("faiss:flat?metric=cosine", k) == 1.0
        assert result.recall("faiss:lsh?nbits=8", k) < 1.0


def test_same_seed_gives_the_same_recalls(vectors, result):
    again = run_ann_bench(vectors, SPECS, ks=[1, 5, 20], n_queries=60, repeats=1, progress=False)
    np.testing.assert_array_equal(again.to_frame()["recall"], result.to_frame()["recall"])


def test_threads_expand_specs_without_threads():
    specs = expand_threads(["faiss:flat", "faiss:flat?threads=3", "annoy"], [1, 2])
    assert [str(s) for s in specs] == [
        "faiss:flat?threads=1",
        "faiss:flat?threads=2",
        "faiss:flat?threads=3",
        "annoy?threads=1",
        "annoy?threads=2",
    ]


def test_paper_preset_is_the_papers_index_set():
    specs = [parse_spec(s) for s in paper_preset()]
    backends = [s.backend for s in specs]
    assert backends.count("faiss:flat") >= 4 and backends.count("annoy") == 6
    assert {"faiss:lsh", "faiss:hnsw", "faiss:ivf"} <= set(backends)
    assert {s.get("metric") for s in specs if s.backend == "faiss:ivf"} == {"l2", "cosine"}
    assert {s.get("trees") for s in specs if s.backend == "annoy"} == {10, 100}
    assert {s.get("threads") for s in specs if s.backend == "faiss:flat"} >= {1, 0}


def test_bad_arguments(vectors):
    with pytest.raises(AnnalError, match="--k values"):
        run_ann_bench(vectors, ["exact"], ks=[0, 5], n_queries=10, progress=False)
    with pytest.raises(AnnalError, match="--k values"):
        run_ann_bench(vectors[:50], ["exact"], ks=[100], n_queries=10, progress=False)
    with pytest.raises(AnnalError, match="--repeats"):
        run_ann_bench(vectors, ["exact"], ks=[1], repeats=0, progress=False)
    with pytest.raises(AnnalError, match="unknown index backend"):
        run_ann_bench(vectors, ["faiss:nope"], ks=[1], n_queries=10, progress=False)


def test_pareto_front_keeps_only_undominated_points():
    recall = np.array([1.0, 0.9, 0.5, 0.95, 0.2, 1.0])
    qps = np.array([10.0, 100.0, 50.0, 20.0, 1000.0, 5.0])
    assert sorted(pareto_front(recall, qps).tolist()) == [0, 1, 3, 4]


def test_write_results_files(tmp_path, result):
    paths = write_results(result, tmp_path / "out")
    frame = pd.read_csv(paths["csv"])
    assert list(frame["index"].unique()) == SPECS
    payload = json.loads(paths["json"].read_text())
    assert payload["machine"]["cpu_count"] >= 1 and payload["machine"]["faiss"]
    assert payload["settings"]["ks"] == [1, 5, 20] and len(payload["results"]) == len(frame)
    for name in ("recall_at_k", "times", "recall_vs_qps"):
        assert paths[name].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert not [p for p in (tmp_path / "out").iterdir() if p.name.startswith(".")]
