"""Cleaning: each step on its own, the switches, and properties of the full pipeline."""

from __future__ import annotations

import string

from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

from annal.data import CleanConfig, clean_text, clean_texts


def test_all_steps():
    text = "  The QUICK, brown fox -- doesn't jump over the lazy dog!!  "
    assert clean_text(text) == "quick brown fox doesnt jump lazy dog"


def test_each_step_switchable():
    text = "The Fox, a state-of-the-art  animal!"
    off = CleanConfig.off()
    assert clean_text(text, off) == text
    assert clean_text(text, CleanConfig(punctuation=False, stopwords=False, whitespace=False)) == (
        "the fox, a state-of-the-art  animal!"
    )
    assert clean_text(text, CleanConfig(lowercase=False, stopwords=False, whitespace=False)) == (
        "The Fox  a state of the art  animal "
    )
    # Stopwords are matched case-insensitively even without lowercasing.
    assert clean_text(text, CleanConfig(lowercase=False, punctuation=False)) == (
        "Fox, state-of-the-art animal!"
    )
    assert clean_text(text, CleanConfig(lowercase=False, punctuation=False, stopwords=False)) == (
        "The Fox, a state-of-the-art animal!"
    )


def test_unicode_punctuation_and_symbols_removed():
    assert clean_text("price: €5 — “great” deal…", CleanConfig(stopwords=False)) == (
        "price 5 great deal"
    )


def test_custom_stopwords():
    config = CleanConfig(stopword_list=frozenset({"fox"}))
    assert clean_text("The fox ran", config) == "the ran"


def test_clean_texts_returns_object_array():
    out = clean_texts(["A b", "C!"])
    assert out.dtype == object and out.tolist() == ["b", "c"]


TEXT = st.text(
    alphabet=st.sampled_from(string.ascii_letters + string.punctuation + " \t\n'’é—" + "0123"),
    max_size=60,
) | st.lists(
    st.sampled_from(sorted(ENGLISH_STOP_WORDS)[:40] + ["Fox", "RUN", "it's"]), max_size=8
).map(" ".join)


@settings(deadline=None, max_examples=150)
@given(TEXT)
def test_cleaning_properties(text):
    out = clean_text(text)
    assert out == out.strip() and "  " not in out
    assert out == out.lower()
    assert not any(ch in string.punctuation for ch in out)
    assert not set(out.split()) & ENGLISH_STOP_WORDS
    assert clean_text(out) == out  # idempotent
