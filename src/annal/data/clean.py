"""Text cleaning as the paper describes it (§2.1.2), each step switchable.

Steps, in order: lowercase, strip punctuation, remove English stopwords, collapse
whitespace. Apostrophes are removed without a space (``don't`` -> ``dont``) so a
contraction stays one token; every other punctuation or symbol character becomes a
space (``state-of-the-art`` -> ``state of the art``). The stopword list is
scikit-learn's ``ENGLISH_STOP_WORDS`` (318 words); the paper used NLTK's list, which
annal does not depend on. Pass ``stopwords=`` to use your own.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

_APOSTROPHES = re.compile(r"['\u2019\u2018`\u00b4]")
_WHITESPACE = re.compile(r"\s+")


def _is_punct(ch: str) -> bool:
    return unicodedata.category(ch)[0] in "PS"


# Translation table built lazily over the code points actually seen.
class _PunctTable(dict):
    def __missing__(self, codepoint: int) -> str | int:
        value: str | int = " " if _is_punct(chr(codepoint)) else codepoint
        self[codepoint] = value
        return value


_PUNCT_TABLE = _PunctTable()


@dataclass(frozen=True)
class CleanConfig:
    """Which cleaning steps to apply.

    Parameters
    ----------
    lowercase : bool
        Lowercase the text (``str.lower``).
    punctuation : bool
        Remove apostrophes and replace every other Unicode punctuation or symbol
        character (categories ``P*`` and ``S*``) by a space.
    stopwords : bool
        Drop English stopwords (scikit-learn's list, or ``stopword_list``). Matching
        is case-insensitive, so it works with ``lowercase=False`` too. The remaining
        words are re-joined with single spaces.
    whitespace : bool
        Collapse whitespace runs to one space and strip both ends.
    stopword_list : frozenset of str or None
        Custom stopwords (lowercase); ``None`` means ``ENGLISH_STOP_WORDS``.
    """

    lowercase: bool = True
    punctuation: bool = True
    stopwords: bool = True
    whitespace: bool = True
    stopword_list: frozenset[str] | None = None

    @classmethod
    def off(cls) -> CleanConfig:
        """A config that changes nothing (texts stay exactly as read)."""
        return cls(lowercase=False, punctuation=False, stopwords=False, whitespace=False)

    @property
    def is_noop(self) -> bool:
        """True when no step is switched on."""
        return not (self.lowercase or self.punctuation or self.stopwords or self.whitespace)


def clean_text(text: str, config: CleanConfig | None = None) -> str:
    """Clean one text; see :class:`CleanConfig` for the steps.

    Parameters
    ----------
    text : str
    config : CleanConfig, optional
        Defaults to all steps on.

    Returns
    -------
    str
        The cleaned text (may be empty).
    """
    config = CleanConfig() if config is None else config
    if config.lowercase:
        text = text.lower()
    if config.punctuation:
        text = _APOSTROPHES.sub("", text).translate(_PUNCT_TABLE)
    if config.stopwords:
        stop = ENGLISH_STOP_WORDS if config.stopword_list is None else config.stopword_list
        words = [w for w in text.split() if w.lower() not in stop]
        # Splitting already collapsed whitespace; keep single spaces between words.
        text = " ".join(words)
    elif config.whitespace:
        text = _WHITESPACE.sub(" ", text).strip()
    return text


def clean_texts(texts: Iterable[str], config: CleanConfig | None = None) -> np.ndarray:
    """Clean many texts.

    Parameters
    ----------
    texts : iterable of str
    config : CleanConfig, optional

    Returns
    -------
    numpy.ndarray of str, shape (n,), dtype object
    """
    config = CleanConfig() if config is None else config
    out = [text if config.is_noop else clean_text(text, config) for text in texts]
    arr = np.empty(len(out), dtype=object)
    arr[:] = out
    return arr
