"""Benchmark CSVs: appended rows land under their own column names."""

from __future__ import annotations

import csv
import sys
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parents[2] / "benchmarks"
sys.path.insert(0, str(BENCH_DIR))

import scale_pool  # noqa: E402


def _read(path: Path) -> tuple[list[str], list[dict]]:
    with path.open(newline="") as fh:
        reader = csv.DictReader(fh)
        return list(reader.fieldnames or []), list(reader)


def test_a_row_with_its_keys_in_another_order_and_a_new_one_keeps_its_values(tmp_path):
    path = tmp_path / "rows.csv"
    scale_pool.append_csv(path, [{"n": 1, "pool": "full", "load": 2.0}])
    # A later version of the script puts a new column in the middle of its rows.
    scale_pool.append_csv(path, [{"n": 2, "pool": "seals", "cpu_s": 5.5, "load": 3.0}])
    header, rows = _read(path)
    assert header == ["n", "pool", "load", "cpu_s"]
    assert rows[0] == {"n": "1", "pool": "full", "load": "2.0", "cpu_s": ""}
    assert rows[1] == {"n": "2", "pool": "seals", "load": "3.0", "cpu_s": "5.5"}
    assert not list(tmp_path.glob("*.tmp*"))  # written through a temp file and renamed
