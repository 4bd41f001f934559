"""Text embeddings: encoders (sentence-transformers, TF-IDF), precomputed files, cache.

>>> from annal.data import load_dataset
>>> from annal.embed import embed_dataset
>>> X = embed_dataset(load_dataset("demo"))      # (n, 384) float32, cached on disk
"""

from annal.embed.api import embed_dataset, embed_texts, precomputed_path
from annal.embed.base import Encoder, check_embeddings, parse_model_spec
from annal.embed.cache import EmbeddingCache, cache_key, cache_root
from annal.embed.precomputed import load_embeddings
from annal.embed.registry import get_encoder
from annal.embed.sentence import DEFAULT_MODEL, SentenceTransformerEncoder, bundled_model_path
from annal.embed.tfidf import TfidfEncoder

__all__ = [
    "DEFAULT_MODEL",
    "EmbeddingCache",
    "Encoder",
    "SentenceTransformerEncoder",
    "TfidfEncoder",
    "bundled_model_path",
    "cache_key",
    "cache_root",
    "check_embeddings",
    "embed_dataset",
    "embed_texts",
    "get_encoder",
    "load_embeddings",
    "parse_model_spec",
    "precomputed_path",
]
