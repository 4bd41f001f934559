"""Tiny experiment configs on the built-in demo dataset (TF-IDF vectors: fast, no model)."""

from __future__ import annotations

import pytest

from annal.experiments import parse_config


def tiny_config(**over):
    """A small grid: demo data, TF-IDF 32-d vectors, 2 strategies, 1 init, 1 seed, 3 rounds.

    An override set to None removes that key (e.g. ``experiments=None`` with ``strategies=``).
    """
    data = {
        "name": "tiny",
        "datasets": [{"name": "demo"}],
        "encoder": "tfidf?dim=32",
        "seeds": [0],
        "protocol": {"initial": 30, "budget": 20, "rounds": 3},
        "experiments": [
            {"name": "e1", "strategies": ["random", "margin"], "inits": ["random"]},
        ],
    }
    data.update(over)
    return parse_config({k: v for k, v in data.items() if v is not None})


@pytest.fixture(scope="session")
def make_config():
    """Factory of tiny configs (keyword overrides of the top-level keys)."""
    return tiny_config
