"""Issue 10: every user error on the CLI is one ``error:`` line naming what and where, exit
code 2, and no file left behind that was not there before.

One table of hostile inputs, each run through the real command line in a scratch folder:
the folder's files (names and bytes) must be the same after the command as before.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from typer.testing import CliRunner

from annal.cli import app

runner = CliRunner()

TFIDF = "tfidf?dim=8"
AL = ["al", "run", "d.csv", "--model", TFIDF, "--initial", "6", "--budget", "3", "--rounds", "2"]
EMBED = ["embed", "d.csv", "--model", TFIDF]
GRID = {
    "name": "tiny",
    "datasets": ["d.csv"],
    "encoder": TFIDF,
    "seeds": [0],
    "protocol": {"initial": 6, "budget": 3, "rounds": 2},
    "strategies": ["random", "margin"],
}


def _config(path: Path, **over) -> None:
    data = {**GRID, **over}
    path.write_text(yaml.safe_dump({k: v for k, v in data.items() if v is not None}))


def _npy_bytes(arr: np.ndarray) -> bytes:
    import io

    buf = io.BytesIO()
    np.save(buf, arr, allow_pickle=True)
    return buf.getvalue()


def _setup(folder: Path) -> None:
    """The scratch folder every case starts from."""
    rng = np.random.default_rng(0)
    words = {"a": "apple pie tart", "b": "blue sky cloud", "c": "green tea cup"}
    rows = [(f"{words[c]} {i} {rng.integers(1000)}", c) for c in "abc" for i in range(20)]
    pd.DataFrame(rows, columns=["text", "label"]).to_csv(folder / "d.csv", index=False)
    (folder / "outdir").mkdir()
    (folder / "afile").write_text("I am a file")
    _config(folder / "good.yaml")
    vec = rng.normal(size=(50, 8)).astype(np.float32)
    np.save(folder / "vec.npy", vec)
    (folder / "pickled.npy").write_bytes(_npy_bytes(np.array([{"a": 1}], dtype=object)))
    (folder / "garbage.npy").write_bytes(b"this is not numpy at all")
    (folder / "truncated.npy").write_bytes((folder / "vec.npy").read_bytes()[:300])
    (folder / "empty.npy").write_bytes(b"")
    np.save(folder / "ints.npy", np.arange(400).reshape(50, 8))
    (folder / "zero.sqlite").mkdir()
    (folder / "zero.sqlite" / "results.sqlite").write_bytes(b"")
    (folder / "corrupt").mkdir()
    (folder / "corrupt" / "results.sqlite").write_bytes(b"SQLite format 3\x00" + b"\xff" * 600)
    (folder / "bad.yaml").write_bytes("name: caf\xe9\n".encode("latin-1"))


CASES: dict[str, tuple[list[str], tuple[str, ...], dict]] = {
    # -- seeds ----------------------------------------------------------------------------
    "al run negative seed": ([*AL, "-s", "random", "--seed", "-1"], ("--seed",), {}),
    "ann-bench negative seed": (
        ["ann-bench", "vec.npy", "-i", "exact", "--seed", "-1"],
        ("--seed",),
        {},
    ),
    "yaml negative seed": (["experiment", "run", "cfg.yaml"], ("seeds",), {"seeds": [-1]}),
    # -- part parameters --------------------------------------------------------------------
    "tfidf dim not a number": (
        ["embed", "d.csv", "--model", "tfidf?dim=abc", "--out", "o.npy"],
        ("dim",),
        {},
    ),
    "minilm batch_size 0": (
        ["embed", "d.csv", "--model", "minilm?batch_size=0", "--out", "o.npy"],
        ("batch_size",),
        {},
    ),
    "yaml encoder bad param": (
        ["experiment", "run", "cfg.yaml"],
        ("dim",),
        {"encoder": "tfidf?dim=abc"},
    ),
    "n_clusters not a number": (
        [*AL, "-s", "cluster", "--param", "n_clusters=abc"],
        ("n_clusters",),
        {},
    ),
    "max_iter 0": ([*AL, "-s", "cluster", "--param", "max_iter=0"], ("max_iter",), {}),
    "n_clusters 0": ([*AL, "-s", "cluster", "--param", "n_clusters=0"], ("n_clusters",), {}),
    "n_clusters negative": (
        [*AL, "-s", "cluster", "--param", "n_clusters=-2"],
        ("n_clusters",),
        {},
    ),
    "n_clusters fraction": (
        [*AL, "-s", "cluster", "--param", "n_clusters=2.5"],
        ("n_clusters",),
        {},
    ),
    "repeated --param": (
        [*AL, "-s", "distance", "--param", "aggregate=max", "--param", "aggregate=min"],
        ("aggregate",),
        {},
    ),
    "yaml bad strategy param value": (
        ["experiment", "run", "cfg.yaml"],
        ("n_clusters",),
        {"strategies": ["random", {"name": "cluster", "params": {"n_clusters": "abc"}}]},
    ),
    "yaml budget true": (
        ["experiment", "run", "cfg.yaml"],
        ("budget",),
        {"protocol": {"initial": 6, "budget": True, "rounds": 2}},
    ),
    "yaml misspelt nested key": (
        ["experiment", "run", "cfg.yaml"],
        ("protocol.intial", "unknown key"),  # starts like pydantic's "int" branch name
        {"protocol": {"intial": 6, "budget": 3, "rounds": 2}},
    ),
    "al run budget beyond the pool": (
        [*AL[:5], "-s", "random", "--initial", "6", "--budget", "1000"],
        ("--budget", "1000"),
        {},
    ),
    # -- output paths -----------------------------------------------------------------------
    "embed --out a directory": ([*EMBED, "--out", "outdir"], ("outdir", "directory"), {}),
    "embed --ids-out a directory": (
        [*EMBED, "--out", "o.npy", "--ids-out", "outdir"],
        ("outdir", "directory"),
        {},
    ),
    "embed --out under a file": ([*EMBED, "--out", "afile/o.npy"], ("afile",), {}),
    "al run --out a directory": ([*AL, "-s", "random", "--out", "outdir"], ("outdir",), {}),
    "data info --plot a directory": (
        ["data", "info", "d.csv", "--plot", "outdir"],
        ("outdir",),
        {},
    ),
    "experiment --out a file": (
        ["experiment", "run", "good.yaml", "--out", "afile"],
        ("afile",),
        {},
    ),
    "ann-bench --out a file": (
        ["ann-bench", "vec.npy", "-i", "exact", "--out", "afile"],
        ("afile",),
        {},
    ),
    # -- results stores -------------------------------------------------------------------
    "report on a zero-byte store": (["report", "zero.sqlite"], ("zero.sqlite",), {}),
    "export from a zero-byte store": (["results", "export", "zero.sqlite"], ("zero.sqlite",), {}),
    "report on a corrupt store": (["report", "corrupt"], ("corrupt",), {}),
    "export from a corrupt store": (["results", "export", "corrupt"], ("corrupt",), {}),
    # -- vector files -----------------------------------------------------------------------
    "ann-bench pickled .npy": (["ann-bench", "pickled.npy", "-i", "exact"], ("pickled.npy",), {}),
    "ann-bench garbage .npy": (["ann-bench", "garbage.npy", "-i", "exact"], ("garbage.npy",), {}),
    "ann-bench truncated .npy": (
        ["ann-bench", "truncated.npy", "-i", "exact"],
        ("truncated.npy",),
        {},
    ),
    "ann-bench empty .npy": (["ann-bench", "empty.npy", "-i", "exact"], ("empty.npy",), {}),
    "ann-bench int .npy": (["ann-bench", "ints.npy", "-i", "exact"], ("ints.npy", "dtype"), {}),
    # -- config files ---------------------------------------------------------------------
    "yaml not UTF-8": (["experiment", "run", "bad.yaml"], ("bad.yaml", "UTF-8"), {}),
    "yaml rounds a fraction": (
        ["experiment", "run", "cfg.yaml"],
        ("protocol.rounds",),
        {"protocol": {"initial": 6, "budget": 3, "rounds": 2.5}},
    ),
    "al run --out unknown table format": (
        [*AL, "-s", "random", "--out", "rounds.xlsx"],
        ("rounds.xlsx", ".parquet"),
        {},
    ),
    # -- text shown as is, never as markup ------------------------------------------------
    "path holding markup close tag": (["data", "info", "[/x]/d.csv"], ("[/x]/d.csv",), {}),
    "path holding a style tag": (["data", "info", "[bold]d.csv"], ("[bold]d.csv",), {}),
    "combined weights list": (
        [*AL, "-s", "combined", "--param", "strategies=cluster:0,distance:0"],
        ("[0.0, 0.0]",),
        {},
    ),
}


def _tree(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        if p.is_file()
        else "/"
        for p in sorted(folder.rglob("*"))
    }


@pytest.mark.parametrize("case", list(CASES))
def test_user_error_is_one_line_exit_2_and_leaves_nothing(case, tmp_path, monkeypatch, user_error):
    argv, needles, config = CASES[case]
    _setup(tmp_path)
    if config:
        _config(tmp_path / "cfg.yaml", **config)
    monkeypatch.chdir(tmp_path)
    before = _tree(tmp_path)
    if "experiment" in argv:
        argv = [*argv, "--jobs", "1", "--no-progress"]
        if "--out" not in argv:
            argv = [*argv, "--out", "run"]
    result = runner.invoke(app, argv)
    assert result.exit_code == 2, result.output
    user_error(result.output, *needles)
    assert _tree(tmp_path) == before


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs POSIX resource limits")
def test_full_disk_during_embed_is_one_line_and_leaves_nothing(tmp_path):
    """A write that the file system refuses (here: a 4 kB file-size limit, as a full disk)."""
    import subprocess
    import sys

    _setup(tmp_path)
    before = _tree(tmp_path)
    code = (
        "import resource, signal, sys\n"
        "signal.signal(signal.SIGXFSZ, signal.SIG_IGN)\n"
        "resource.setrlimit(resource.RLIMIT_FSIZE, (4096, 4096))\n"
        "from annal.cli import main\n"
        "sys.argv = ['annal', 'embed', 'd.csv', '--model', 'tfidf?dim=32', '--out', 'o.npy', "
        "'--no-cache']\n"
        "main()\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 2, proc.stderr
    errors = [ln for ln in proc.stderr.splitlines() if ln.startswith("error:")]
    assert len(errors) == 1 and "o.npy" in errors[0], proc.stderr
    assert "Traceback" not in proc.stderr
    assert _tree(tmp_path) == before


def test_al_run_out_writes_the_format_its_suffix_names(tmp_path, monkeypatch):
    """Issue 10: `al run --out x.parquet` wrote CSV."""
    _setup(tmp_path)
    monkeypatch.chdir(tmp_path)
    frames = {}
    for name in ("r.parquet", "r.csv", "r.tsv"):
        result = runner.invoke(app, [*AL, "-s", "random", "--out", name])
        assert result.exit_code == 0, result.output
    frames["r.parquet"] = pd.read_parquet("r.parquet")
    frames["r.csv"] = pd.read_csv("r.csv")
    frames["r.tsv"] = pd.read_csv("r.tsv", sep="\t")
    assert Path("r.parquet").read_bytes()[:4] == b"PAR1"
    for frame in frames.values():
        assert list(frame["round"]) == [0, 1, 2]
        np.testing.assert_allclose(frame["f1_macro"], frames["r.parquet"]["f1_macro"])
