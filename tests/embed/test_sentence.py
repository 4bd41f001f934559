"""The bundled MiniLM, really loaded, on a few sentences; model resolution; offline mode."""

from __future__ import annotations

import os

import numpy as np
import pytest

from annal.embed import SentenceTransformerEncoder, bundled_model_path, embed_texts, get_encoder
from annal.errors import AnnalError

SENTENCES = [
    "A man is playing a guitar on stage.",
    "Someone performs music with a guitar.",
    "The stock market crashed this morning.",
    "Share prices fell sharply at the opening bell.",
    "My cat sleeps all day on the sofa.",
]


@pytest.fixture(scope="module")
def minilm():
    return get_encoder("minilm?batch_size=4", progress=False)


def test_bundled_model_encodes(minilm):
    vectors = minilm.encode(SENTENCES)
    assert vectors.shape == (5, 384) and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    sims = vectors @ vectors.T
    assert sims[0, 1] > max(sims[0, 2], sims[0, 3], sims[0, 4])
    assert sims[2, 3] > max(sims[2, 0], sims[2, 1], sims[2, 4])
    # Order of the input is preserved although encoding sorts by length.
    alone = minilm.encode([SENTENCES[4]])
    assert np.allclose(alone[0], vectors[4], atol=1e-5)
    assert os.environ["HF_HUB_OFFLINE"] == "1"


def test_truncation_changes_vectors_and_name(minilm):
    short = SentenceTransformerEncoder("minilm", max_seq_length=6, progress=False)
    out = short.encode(SENTENCES[:2])
    assert not np.allclose(out, minilm.encode(SENTENCES[:2]), atol=1e-3)
    assert short.name == "sentence-transformers/all-MiniLM-L6-v2?max_seq_length=6"
    assert minilm.name == "sentence-transformers/all-MiniLM-L6-v2"
    assert minilm._load().max_seq_length == 256  # the model's own limit, as in minilm.npy


def test_names_resolve_to_the_same_model(tmp_path):
    names = {
        get_encoder(s).name
        for s in (None, "minilm", "all-MiniLM-L6-v2", "sentence-transformers/all-MiniLM-L6-v2")
    }
    assert names == {"sentence-transformers/all-MiniLM-L6-v2"}
    local = get_encoder(str(bundled_model_path()))
    assert local.name == str(bundled_model_path().resolve())
    with pytest.raises(AnnalError, match="does not exist"):
        SentenceTransformerEncoder(str(tmp_path / "nothing")).encode(["x"])


def test_hub_name_that_cannot_be_fetched_is_a_clean_error(monkeypatch):
    # conftest sets HF_HUB_OFFLINE=1, so a hub name that is not cached cannot load: it is
    # refused when the encoder is built, before any data is read (issue 10).
    with pytest.raises(AnnalError, match="'annal-test/definitely-not-a-real-model'.*HF_HUB_OFF"):
        get_encoder("annal-test/definitely-not-a-real-model")


def test_cached_through_embed_texts(minilm):
    first = embed_texts(SENTENCES, minilm)
    minilm_model, minilm._model = minilm._model, None
    try:
        minilm.encode = None  # any encode call now fails loudly
        assert np.array_equal(embed_texts(SENTENCES, minilm), first)
    finally:
        del minilm.encode
        minilm._model = minilm_model
