"""The paper's setup: reproduce's encoder choice, what a run records, the section 3.1 report."""

from __future__ import annotations

import json

import pytest

from annal.embed import mpnet
from annal.errors import AnnalError
from annal.experiments import run_experiment
from annal.experiments.reproduce import paper_config
from annal.experiments.store import ResultsStore
from annal.report.build import build_document

from .conftest import tiny_config


def test_reproduce_encoder_choice(shared_root, monkeypatch):
    cfg = paper_config(shared_root, seeds=1, datasets=["trec6"], encoder="minilm")
    assert cfg.encoder is None  # the folder's precomputed minilm.npy
    assert cfg.strategies()["distance"].params["index"] == "faiss:lsh?nbits=16"
    with pytest.raises(AnnalError, match="--encoder must be one of auto, mpnet, minilm"):
        paper_config(shared_root, encoder="bert")

    def missing(*_a, **_k):
        raise AnnalError("the mpnet encoder needs the mpnet extra (x is not installed)")

    monkeypatch.setattr(mpnet, "piece_paths", missing)
    with pytest.raises(AnnalError, match="needs the mpnet extra"):
        paper_config(shared_root, encoder="mpnet")
    assert paper_config(shared_root, datasets=["trec6"], encoder="auto").encoder is None
    monkeypatch.setattr(mpnet, "piece_paths", lambda *a, **k: [])
    assert paper_config(shared_root, datasets=["trec6"], encoder="auto").encoder == "mpnet"


def test_runs_record_the_encoder_and_the_report_has_section_3_1(tmp_path):
    lsh = {"index": "faiss:lsh?nbits=16", "aggregate": "mean"}
    flat = {"index": "exact?metric=cosine", "aggregate": "mean"}
    cfg = tiny_config(
        seeds=[0, 1],
        experiments=[
            {
                "name": "lsh-vs-flat",
                "strategies": [
                    "random",
                    {"name": "distance", "params": lsh},
                    {"name": "distance", "label": "distance-flat", "params": flat},
                ],
            }
        ],
    )
    run_experiment(cfg, tmp_path / "r", jobs=1, progress=False)
    with ResultsStore.existing(tmp_path / "r") as store:
        assert store.embeddings() == {"demo": {"encoder": "tfidf?dim=32", "dim": 32}}
        assert json.loads(store.get_meta("embedding:demo"))["dim"] == 32
    doc = build_document(tmp_path / "r")
    text = doc.to_markdown()
    assert "Embeddings: tfidf?dim=32 (32-d) for demo." in text
    assert "Section 3.1: distance sampling through LSH vs the flat index" in text
    assert "distance minus distance-flat is" in text and "over 2 paired" in text
    assert ("annal reproduces the paper's claim" in text) or ("does not reproduce" in text)
