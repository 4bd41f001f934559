"""The built-in demo dataset: deterministic, imbalanced, overlapping, not trivially separable."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import cross_val_score

from annal.data import demo
from annal.data.synthetic import TOPICS, demo_table
from annal.errors import AnnalError


def test_deterministic_from_seed():
    a, b, c = demo(seed=3), demo(seed=3), demo(seed=4)
    assert a.texts.tolist() == b.texts.tolist() and np.array_equal(a.y, b.y)
    assert a.texts.tolist() != c.texts.tolist()


def test_shape_and_imbalance():
    ds = demo()
    counts = ds.class_counts()
    assert ds.n_classes >= 10 and len(ds) >= 2500
    assert counts.max() / counts.min() >= 50
    assert len(set(ds.raw_texts.tolist())) == len(ds)
    assert ds.report.dropped == 0


def test_vocabularies_overlap():
    texts, labels = demo_table(seed=0, n=1200, noise=0.0)
    vocab = {}
    for text, label in zip(texts, labels, strict=True):
        vocab.setdefault(label, set()).update(text.lower().split())
    own = {label: set(TOPICS[label]) for label in vocab}
    # Every class uses words that are another class's topic words.
    for label, words in vocab.items():
        others = set().union(*(own[o] for o in own if o != label))
        assert words & others, label


def test_learnable_but_not_trivially_separable():
    ds = demo(n=2000)
    X = TfidfVectorizer().fit_transform(ds.texts.tolist())
    scores = cross_val_score(LogisticRegression(max_iter=300), X, ds.y, cv=3)
    majority = ds.class_counts().max() / len(ds)
    assert majority + 0.1 < scores.mean() < 0.97


def test_bad_parameters():
    with pytest.raises(AnnalError, match="too small"):
        demo(n=10)
    with pytest.raises(AnnalError, match="n_classes"):
        demo(n_classes=40)
