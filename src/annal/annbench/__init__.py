"""The ANN benchmark: recall@k against exact cosine neighbours, build and query times.

>>> from annal.annbench import run_ann_bench, write_results, paper_preset
>>> result = run_ann_bench(vectors, paper_preset(), n_queries=1000)
>>> swept = run_ann_bench(vectors, ["faiss:hnsw?M=32"], query_params={"efSearch": [16, 64]})
>>> write_results(result, "out/")   # results.csv, results.json, three plots
"""

from __future__ import annotations

from annal.annbench.output import pareto_front, plot_results, write_results
from annal.annbench.recall import TIE_EPS, recall_at_k, true_kth_distances
from annal.annbench.run import (
    DEFAULT_KS,
    PRESETS,
    BenchResult,
    build_spec,
    expand_threads,
    machine_facts,
    paper_preset,
    run_ann_bench,
    split_queries,
    sweep_specs,
)
from annal.annbench.source import load_vectors

__all__ = [
    "DEFAULT_KS",
    "PRESETS",
    "TIE_EPS",
    "BenchResult",
    "build_spec",
    "expand_threads",
    "load_vectors",
    "machine_facts",
    "paper_preset",
    "pareto_front",
    "plot_results",
    "recall_at_k",
    "run_ann_bench",
    "split_queries",
    "sweep_specs",
    "true_kth_distances",
    "write_results",
]
