"""The ANN benchmark: recall@k against exact cosine neighbours, build and query times.

>>> from annal.bench import run_ann_bench, write_results, paper_preset
>>> result = run_ann_bench(vectors, paper_preset(), n_queries=1000)
>>> write_results(result, "out/")   # results.csv, results.json, three plots
"""

from __future__ import annotations

from annal.bench.output import pareto_front, plot_results, write_results
from annal.bench.recall import TIE_EPS, recall_at_k, true_kth_distances
from annal.bench.run import (
    DEFAULT_KS,
    PRESETS,
    BenchResult,
    expand_threads,
    machine_facts,
    paper_preset,
    run_ann_bench,
    split_queries,
)
from annal.bench.source import load_vectors

__all__ = [
    "DEFAULT_KS",
    "PRESETS",
    "TIE_EPS",
    "BenchResult",
    "expand_threads",
    "load_vectors",
    "machine_facts",
    "paper_preset",
    "pareto_front",
    "plot_results",
    "recall_at_k",
    "run_ann_bench",
    "split_queries",
    "true_kth_distances",
    "write_results",
]
