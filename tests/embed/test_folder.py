"""Issue 10: `annal embed FOLDER` makes a dataset folder's own `<model>.npy` (every data row,
raw text, row-aligned with data.csv, float16), which `data list` shows and `al run` uses."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from annal.cli import app
from annal.embed.folder import folder_file_name

runner = CliRunner()


def _folder(tmp_path, rows: list[tuple[str, str]]):
    folder = tmp_path / "mine"
    folder.mkdir()
    pd.DataFrame(rows, columns=["text", "label"]).to_csv(folder / "data.csv", index=False)
    return folder


def _rows():
    words = {"a": "apple pie tart", "b": "blue sky cloud", "c": "green tea cup"}
    rows = [(f"{words[c]} number {i}", c) for c in "abc" for i in range(15)]
    rows += [("apple pie tart number 0", "b"), ("", "a"), ("!!!", "c"), ("lonely", "z")]
    return rows  # a duplicate text with another label, an empty text, a rare class


def test_folder_file_names():
    assert folder_file_name("sentence-transformers/all-MiniLM-L6-v2") == "minilm.npy"
    assert folder_file_name("tfidf?dim=8") == "tfidf_dim=8.npy"
    assert folder_file_name("sentence-transformers/all-mpnet-base-v2") == "all-mpnet-base-v2.npy"
    assert folder_file_name("/models/my model") == "my_model.npy"


def test_embed_folder_writes_every_row_and_the_folder_then_loads(tmp_path):
    folder = _folder(tmp_path, _rows())
    result = runner.invoke(app, ["embed", str(folder), "--model", "tfidf?dim=8"])
    assert result.exit_code == 0, result.output
    out = folder / "tfidf_dim=8.npy"
    vectors = np.load(out, allow_pickle=False)
    assert vectors.shape == (len(_rows()), 8) and vectors.dtype == np.float16
    assert sorted(p.name for p in folder.iterdir()) == ["data.csv", "tfidf_dim=8.npy"]
    # A second run finds it complete and changes nothing.
    again = runner.invoke(app, ["embed", str(folder), "--model", "tfidf?dim=8"])
    assert again.exit_code == 0 and "already complete" in again.output
    assert np.array_equal(np.load(out), vectors)
    # `data list` shows it, and the folder loads with it (kept rows taken by their ids).
    listed = runner.invoke(app, ["data", "list", "--data-root", str(tmp_path)])
    assert "tfidf_dim=8" in listed.output, listed.output
    run = runner.invoke(
        app,
        ["al", "run", str(folder), "-s", "margin", "--model", "tfidf_dim=8.npy"]
        + ["--initial", "6", "--budget", "3", "--rounds", "2"],
    )
    assert run.exit_code == 0, run.output


def test_embed_folder_refuses_a_stale_file_and_a_plain_file(tmp_path, user_error):
    folder = _folder(tmp_path, _rows())
    np.save(folder / "tfidf_dim=8.npy", np.zeros((3, 8), np.float16))
    result = runner.invoke(app, ["embed", str(folder), "--model", "tfidf?dim=8"])
    assert result.exit_code == 2
    user_error(result.output, "tfidf_dim=8.npy", "remove it")
    result = runner.invoke(app, ["embed", str(folder / "data.csv"), "--model", "tfidf?dim=8"])
    assert result.exit_code == 2
    user_error(result.output, "not a dataset folder", "--out")


def test_embed_folder_resumes_after_a_crash(tmp_path, monkeypatch):
    """A crash after the first chunk: the rerun encodes only the chunks not yet written."""
    from annal.embed.folder import embed_folder
    from annal.embed.tfidf import TfidfEncoder

    folder = _folder(tmp_path, _rows())
    calls = []
    real = TfidfEncoder.encode

    def crash_on_second_call(self, texts):
        calls.append(len(texts))
        if len(calls) == 2:
            raise KeyboardInterrupt
        return real(self, texts)

    monkeypatch.setattr(TfidfEncoder, "row_independent", True, raising=False)
    monkeypatch.setattr(TfidfEncoder, "encode", crash_on_second_call)
    with pytest.raises(KeyboardInterrupt):
        embed_folder(folder, "tfidf?dim=4", chunk_rows=20, progress=False)
    assert not (folder / "tfidf_dim=4.npy").exists()  # only complete files appear
    done = embed_folder(folder, "tfidf?dim=4", chunk_rows=20, progress=False)
    assert not done.existed and done.rows == len(_rows())
    # Run one: chunk 0, then the crash in chunk 1. Run two: chunks 1 and 2 only.
    assert calls == [20, 20, 20, 9]
    assert sorted(p.name for p in folder.iterdir()) == ["data.csv", "tfidf_dim=4.npy"]


@pytest.mark.shared
def test_embed_a_copy_of_a_shared_folder_matches_its_minilm(shared_root, tmp_path):
    """The acceptance check on a small scale: a copy of trec6 without its minilm.npy (first
    200 rows), embedded by `annal embed FOLDER`, equals the shared file's rows within 1e-3,
    and `al run FOLDER` then works on it."""
    folder = tmp_path / "trec6"
    folder.mkdir()
    lines = (shared_root / "trec6" / "data.csv").read_text(encoding="utf-8").splitlines(True)
    (folder / "data.csv").write_text("".join(lines[:201]), encoding="utf-8")
    result = runner.invoke(app, ["embed", str(folder)])
    assert result.exit_code == 0, result.output
    mine = np.load(folder / "minilm.npy", allow_pickle=False)
    shared = np.load(shared_root / "trec6" / "minilm.npy", mmap_mode="r")[:200]
    assert mine.shape == (200, 384) and mine.dtype == np.float16
    assert np.abs(mine.astype(np.float32) - shared.astype(np.float32)).max() < 1e-3
    run = runner.invoke(
        app,
        ["al", "run", str(folder), "-s", "margin", "--initial", "20", "--budget", "10"]
        + ["--rounds", "2"],
    )
    assert run.exit_code == 0, run.output
    assert "minilm.npy" in run.output or "pool" in run.output
