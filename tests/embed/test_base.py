"""Model-spec strings and embedding validation."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from annal.embed import check_embeddings, get_encoder, parse_model_spec
from annal.embed.base import format_model_spec
from annal.errors import AnnalError


def test_parse_values():
    name, params = parse_model_spec("minilm?batch_size=32&normalize=false&device=cpu&x=0.5&m=none")
    assert name == "minilm"
    assert params == {"batch_size": 32, "normalize": False, "device": "cpu", "x": 0.5, "m": None}


@pytest.mark.parametrize("spec", ["", "?a=1", "tfidf?dim", "tfidf?dim=1&dim=2", "tfidf?=3"])
def test_malformed_specs(spec):
    with pytest.raises(AnnalError):
        parse_model_spec(spec)


KEY = st.text(alphabet="abcdefghij_", min_size=1, max_size=8)
VALUE = st.one_of(
    st.integers(-1000, 1000), st.booleans(), st.none(), st.sampled_from(["cpu", "cuda"])
)


@settings(deadline=None, max_examples=100)
@given(
    st.sampled_from(["minilm", "tfidf", "all-mpnet-base-v2"]),
    st.dictionaries(KEY, VALUE, max_size=4),
)
def test_spec_round_trip(name, params):
    spec = format_model_spec(name, params)
    assert parse_model_spec(spec) == (name, params)
    assert format_model_spec(*parse_model_spec(spec)) == spec


def test_get_encoder_rejects_unknown_parameters_and_missing_paths(tmp_path):
    with pytest.raises(AnnalError, match="unknown parameter.*trees"):
        get_encoder("tfidf?trees=3")
    with pytest.raises(AnnalError, match="unknown parameter.*dim"):
        get_encoder("minilm?dim=3")
    with pytest.raises(AnnalError, match="does not exist"):
        get_encoder(str(tmp_path / "no-model-here"))


def test_check_embeddings():
    out = check_embeddings(np.ones((3, 2), np.float16), 3, "x")
    assert out.dtype == np.float32 and out.flags.c_contiguous
    bad = np.ones((4, 2), np.float32)
    bad[2, 1] = np.inf
    with pytest.raises(AnnalError, match="first at row 2"):
        check_embeddings(bad, None, "x")
    with pytest.raises(AnnalError, match="has 3 rows|have 3 rows, expected 5"):
        check_embeddings(np.ones((3, 2)), 5, "x")
    with pytest.raises(AnnalError, match="dimension 2, expected 3"):
        check_embeddings(np.ones((3, 2)), 3, "x", dim=3)
    with pytest.raises(AnnalError, match="2-D"):
        check_embeddings(np.ones(3), None, "x")
    with pytest.raises(AnnalError, match="floating"):
        check_embeddings(np.ones((3, 2), np.int64), None, "x")
