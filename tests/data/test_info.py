"""dataset_info statistics, the label-distribution plot, list_datasets, atomic writes."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from annal._io import atomic_write
from annal.data import build_dataset, dataset_info, list_datasets, plot_label_distribution
from annal.errors import AnnalError


def make(counts: dict[str, int]):
    labels = [c for c, k in counts.items() for _ in range(k)]
    texts = [f"text number {i}" for i in range(len(labels))]
    return build_dataset(texts, labels, name="toy", clean=False)


def test_statistics_against_hand_computation():
    info = dataset_info(make({"b": 6, "a": 2, "c": 2}))
    assert info.n_rows == 10 and info.n_classes == 3
    assert info.counts == (("b", 6), ("a", 2), ("c", 2))
    assert info.imbalance_ratio == 3.0
    p = np.array([0.6, 0.2, 0.2])
    assert info.normalised_entropy == pytest.approx(-(p * np.log(p)).sum() / math.log(3))
    assert info.drops["duplicates"] == 0 and info.as_dict()["counts"]["b"] == 6


def test_balanced_classes_have_entropy_one():
    info = dataset_info(make({"x": 3, "y": 3, "z": 3}))
    assert info.normalised_entropy == pytest.approx(1.0) and info.imbalance_ratio == 1.0


def test_keep_policy_counts_each_label():
    ds = build_dataset(
        ["a", "b", "c", "d"], ["x|y", "x", "y", "y"], name="m", clean=False, label_policy="keep"
    )
    assert dict(dataset_info(ds).counts) == {"x": 2, "y": 3}


def test_plot_is_written_atomically(tmp_path):
    out = plot_label_distribution(make({"b": 6, "a": 2}), tmp_path / "sub" / "dist.png")
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert [p.name for p in out.parent.iterdir()] == ["dist.png"]


def test_atomic_path_leaves_target_untouched_on_failure(tmp_path):
    target = tmp_path / "f.txt"
    target.write_text("old")
    with pytest.raises(RuntimeError):
        with atomic_write(target) as fh:
            fh.write(b"half")
            raise RuntimeError("boom")
    assert target.read_text() == "old" and [p.name for p in tmp_path.iterdir()] == ["f.txt"]


def test_list_datasets(tmp_path, monkeypatch):
    for name, n in (("one", 4), ("two", 6)):
        (tmp_path / name).mkdir()
        pd.DataFrame({"text": [f"t{i}" for i in range(n)], "label": ["a", "b"] * (n // 2)}).to_csv(
            tmp_path / name / "data.csv", index=False
        )
    np.save(tmp_path / "two" / "minilm.npy", np.zeros((6, 2), np.float16))
    (tmp_path / "not-a-dataset").mkdir()
    (tmp_path / "broken").mkdir()
    (tmp_path / "broken" / "data.csv").write_text("words,tag\nx,y\n")
    found = list_datasets(tmp_path)
    assert [(s.name, s.rows, s.classes, s.embeddings) for s in found] == [
        ("broken", None, None, ()),
        ("one", 4, 2, ()),
        ("two", 6, 2, ("minilm",)),
    ]
    assert "no column 'text'" in found[0].problem and found[1].problem is None
    monkeypatch.delenv("ANNAL_DATA_ROOT", raising=False)
    with pytest.raises(AnnalError, match="no data root"):
        list_datasets()
