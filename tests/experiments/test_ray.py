"""The Ray backend gives the same numbers as the local one (a local 2-CPU Ray instance)."""

from __future__ import annotations

import pandas as pd
import pytest

from annal.experiments import ResultsStore, run_experiment
from annal.experiments.store import TIMING_FIELDS


def _frame(run_dir) -> pd.DataFrame:
    with ResultsStore.existing(run_dir) as store:
        df = store.rounds_frame()
    return df.drop(columns=list(TIMING_FIELDS))


def test_ray_equals_local_on_a_tiny_grid(tmp_path, make_config):
    ray = pytest.importorskip("ray")
    cfg = make_config(strategies=["margin", "cluster"], experiments=None)
    local = run_experiment(cfg, tmp_path / "local", jobs=2, progress=False)
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    try:
        remote = run_experiment(cfg, tmp_path / "ray", backend="ray", jobs=2, progress=False)
        assert ray.is_initialized()  # an existing Ray is used, not shut down by the run
    finally:
        ray.shutdown()
    assert local.ok and remote.ok and remote.done == 2
    pd.testing.assert_frame_equal(_frame(tmp_path / "local"), _frame(tmp_path / "ray"))
