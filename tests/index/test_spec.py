"""Spec strings: round trip, defaults, and one-line errors that list what is valid."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from annal.errors import AnnalError
from annal.index import BACKENDS, IndexSpec, parse_spec


def _value(param) -> st.SearchStrategy[str]:
    if param.kind is int:
        low = param.minimum if param.minimum is not None else 0
        return st.integers(low, low + 5000).map(str)
    return st.sampled_from(param.choices)


@st.composite
def spec_strings(draw) -> str:
    backend = draw(st.sampled_from(sorted(BACKENDS)))
    names = draw(st.permutations(list(BACKENDS[backend])))
    chosen = names[: draw(st.integers(0, len(names)))]
    params = [f"{name}={draw(_value(BACKENDS[backend][name]))}" for name in chosen]
    return backend + ("?" + "&".join(params) if params else "")


@settings(deadline=None, max_examples=150)
@given(spec_strings())
def test_spec_prints_back_identically(text):
    spec = parse_spec(text)
    assert str(spec) == text
    assert parse_spec(str(spec)) == spec
    for name, value in spec.params:
        assert str(spec.get(name)) == value


def test_contract_examples_round_trip():
    for text in [
        "exact?metric=cosine",
        "faiss:flat?metric=ip",
        "faiss:lsh?nbits=16",
        "faiss:hnsw?M=32&efSearch=64",
        "faiss:ivf?nlist=100&nprobe=10&metric=cosine",
        "annoy?trees=100&metric=angular",
        "hnswlib?M=16&ef=64&metric=cosine",
    ]:
        assert str(parse_spec(text)) == text


def test_defaults_and_typed_values():
    spec = parse_spec("faiss:ivf?nprobe=10")
    assert spec.get("nprobe") == 10
    assert spec.get("nlist") == 100
    assert spec.get("metric") == "cosine"
    assert spec.values()["seed"] == 0
    assert spec.has("nprobe") and not spec.has("nlist")


def test_with_params_replaces_in_place_and_appends():
    spec = parse_spec("faiss:flat?metric=ip&threads=2")
    assert str(spec.with_params(threads=1)) == "faiss:flat?metric=ip&threads=1"
    assert str(spec.with_params(device="cpu")) == "faiss:flat?metric=ip&threads=2&device=cpu"


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("faiss:pq?m=8", "valid: exact, faiss:flat, faiss:lsh"),
        ("faiss:flat?nlist=3", "valid: metric, threads, device"),
        ("faiss:ivf?nlist=ten", "must be an integer"),
        ("faiss:ivf?nlist=0", "must be >= 1"),
        ("exact?metric=hamming", "must be one of cosine, ip, l2"),
        ("faiss:lsh?metric=l2", "must be one of cosine"),
        ("exact?metric=ip&metric=l2", "given twice"),
        ("exact?metric", "expected name=value"),
        ("exact?", "names no parameter"),
        ("exact?metric=", "invalid value"),
        ("", "non-empty"),
    ],
)
def test_invalid_specs_raise_one_line_errors(text, fragment):
    with pytest.raises(AnnalError, match=fragment) as info:
        parse_spec(text)
    assert "\n" not in str(info.value)


def test_unknown_parameter_name_via_get():
    with pytest.raises(AnnalError, match="valid: M, efConstruction"):
        parse_spec("faiss:hnsw").get("ef")


def test_indexspec_constructor_validates():
    with pytest.raises(AnnalError, match="unknown index backend"):
        IndexSpec("nope")
