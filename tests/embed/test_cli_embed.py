"""``annal embed`` through typer's CliRunner."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from annal.cli import app

runner = CliRunner()


@pytest.fixture
def csv(tmp_path):
    path = tmp_path / "d.csv"
    pd.DataFrame(
        {
            "text": [
                "red apple pie",
                "green pear tart",
                "blue sky",
                "grey cloud",
                "green pear tart",
            ],
            "label": ["fruit", "fruit", "sky", "sky", "fruit"],
        }
    ).to_csv(path, index=False)
    return path


def test_embed_writes_vectors_and_ids(csv, tmp_path):
    out, ids = tmp_path / "o" / "x.npy", tmp_path / "ids.npy"
    result = runner.invoke(
        app, ["embed", str(csv), "--model", "tfidf?dim=2", "--out", str(out), "--ids-out", str(ids)]
    )
    assert result.exit_code == 0, result.output
    X = np.load(out, allow_pickle=False)
    assert X.shape == (4, 2) and X.dtype == np.float32
    assert np.load(ids).tolist() == [0, 1, 2, 3]
    assert "1 of 5 rows dropped" in result.output
    assert sorted(p.name for p in out.parent.iterdir()) == ["x.npy"]


def test_embed_demo(tmp_path):
    out = tmp_path / "d.npy"
    result = runner.invoke(app, ["embed", "demo", "--model", "tfidf?dim=16", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert np.load(out).shape == (3000, 16)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--model", "/no/such/model/dir"], "does not exist"),
        (["--model", "tfidf?bogus=1"], "unknown parameter"),
        (["--model", "missing.npy"], "no such embeddings file"),
    ],
)
def test_bad_model_is_one_line_and_exit_2(csv, tmp_path, args, message):
    out = tmp_path / "x.npy"
    result = runner.invoke(app, ["embed", str(csv), *args, "--out", str(out)])
    assert result.exit_code == 2, result.output
    lines = [ln for ln in result.output.splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith("error:") and message in lines[0]
    assert not out.exists()


@pytest.mark.parametrize("name", ["vectors", "vectors.NPY", "vectors.txt", "v.npy.part"])
def test_embed_out_writes_exactly_the_named_file(csv, tmp_path, name):
    """Issue 10: an --out not ending in lowercase .npy left a 0-byte file (np.save had
    appended .npy to the temp name, so the data sat in a hidden file)."""
    out, ids = tmp_path / "o" / name, tmp_path / "o" / f"ids-{name}"
    result = runner.invoke(
        app, ["embed", str(csv), "--model", "tfidf?dim=2", "--out", str(out), "--ids-out", str(ids)]
    )
    assert result.exit_code == 0, result.output
    with open(out, "rb") as fh:  # by handle: np.load(path) would not care about the name
        X = np.load(fh, allow_pickle=False)
    with open(ids, "rb") as fh:
        assert np.load(fh).tolist() == [0, 1, 2, 3]
    assert X.shape == (4, 2) and X.dtype == np.float32 and np.isfinite(X).all()
    assert sorted(p.name for p in out.parent.iterdir()) == sorted([name, f"ids-{name}"])


@pytest.mark.parametrize("umask", [0o022, 0o077, 0o002])
def test_output_mode_follows_the_umask(csv, tmp_path, umask):
    """Issue 10: outputs were always 0600 (mkstemp's mode), whatever the umask."""
    import os

    out = tmp_path / "x.npy"
    old = os.umask(umask)
    try:
        result = runner.invoke(
            app, ["embed", str(csv), "--model", "tfidf?dim=2", "--out", str(out)]
        )
    finally:
        os.umask(old)
    assert result.exit_code == 0, result.output
    assert out.stat().st_mode & 0o777 == 0o666 & ~umask


@pytest.mark.parametrize(
    ("env", "reason"),
    [
        ({"HF_ENDPOINT": "http://127.0.0.1:9"}, "cannot be reached"),  # a closed port: no hub
        ({"HF_HUB_OFFLINE": "1"}, "HF_HUB_OFFLINE is set"),
    ],
)
def test_misspelt_model_fails_at_once_when_the_hub_is_out_of_reach(csv, tmp_path, env, reason):
    """Issue 10: a misspelt --model waited ~75 s on hub retries on an offline machine; it is
    looked up locally (bundled, folder, Hugging Face cache) and refused at once."""
    import os
    import subprocess
    import sys

    clean = {
        k: v for k, v in os.environ.items() if k not in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE")
    }
    out = tmp_path / "x.npy"
    proc = subprocess.run(
        [sys.executable, "-m", "annal", "embed", str(csv), "--model", "minilmm", "--out", str(out)],
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 2, proc.stderr
    errors = [ln for ln in proc.stderr.splitlines() if ln.startswith("error:")]
    assert len(errors) == 1 and "'minilmm'" in errors[0] and reason in errors[0], proc.stderr
    assert not out.exists()


def test_progress_off_a_terminal_is_one_line_per_tenth(capsys):
    """Off a terminal an encode reports each tenth once, as a plain line (no bar pieces),
    and a resumed write starts from what was done."""
    from annal.embed.progress import progress_bar

    with progress_bar(True) as bar:
        task = bar.add_task("encoding", total=200, completed=40)
        for _ in range(16):
            bar.advance(task, 10)
    lines = capsys.readouterr().err.splitlines()
    assert lines == [f"encoding: {p}% ({p * 2}/200)" for p in range(30, 101, 10)]
