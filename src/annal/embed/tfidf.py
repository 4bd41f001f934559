"""TF-IDF encoder (the paper's first exploration), optionally reduced by TruncatedSVD."""

from __future__ import annotations

from typing import Annotated

import numpy as np
from annotated_types import Ge
from sklearn.decomposition import TruncatedSVD
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.preprocessing import normalize as l2_normalize

from annal.embed.base import check_embeddings
from annal.errors import AnnalError
from annal.registry import Component
from annal.spec import format_spec


class TfidfEncoder(Component):
    """Sparse TF-IDF features, optionally reduced to a dense dimension with TruncatedSVD.

    The vocabulary, IDF weights and SVD are fitted on the texts passed to
    :meth:`encode` (the whole pool, no labels), so the result depends only on those
    texts and the parameters.

    Parameters
    ----------
    dim : int or None
        Output dimension after TruncatedSVD (capped at ``min(n_texts, vocabulary) - 1``);
        ``None`` returns the full TF-IDF matrix as dense float32 (mind the memory:
        n x ``max_features``).
    max_features : int
        Vocabulary size (most frequent terms).
    ngram_max : int
        Largest n-gram.
    min_df : int
        Minimum document frequency of a term.
    sublinear_tf : bool
        Use ``1 + log(tf)``.
    normalize : bool
        L2-normalise the output rows (after SVD).
    seed : int
        Random state of the SVD.
    """

    def __init__(
        self,
        dim: Annotated[int, Ge(1)] | None = 256,
        *,
        max_features: Annotated[int, Ge(1)] = 50000,
        ngram_max: Annotated[int, Ge(1)] = 1,
        min_df: Annotated[int, Ge(1)] = 1,
        sublinear_tf: bool = True,
        normalize: bool = True,
        seed: int = 0,
    ) -> None:
        self.dim = dim
        self.max_features = max_features
        self.ngram_max = ngram_max
        self.min_df = min_df
        self.sublinear_tf = sublinear_tf
        self.normalize = normalize
        self.seed = seed

    @property
    def name(self) -> str:
        """``tfidf`` plus every parameter that differs from the default."""
        return format_spec("tfidf", self.changed_params())

    def __repr__(self) -> str:
        return f"TfidfEncoder({self.name!r})"

    def transform_sparse(self, texts):
        """Fit TF-IDF on ``texts`` and return the sparse matrix, shape (n, vocabulary)."""
        vectorizer = TfidfVectorizer(
            max_features=int(self.max_features),
            ngram_range=(1, int(self.ngram_max)),
            min_df=int(self.min_df),
            sublinear_tf=bool(self.sublinear_tf),
            dtype=np.float32,
        )
        try:
            return vectorizer.fit_transform([str(t) for t in texts])
        except ValueError as exc:  # empty vocabulary
            raise AnnalError(f"{self.name}: cannot build a vocabulary: {exc}") from exc

    def encode(self, texts) -> np.ndarray:
        """Encode ``texts`` (sequence of str, length n) to float32, shape (n, d)."""
        matrix = self.transform_sparse(texts)
        if self.dim is None:
            dense = matrix.toarray()
        else:
            if int(self.dim) < 1:
                raise AnnalError(f"{self.name}: dim must be >= 1 or none, got {self.dim}")
            k = min(int(self.dim), min(matrix.shape) - 1)
            if k < 1:
                raise AnnalError(f"{self.name}: too few texts or terms for TruncatedSVD")
            svd = TruncatedSVD(n_components=k, random_state=int(self.seed))
            dense = svd.fit_transform(matrix)
        if self.normalize:
            dense = l2_normalize(dense)
        return check_embeddings(dense, matrix.shape[0], self.name)
