"""Label parsing (docs/pitfalls.md #7) and the multi-label policies."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from annal.data import apply_policy, parse_label
from annal.data.labels import sort_classes
from annal.errors import AnnalError


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Drama, Comedy", ("Drama", "Comedy")),
        ("['cs.CV', 'cs.LG']", ("cs.CV", "cs.LG")),
        ('["cs.CV"]', ("cs.CV",)),
        ("[cs.CV, cs.LG]", ("cs.CV", "cs.LG")),
        ("a|b", ("a", "b")),
        ("a | b | a", ("a", "b")),
        ("DESC:manner", ("DESC:manner",)),
        ("reverted_card_payment?", ("reverted_card_payment?",)),
        ("postmodern literature", ("postmodern literature",)),
        ("money-fx", ("money-fx",)),
        ("Science Fiction", ("Science Fiction",)),
        ("  earn ", ("earn",)),
        (["x", "y"], ("x", "y")),
        (np.array(["x"]), ("x",)),
        (3, ("3",)),
        (None, ()),
        (float("nan"), ()),
        ("[]", ()),
    ],
)
def test_parse_label(raw, expected):
    assert parse_label(raw) == expected


def test_separator_choices():
    assert parse_label("Arts, Crafts", sep=None) == ("Arts, Crafts",)
    assert parse_label("a;b", sep=";") == ("a", "b")
    assert parse_label("a,b", sep=";") == ("a,b",)


def test_policies():
    labels = [("a",), ("b", "c"), (), ("c",)]
    kept, mask = apply_policy(labels, "single")
    assert kept == [("a",), ("c",)] and mask.tolist() == [True, False, False, True]
    kept, mask = apply_policy(labels, "first")
    assert kept == [("a",), ("b",), ("c",)] and mask.tolist() == [True, True, False, True]
    kept, _ = apply_policy(labels, "keep")
    assert kept == [("a",), ("b", "c"), ("c",)]
    with pytest.raises(AnnalError, match="label policy"):
        apply_policy(labels, "all")


def test_sort_classes_numeric_and_text():
    assert sort_classes({"10", "2", "1"}) == ("1", "2", "10")
    assert sort_classes({"b", "a", "10"}) == ("10", "a", "b")


NAME = st.text(alphabet="abcdefghijklmnopqrstuvwxyzABC_:?.- ", min_size=1, max_size=12).filter(
    lambda s: s.strip() == s and s.strip() and s[0] not in "[" and not s.endswith("]")
)


@settings(deadline=None, max_examples=100)
@given(st.lists(NAME, min_size=1, max_size=4, unique=True))
def test_list_forms_round_trip(names):
    expected = tuple(names)
    assert parse_label(repr(list(names))) == expected
    assert parse_label("|".join(names)) == expected


@settings(deadline=None, max_examples=100)
@given(NAME)
def test_plain_label_without_separators_stays_one(name):
    assert parse_label(name) == (name,)
