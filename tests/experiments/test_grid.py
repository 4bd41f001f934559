"""Grid expansion: every distinct (dataset, strategy, init, seed) once, in a stable order."""

from __future__ import annotations

from annal.experiments import expand_grid, load_config
from annal.experiments.grid import experiments_of


def test_shared_cells_run_once(make_config):
    cfg = make_config(
        seeds=[0, 1],
        experiments=[
            {"name": "a", "strategies": ["random", "margin"], "inits": ["random"]},
            {
                "name": "b",
                "strategies": ["random", "entropy"],
                "inits": ["random", "class-coverage"],
            },
        ],
    )
    cells = expand_grid(cfg)
    keys = [c.key for c in cells]
    assert len(keys) == len(set(keys))
    # per seed: random/random, margin/random, entropy/random, random/cc, entropy/cc
    assert len(cells) == 2 * 5
    assert keys[0] == "demo/random/random/0"
    assert {c.seed for c in cells} == {0, 1}
    assert expand_grid(cfg) == cells  # deterministic
    assert experiments_of(cfg, "random", "random") == ["a", "b"]
    assert experiments_of(cfg, "entropy", "class-coverage") == ["b"]


def test_paper_grid_has_every_experiment_cell():
    cfg = load_config("paper")
    cells = {(c.strategy, c.init) for c in expand_grid(cfg)}
    for exp in cfg.experiments:
        for init in exp.inits:
            for s in exp.strategies:
                assert (s.key, init) in cells
