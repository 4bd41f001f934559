"""Crash safety: kill -9 a real `annal experiment run` mid-grid, re-run, get identical numbers."""

from __future__ import annotations

import contextlib
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd

from annal.experiments import ResultsStore, run_experiment
from annal.experiments.store import TIMING_FIELDS


def _stored_rounds(path) -> int:
    try:
        con = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=1)
        try:
            return con.execute("SELECT COUNT(*) FROM rounds").fetchone()[0]
        finally:
            con.close()
    except sqlite3.Error:
        return 0


def _children(pid: int) -> list[int]:
    out = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            out.append(int(stat.parent.name))
    return out


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def _frame(run_dir) -> pd.DataFrame:
    with ResultsStore.existing(run_dir) as store:
        df = store.rounds_frame()
    return df.drop(columns=list(TIMING_FIELDS))


def test_kill_9_mid_grid_then_resume_equals_an_uninterrupted_run(tmp_path, make_config):
    cfg = make_config(
        strategies=["margin", "cluster"],
        experiments=None,
        protocol={"initial": 30, "budget": 20, "rounds": 12},
    )
    config_file = tmp_path / "c.yaml"
    config_file.write_text(cfg.to_yaml())
    killed = tmp_path / "killed"
    cmd = [sys.executable, "-m", "annal", "experiment", "run", str(config_file)]
    cmd += ["--out", str(killed), "--jobs", "1", "--no-progress"]
    proc = subprocess.Popen(
        cmd, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    store_file = killed / "results.sqlite"
    deadline = time.monotonic() + 150
    try:
        while _stored_rounds(store_file) < 4:
            assert proc.poll() is None, f"run ended before it could be killed: {proc.stderr.read()}"
            assert time.monotonic() < deadline, "no rounds stored in time"
            time.sleep(0.02)
        helpers = _children(proc.pid)
        assert helpers  # the message queue's server and the worker
        os.kill(proc.pid, signal.SIGKILL)  # only the driver, as `kill -9 PID` would
        proc.wait()
        # Nothing it started outlives it for long (no orphaned queue server or worker).
        gone_by = time.monotonic() + 30
        while any(_alive(p) for p in helpers) and time.monotonic() < gone_by:
            time.sleep(0.1)
        assert not [p for p in helpers if _alive(p)]
    finally:
        with contextlib.suppress(ProcessLookupError):  # whatever is left of the group
            os.killpg(proc.pid, signal.SIGKILL)
    total = 2 * (12 + 1)
    with ResultsStore.existing(killed) as store:
        runs = store.runs()
        partial = [len(store.rounds_of(r)) for r in runs["run_id"]]
    assert 4 <= sum(partial) < total
    assert any(0 < n < 13 for n in partial), partial  # a cell was cut off mid-way
    assert "done" not in set(runs["status"]) or len(runs) == 2

    resumed = run_experiment(cfg, killed, jobs=1, progress=False)
    assert resumed.ok and resumed.done + resumed.skipped == 2 and resumed.done >= 1
    run_experiment(cfg, tmp_path / "clean", jobs=1, progress=False)
    a, b = _frame(killed), _frame(tmp_path / "clean")
    assert len(a) == total
    pd.testing.assert_frame_equal(a, b)
