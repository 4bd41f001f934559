"""The one spec grammar and the one registry: text typed by annotations, errors in one line."""

from __future__ import annotations

from typing import Annotated, Literal

import pytest
from annotated_types import Ge

from annal.al import make_strategy
from annal.errors import AnnalError
from annal.registry import Component, Registry, param_table
from annal.spec import format_spec, parse_assignments, split_spec


def test_parse_params_types_values_and_keeps_specs_as_text():
    got = parse_assignments(
        ["aggregate=max", "index=faiss:lsh?nbits=16", "n_clusters=20", "picks=[centroid, diverse]"]
    )
    assert got == {
        "aggregate": "max",
        "index": "faiss:lsh?nbits=16",
        "n_clusters": 20,
        "picks": ("centroid", "diverse"),
    }
    with pytest.raises(AnnalError, match="key=value"):
        parse_assignments(["oops"])


class Toy(Component):
    name = "toy"

    def __init__(
        self,
        k: Annotated[int, Ge(1)] = 3,
        mode: Literal["a", "b"] = "a",
        sizes: tuple[int, ...] = (1, 2),
        label: str | None = None,
    ) -> None:
        self.k = k
        self.mode = mode
        self.sizes = sizes
        self.label = label


def test_registry_types_text_from_annotations_and_prints_every_param():
    toys = Registry("toy", [Toy])
    toy = toys.from_spec("toy?k=7&mode=b&sizes=4,5&label=none")
    assert (toy.k, toy.mode, toy.sizes, toy.label) == (7, "b", (4, 5), None)
    assert repr(toy) == "Toy(k=7, mode='b', sizes=(4, 5), label=None)"
    assert toy.changed_params() == {"k": 7, "mode": "b", "sizes": (4, 5)}
    assert toys.build("toy", {"k": "12"}).k == 12
    table = param_table(Toy)
    assert table["k"].minimum == 1 and table["mode"].choices == ("a", "b")


@pytest.mark.parametrize(
    ("spec", "fragment"),
    [
        ("toy?k=0", "parameter k='0' for toy 'toy' must be >= 1"),
        ("toy?k=x", "must be an integer"),
        ("toy?mode=c", "must be one of a, b"),
        ("toy?q=1", "unknown parameter 'q' for toy 'toy'; valid: k, mode, sizes, label"),
        ("tot", "unknown toy 'tot'; valid: toy"),
        ("toy?k=1&k=2", "given twice"),
        ("toy?k=", "invalid value"),
    ],
)
def test_registry_errors_are_one_line(spec, fragment):
    with pytest.raises(AnnalError, match=fragment) as info:
        Registry("toy", [Toy]).from_spec(spec)
    assert "\n" not in str(info.value)


def test_bad_values_fail_when_built_not_when_used():
    with pytest.raises(AnnalError, match="aggregate"):
        make_strategy("distance", aggregate="median")
    with pytest.raises(AnnalError, match="unknown index backend"):
        make_strategy("distance", index="faiss:nope")
    with pytest.raises(AnnalError, match="must be >= 1"):
        make_strategy("cluster", n_clusters=0)
    with pytest.raises(AnnalError, match="must be one of centroid, diverse, uncertain"):
        make_strategy("cluster", picks="centroid,middle")
    with pytest.raises(AnnalError, match="must be one of cosine, l2"):
        make_strategy("coreset", metric="ip")


def test_split_and_format_are_inverse():
    name, pairs = split_spec("faiss:ivf?nlist=100&nprobe=10", "index spec")
    assert name == "faiss:ivf" and pairs == (("nlist", "100"), ("nprobe", "10"))
    assert format_spec(name, pairs) == "faiss:ivf?nlist=100&nprobe=10"
    assert (
        format_spec("tfidf", {"normalize": False, "dim": None}) == "tfidf?normalize=false&dim=none"
    )


def test_a_nested_spec_takes_the_parameters_its_part_does_not_know():
    """The pools' grammar (``seals?index=faiss:hnsw?M=32&efSearch=64&k=50``) is the one
    grammar with a nested parameter: after a nested spec with parameters, keys the part does
    not own belong to it; the part's own keys may come before or after it."""
    own = ("k", "index")
    spec = "seals?index=faiss:hnsw?M=32&efSearch=64&k=50"
    assert split_spec(spec, nested="index", own=own) == (
        "seals",
        (("index", "faiss:hnsw?M=32&efSearch=64"), ("k", "50")),
    )
    assert split_spec("seals?k=5&index=exact", nested="index", own=own)[1] == (
        ("k", "5"),
        ("index", "exact"),
    )
    # Without a nested spec open, an unknown key stays the part's (and the registry refuses it).
    assert split_spec("seals?index=exact&M=3", nested="index", own=own)[1][1] == ("M", "3")
    with pytest.raises(AnnalError, match="invalid value"):
        split_spec("seals?index=faiss:hnsw?M=32", own=own)  # not nested: '?' is reserved

    class Pool(Component):
        name = "pool"

        def __init__(self, k: Annotated[int, Ge(1)] = 1, index: str = "exact") -> None:
            self.k = k
            self.index = index

    pools = Registry("pool", [Pool])
    assert pools.parse_spec("pool?index=faiss:ivf?nlist=4&nprobe=2&k=3", nested="index") == (
        "pool",
        {"index": "faiss:ivf?nlist=4&nprobe=2", "k": 3},
    )
    with pytest.raises(AnnalError, match="parameter k='0' for pool 'pool' must be >= 1"):
        pools.from_spec("pool?k=0", nested="index")
