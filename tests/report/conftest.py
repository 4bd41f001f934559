"""Shared helpers of the report tests: a results store filled with rounds of known values."""

from __future__ import annotations

import zlib

import numpy as np
import pandas as pd
import pytest

from annal.experiments import expand_grid, parse_config
from annal.experiments.runner import open_store

CONFIG = {
    "name": "synthetic",
    "datasets": ["alpha", "beta"],
    "seeds": 3,
    "protocol": {"initial": 10, "budget": 10, "rounds": 4},
    "experiments": [
        {"name": "e1", "strategies": ["random", "margin", "distance"], "inits": ["random"]},
        {"name": "t1", "strategies": ["random", "distance"], "inits": ["random", "class-coverage"]},
    ],
}
SKILL = {"random": 0.0, "margin": 0.08, "distance": 0.02}


COUNTS = {"alpha": [50, 20, 5], "beta": [40, 40, 30, 2]}


def fill_store(
    run_dir,
    *,
    extra_running: bool = False,
    config: dict | None = None,
    skill: dict | None = None,
    noise: float = 0.005,
) -> pd.DataFrame:
    """Write rounds with known values for every cell; returns them as one frame.

    Macro F1 at round r is ``0.3 + 0.1 r + skill[strategy]`` plus normal noise (seeded by the
    cell); class i's recall is that F1 plus ``0.01 i``."""
    cfg = parse_config(config or CONFIG)
    skill = SKILL if skill is None else skill
    rows = []
    with open_store(run_dir, cfg) as store:
        for name, counts in COUNTS.items():
            store.put_dataset(
                name, [f"c{i}" for i in range(len(counts))], counts, {"kept": sum(counts)}
            )
        for cell in expand_grid(cfg):
            rng = np.random.default_rng(zlib.crc32(cell.key.encode()))
            rid = store.ensure_run(cell.key, _fields(cell))
            for r in range(5):
                f1 = 0.3 + 0.1 * r + skill[cell.strategy] + rng.normal(0, noise)
                n_cls = len(COUNTS[cell.dataset])
                rec = {
                    "round": r,
                    "n_labelled": 10 + 10 * r,
                    "accuracy": f1 + 0.2,
                    "f1_macro": f1,
                    "f1_weighted": f1,
                    "precision_macro": f1 + 0.01,
                    "recall_macro": f1 - 0.01,
                    "recall_per_class": [f1 + 0.01 * i for i in range(n_cls)],
                    "f1_per_class": [f1] * n_cls,
                    "classes_covered": min(3, 1 + r),
                    "imbalance_ratio": 2.0,
                    "fit_s": 0.01,
                    "query_s": 0.02,
                    "selected_ids": list(range(r * 10, r * 10 + 10)),
                }
                store.add_round(rid, rec)
                rows.append(
                    {
                        **rec,
                        "dataset": cell.dataset,
                        "strategy": cell.strategy,
                        "init": cell.init,
                        "seed": cell.seed,
                    }
                )
            store.set_status(rid, "done")
        if extra_running:  # an unfinished run with absurd numbers must not be counted
            rid = store.ensure_run(
                "alpha/margin/random/9", _fields(expand_grid(cfg)[1]) | {"seed": 9}
            )
            store.add_round(rid, {**rec, "round": 4, "f1_macro": 99.0, "recall_macro": 99.0})
            store.set_status(rid, "running")
    return pd.DataFrame(rows)


def _fields(cell) -> dict:
    return {
        "config_hash": "x",
        "dataset": cell.dataset,
        "strategy": cell.strategy,
        "strategy_name": cell.strategy,
        "strategy_params": {},
        "init": cell.init,
        "seed": cell.seed,
        "classifier": "sgd",
        "experiments": [],
        "versions": {},
        "n_pool": 100,
        "n_test": 25,
        "initial": 10,
        "budget": 10,
        "rounds": 4,
        "split_fingerprint": "s",
        "initial_ids": [1, 2],
    }


@pytest.fixture
def filled():
    """:func:`fill_store`, for tests."""
    return fill_store


@pytest.fixture
def synthetic_config() -> dict:
    """The config :func:`fill_store` fills by default."""
    return CONFIG
