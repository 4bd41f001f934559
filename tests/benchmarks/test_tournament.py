"""The tournament table pools a grid run in parts: each cell counted once, finished rows first."""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))

from tournament import RUN_KEY, first_of_each_cell  # noqa: E402


def _runs(rows: list[tuple[str, str, int, str, float]]) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {"dataset": d, "strategy": s, "init": "random", "seed": seed, "status": st, "f1": f1}
            for d, s, seed, st, f1 in rows
        ]
    )


def test_a_cell_run_in_two_directories_counts_once() -> None:
    frame = _runs(
        [
            ("trec6", "margin", 0, "done", 0.5),
            ("trec6", "galaxy", 0, "done", 0.6),
            ("trec6", "margin", 0, "done", 0.5),  # the same cell again, from a second directory
        ]
    )
    out = first_of_each_cell(frame, RUN_KEY)
    assert len(out) == 2
    assert sorted(out["strategy"]) == ["galaxy", "margin"]


def test_a_finished_copy_wins_over_a_pending_one_whatever_the_order() -> None:
    frame = _runs(
        [
            ("r8", "margin", 1, "pending", float("nan")),
            ("r8", "margin", 1, "done", 0.7),
            ("r8", "margin", 2, "failed", float("nan")),
        ]
    )
    out = first_of_each_cell(frame, RUN_KEY)
    assert len(out) == 2
    seed1 = out[out["seed"] == 1]
    assert seed1["status"].tolist() == ["done"]
    assert seed1["f1"].tolist() == [0.7]
    assert out[out["seed"] == 2]["status"].tolist() == ["failed"]
