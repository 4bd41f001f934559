"""Grid expansion: a config becomes the list of cells (dataset, strategy, init, seed) to run.

A cell shared by several experiments (random sampling with random initialisation appears in
all three of the paper's) is run once. The order is deterministic: dataset, seed, then the
experiments' own order, so results and progress read the same every time.
"""

from __future__ import annotations

from dataclasses import dataclass

from annal.experiments.config import Config


@dataclass(frozen=True, order=True)
class Cell:
    """One run of the AL loop: a dataset, a strategy (by key), an initialisation and a seed."""

    dataset: str
    strategy: str
    init: str
    seed: int

    @property
    def key(self) -> str:
        """A unique, readable id, e.g. ``trec6/margin/random/0``."""
        return f"{self.dataset}/{self.strategy}/{self.init}/{self.seed}"


def expand_grid(config: Config) -> list[Cell]:
    """Every distinct cell of the config, in run order.

    Parameters
    ----------
    config : Config
        A validated config.

    Returns
    -------
    list of Cell
        ``datasets x seeds x union over experiments of (init, strategy)``, without duplicates.
    """
    cells: list[Cell] = []
    seen: set[Cell] = set()
    for ds in config.datasets:
        for seed in config.seeds:
            for exp in config.experiments:
                for init in exp.inits:
                    for strategy in exp.strategies:
                        cell = Cell(ds.key, strategy.key, init, seed)
                        if cell not in seen:
                            seen.add(cell)
                            cells.append(cell)
    return cells


def experiments_of(config: Config, strategy: str, init: str) -> list[str]:
    """The names of the experiments that a (strategy, init) pair belongs to."""
    return [
        exp.name
        for exp in config.experiments
        if init in exp.inits and any(s.key == strategy for s in exp.strategies)
    ]
