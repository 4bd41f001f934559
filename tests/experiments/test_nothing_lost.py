"""Issue 10: a run that cannot start writes nothing, and --force replaces old results only
once the new run can start (checked on the bytes on disk)."""

from __future__ import annotations

import hashlib

import pytest
import yaml
from typer.testing import CliRunner

from annal.cli import app

runner = CliRunner()

BASE = {
    "name": "tiny",
    "datasets": ["demo"],
    "encoder": "tfidf?dim=32",
    "seeds": [0],
    "protocol": {"initial": 30, "budget": 20, "rounds": 2},
    "strategies": ["random"],
}


def _write(path, **over):
    cfg = {**BASE, **over}
    path.write_text(yaml.safe_dump(cfg), encoding="utf-8")
    return path


def _tree(folder):
    """Every file under ``folder`` with the SHA-256 of its bytes."""
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


@pytest.fixture
def data_files(tmp_path):
    one_class = tmp_path / "one.csv"
    one_class.write_text("text,label\n" + "".join(f"row {i},a\n" for i in range(30)))
    latin1 = tmp_path / "latin1.csv"
    latin1.write_bytes("text,label\ncaf\xe9 au lait,a\nth\xe9,b\n".encode("latin-1") * 20)
    return {"one_class": one_class, "latin1": latin1}


def _bad_starts(data_files):
    return {
        "unknown dataset": {"datasets": ["no_such_dataset_here"]},
        "budget beyond the pool": {"protocol": {"initial": 30, "budget": 5000, "rounds": 2}},
        "one class": {"datasets": [str(data_files["one_class"])]},
        "not UTF-8": {"datasets": [str(data_files["latin1"])]},
        "negative seed": {"seeds": [-1]},
    }


@pytest.mark.parametrize(
    "case",
    ["unknown dataset", "budget beyond the pool", "one class", "not UTF-8", "negative seed"],
)
def test_a_run_that_cannot_start_writes_nothing(tmp_path, data_files, case, user_error):
    out = tmp_path / "run"
    bad = _write(tmp_path / "bad.yaml", **_bad_starts(data_files)[case])
    result = runner.invoke(app, ["experiment", "run", str(bad), "--out", str(out), "--jobs", "1"])
    assert result.exit_code == 2, result.output
    user_error(result.output)
    assert not out.exists()
    # ... so the corrected config then runs there (it was refused as "a different config").
    good = _write(tmp_path / "good.yaml")
    result = runner.invoke(
        app, ["experiment", "run", str(good), "--out", str(out), "--jobs", "1", "--no-progress"]
    )
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize("case", ["unknown dataset", "budget beyond the pool", "one class"])
def test_force_keeps_the_old_run_when_the_new_config_fails(tmp_path, data_files, case, user_error):
    out = tmp_path / "run"
    good = _write(tmp_path / "good.yaml")
    args = ["--out", str(out), "--jobs", "1", "--no-progress"]
    assert runner.invoke(app, ["experiment", "run", str(good), *args]).exit_code == 0
    before = _tree(out)
    assert "results.sqlite" in before
    bad = _write(tmp_path / "bad.yaml", **_bad_starts(data_files)[case])
    result = runner.invoke(app, ["experiment", "run", str(bad), *args, "--force"])
    assert result.exit_code == 2, result.output
    user_error(result.output)
    assert _tree(out) == before  # every byte of the old run is still there


def test_a_run_directory_in_use_is_refused_and_released(tmp_path, user_error):
    """Issue 10: two runs of one config into one directory both did all the work."""
    from annal._io import LOCK_NAME, run_lock

    out = tmp_path / "run"
    good = _write(tmp_path / "good.yaml")
    args = ["experiment", "run", str(good), "--out", str(out), "--jobs", "1", "--no-progress"]
    with run_lock(out):  # another run holds the directory
        assert (out / LOCK_NAME).read_text() == str(__import__("os").getpid())
        result = runner.invoke(app, args)
        assert result.exit_code == 2, result.output
        user_error(result.output, str(out), "in use")
        assert sorted(p.name for p in out.iterdir()) == [LOCK_NAME]  # nothing written
    assert not out.exists()  # the holder created it and left nothing behind
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == ["results.sqlite"]


def test_jobs_beyond_the_cores_are_capped_with_a_note(tmp_path):
    """Issue 10: --jobs 64 on 2 cores started 64 workers."""
    from annal.experiments.backends import available_cores, make_backend

    assert make_backend("local", jobs=10_000).jobs == available_cores()
    assert make_backend("local", jobs=1).jobs == 1
    good = _write(tmp_path / "good.yaml")
    out = tmp_path / "run"
    result = runner.invoke(
        app, ["experiment", "run", str(good), "--out", str(out), "--jobs", "10000", "--no-progress"]
    )
    assert result.exit_code == 0, result.output
    assert f"note: --jobs 10000 is more than the {available_cores()} cores here" in result.output


@pytest.mark.slow
def test_ctrl_c_stops_a_run_in_one_piece_and_it_resumes(tmp_path):
    """Issue 10: Ctrl-C during `experiment run` printed a worker-thread traceback. A terminal
    sends SIGINT to the whole process group (driver, queue server, workers): only the driver
    answers, exits 130 without a traceback, and the rerun finishes the grid."""
    import os
    import signal
    import sqlite3
    import subprocess
    import sys
    import time

    cfg = _write(
        tmp_path / "long.yaml",
        seeds=[0, 1],
        protocol={"initial": 30, "budget": 20, "rounds": 40},
        strategies=["random", "margin"],
    )
    out = tmp_path / "run"
    argv = [sys.executable, "-m", "annal", "experiment", "run", str(cfg), "--out", str(out)]
    proc = subprocess.Popen(
        [*argv, "--jobs", "2"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its own process group, as a terminal's foreground job
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    store = out / "results.sqlite"
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.5)
        if store.exists():
            con = sqlite3.connect(f"{store.as_uri()}?mode=ro", uri=True)
            try:
                if con.execute("SELECT count(*) FROM rounds").fetchone()[0] >= 3:
                    break
            except sqlite3.Error:
                pass
            finally:
                con.close()
    assert proc.poll() is None, "the run ended before it could be interrupted"
    os.killpg(proc.pid, signal.SIGINT)
    _, err = proc.communicate(timeout=300)
    assert proc.returncode == 130, err
    assert "Traceback" not in err, err
    again = subprocess.run(
        [*argv, "--jobs", "2", "--no-progress"], capture_output=True, text=True, timeout=600
    )
    assert again.returncode == 0, again.stderr
    assert "0 failed" in again.stdout, again.stdout
