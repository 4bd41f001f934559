"""The worker: a dataset shipped by the local backend is memory-mapped, with the same results."""

from __future__ import annotations

import numpy as np

from annal.al import ActiveLearningLoop, RoundRecord
from annal.experiments import worker
from annal.experiments.worker import CellTask, execute_cell, load_arrays, write_arrays


class _Sink(list):
    def put(self, item):
        self.append(item)


def _results(messages: list) -> list:
    timing = set(RoundRecord.timing_fields())
    return [
        (
            kind,
            cell,
            None if not isinstance(p, dict) else {k: v for k, v in p.items() if k not in timing},
        )
        for kind, cell, p in messages
    ]


def test_the_worker_memory_maps_shipped_arrays_and_gets_the_same_rounds(tmp_path, monkeypatch):
    rng = np.random.default_rng(0)
    arrays = {
        "X": rng.standard_normal((300, 8)).astype(np.float32),
        "y": rng.integers(0, 4, 300).astype(np.int64),
        "ids": np.arange(1000, 1300, dtype=np.int64),
    }
    folder = write_arrays(tmp_path / "0", arrays)
    seen = []

    def spy(data):
        out = load_arrays(data)
        seen.append({k: type(v) for k, v in out.items()})
        return out

    monkeypatch.setattr(worker, "load_arrays", spy)
    task = CellTask(
        cell="toy/margin/random/0",
        loop=ActiveLearningLoop("margin", initial=20, budget=10, rounds=2, seed=0),
        train_pos=np.arange(0, 240, dtype=np.int64),
        test_pos=np.arange(240, 300, dtype=np.int64),
        initial_ids=np.arange(1000, 1020, dtype=np.int64),
        n_classes=4,
    )
    mapped, in_memory = _Sink(), _Sink()
    assert execute_cell(task, folder, mapped) == "done"
    assert execute_cell(task, arrays, in_memory) == "done"
    assert seen[0] == dict.fromkeys(("X", "ids", "y"), np.memmap)  # read in place, not whole
    assert seen[1] == dict.fromkeys(("X", "y", "ids"), np.ndarray)
    assert len(mapped) == 4 and _results(mapped) == _results(in_memory)
