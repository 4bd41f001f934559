"""Experiment grids: config, grid expansion, results store, local/Ray runners.

>>> from annal.experiments import load_config, run_experiment
>>> summary = run_experiment(load_config("paper"), "runs/paper")  # doctest: +SKIP
"""

from annal.experiments.config import PRESETS, Config, load_config, parse_config
from annal.experiments.grid import Cell, expand_grid
from annal.experiments.runner import DEFAULT_JOBS, RunSummary, run_experiment
from annal.experiments.store import STORE_NAME, ResultsStore, export_rounds

__all__ = [
    "DEFAULT_JOBS",
    "PRESETS",
    "STORE_NAME",
    "Cell",
    "Config",
    "ResultsStore",
    "RunSummary",
    "expand_grid",
    "export_rounds",
    "load_config",
    "parse_config",
    "run_experiment",
]
