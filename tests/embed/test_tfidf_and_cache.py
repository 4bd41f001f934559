"""TF-IDF encoder, the disk cache (hits, keys, corruption, timing), embed_texts."""

from __future__ import annotations

import time

import numpy as np
import pytest

from annal.embed import EmbeddingCache, TfidfEncoder, cache_key, embed_texts, get_encoder
from annal.errors import AnnalError

TEXTS = [
    "the cat sat on the mat",
    "a dog chased the cat",
    "stock markets fell today",
    "investors sold shares",
    "the dog and the cat are friends",
    "bond yields rose as markets fell",
]


class Counting:
    """Wraps a real encoder and counts calls to ``encode``."""

    def __init__(self, inner):
        self.inner, self.calls = inner, 0
        self.name = inner.name

    def encode(self, texts):
        self.calls += 1
        return self.inner.encode(texts)


def test_tfidf_dense_and_reduced():
    full = TfidfEncoder(dim=None).encode(TEXTS)
    assert full.dtype == np.float32 and full.shape[0] == 6 and full.shape[1] > 10
    reduced = TfidfEncoder(dim=3).encode(TEXTS)
    assert reduced.shape == (6, 3)
    assert np.allclose(np.linalg.norm(reduced, axis=1), 1, atol=1e-5)
    assert np.array_equal(reduced, TfidfEncoder(dim=3).encode(TEXTS))  # deterministic
    # Texts sharing words are nearer than texts that share none.
    sims = reduced @ reduced.T
    assert sims[0, 4] > sims[0, 3]
    assert TfidfEncoder(dim=500).encode(TEXTS).shape[1] == 5  # capped at n - 1


def test_tfidf_names_and_spec():
    assert TfidfEncoder().name == "tfidf"
    enc = get_encoder("tfidf?dim=64&ngram_max=2")
    assert (
        isinstance(enc, TfidfEncoder) and enc.dim == 64 and enc.name == "tfidf?dim=64&ngram_max=2"
    )
    assert get_encoder("tfidf?dim=none").name == "tfidf?dim=none"
    with pytest.raises(AnnalError, match="vocabulary"):
        TfidfEncoder().encode(["", " "])


def test_cache_key_depends_on_name_texts_and_order():
    base = cache_key("m", ["a", "b"])
    assert base == cache_key("m", ["a", "b"])
    assert (
        len(
            {
                base,
                cache_key("m2", ["a", "b"]),
                cache_key("m", ["b", "a"]),
                cache_key("m", ["ab"]),
                cache_key("m", ["a", "b", ""]),
            }
        )
        == 5
    )


def test_second_encode_comes_from_cache(tmp_path):
    enc = Counting(TfidfEncoder(dim=4))
    first = embed_texts(TEXTS, enc)
    second = embed_texts(TEXTS, enc)
    assert enc.calls == 1 and np.array_equal(first, second)
    embed_texts(TEXTS[:5], enc)
    embed_texts(TEXTS, enc, cache=False)
    assert enc.calls == 3
    folder = EmbeddingCache().folder
    names = sorted(p.suffix for p in folder.iterdir())
    assert names == [".json", ".json", ".npy", ".npy"]  # no temp files left behind


def test_corrupt_entry_is_a_miss(tmp_path):
    cache = EmbeddingCache(tmp_path)
    enc = Counting(TfidfEncoder(dim=4))
    embed_texts(TEXTS, enc, cache=cache)
    npy = next(cache.folder.glob("*.npy"))
    npy.write_bytes(b"garbage")
    again = embed_texts(TEXTS, enc, cache=cache)
    assert enc.calls == 2 and again.shape == (6, 4)
    assert cache.get(npy.stem) is not None  # rewritten


def test_ten_thousand_texts_hit_under_a_second():
    rng = np.random.default_rng(0)
    words = np.array(["alpha", "beta", "gamma", "delta", "eps", "zeta", "eta", "theta", "iota"])
    texts = [" ".join(rng.choice(words, 12)) + f" item{i}" for i in range(10_000)]
    enc = Counting(TfidfEncoder(dim=None, max_features=384))  # (10000, 384) like MiniLM
    first = embed_texts(texts, enc)
    assert first.shape == (10_000, 384)
    start = time.perf_counter()
    second = embed_texts(texts, enc)
    elapsed = time.perf_counter() - start
    assert enc.calls == 1 and np.array_equal(first, second)
    assert elapsed < 1.0, elapsed


def test_cache_dir_from_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("ANNAL_CACHE_DIR", str(tmp_path / "c"))
    embed_texts(TEXTS, TfidfEncoder(dim=2))
    assert len(list((tmp_path / "c" / "embeddings").glob("*.npy"))) == 1


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_cached_entry_holding_nan_or_inf_is_recomputed(tmp_path, bad):
    """Issue 10: a cache entry with NaN/inf in its data (header intact) was used as is."""
    cache = EmbeddingCache(tmp_path)
    enc = Counting(TfidfEncoder(dim=4))
    good = embed_texts(TEXTS, enc, cache=cache)
    npy = next(cache.folder.glob("*.npy"))
    poisoned = good.copy()
    poisoned[3, 1] = bad
    np.save(npy, poisoned)  # same header (dtype, shape): only the bytes of one value differ
    again = embed_texts(TEXTS, enc, cache=cache)
    assert enc.calls == 2 and np.isfinite(again).all() and np.array_equal(again, good)
    assert np.array_equal(np.load(npy), good)  # the bad entry was overwritten on disk


@pytest.mark.parametrize("meta", ["[1, 2]", '"text"', "null", '{"n": 6, "dim": 5}'])
def test_cache_metadata_that_is_not_a_matching_mapping_is_a_miss(tmp_path, meta):
    """Issue 10: a cache .json holding a list crashed with AttributeError."""
    cache = EmbeddingCache(tmp_path)
    enc = Counting(TfidfEncoder(dim=4))
    embed_texts(TEXTS, enc, cache=cache)
    next(cache.folder.glob("*.json")).write_text(meta)
    assert embed_texts(TEXTS, enc, cache=cache).shape == (6, 4)
    assert enc.calls == 2
