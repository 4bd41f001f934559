"""Integration: ``annal embed`` (no clean, MiniLM) reproduces the shared minilm.npy files."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from annal.cli import app

pytestmark = pytest.mark.shared


@pytest.mark.parametrize(
    ("name", "rows"),
    [
        ("trec6", np.r_[0:90, 5781:5871]),  # short questions, both ends of the file
        ("r8", np.r_[0:10, 7585:7595]),  # long newswire: checks truncation at 256 tokens
    ],
)
def test_embed_slice_matches_minilm_npy(shared_root, tmp_path, name, rows):
    folder = shared_root / name
    frame = pd.read_csv(folder / "data.csv", dtype=str, keep_default_na=False)
    frame.iloc[rows].to_csv(tmp_path / "slice.csv", index=False)
    out = tmp_path / "slice.npy"
    result = CliRunner().invoke(
        app,
        [
            "embed",
            str(tmp_path / "slice.csv"),
            "--model",
            "minilm",
            "--no-clean",
            "--min-class-size",
            "1",
            "--out",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    mine = np.load(out)
    reference = np.load(folder / "minilm.npy")[rows].astype(np.float32)
    assert mine.shape == reference.shape == (len(rows), 384)
    diff = float(np.abs(mine - reference).max())
    assert diff < 1e-3, diff
