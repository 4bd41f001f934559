"""Loading, cleaning and describing labelled text datasets.

>>> from annal.data import load_dataset, dataset_info
>>> ds = load_dataset("demo")
>>> ds.n_classes
12
"""

from annal.data.clean import CleanConfig, clean_text, clean_texts
from annal.data.dataset import Dataset, DropReport
from annal.data.info import (
    DatasetInfo,
    DatasetSummary,
    dataset_info,
    list_datasets,
    plot_label_distribution,
)
from annal.data.labels import apply_policy, parse_label
from annal.data.load import load_dataset
from annal.data.pipeline import PipelineSteps, build_dataset
from annal.data.sources import resolve_source, shared_datasets_root
from annal.data.synthetic import demo

__all__ = [
    "CleanConfig",
    "Dataset",
    "DatasetInfo",
    "DatasetSummary",
    "DropReport",
    "PipelineSteps",
    "apply_policy",
    "build_dataset",
    "clean_text",
    "clean_texts",
    "dataset_info",
    "demo",
    "list_datasets",
    "load_dataset",
    "parse_label",
    "plot_label_distribution",
    "resolve_source",
    "shared_datasets_root",
]
