"""The chunked, resumable float16 writer behind ``annal embed`` for large outputs."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from annal.cli import app
from annal.embed.writer import write_chunked

runner = CliRunner()


class Crash(RuntimeError):
    pass


def _rows(n, d=6, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d)).astype(np.float32)
    return X / np.linalg.norm(X, axis=1, keepdims=True)


def test_resumes_from_the_last_finished_chunk_after_a_crash(tmp_path):
    X = _rows(103)
    out = tmp_path / "e.npy"
    calls = []

    def flaky(start, stop):
        calls.append(start)
        if start == 40:
            raise Crash
        return X[start:stop]

    with pytest.raises(Crash):
        write_chunked(out, 103, encode=flaky, key="k", chunk_rows=20, progress=False)
    assert not out.exists()
    progress = json.loads((tmp_path / "e.npy.progress.json").read_text())
    assert progress["done"] == [0, 1] and progress["dim"] == 6
    calls.clear()
    write_chunked(
        out,
        103,
        encode=lambda a, b: calls.append(a) or X[a:b],
        key="k",
        chunk_rows=20,
        progress=False,
    )
    assert calls == [40, 60, 80, 100]  # the finished chunks are not encoded again
    got = np.load(out)
    assert got.dtype == np.float16 and got.shape == (103, 6)
    np.testing.assert_array_equal(got, X.astype(np.float16))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["e.npy"]


def test_a_sidecar_for_other_inputs_is_not_resumed(tmp_path):
    X, Y = _rows(50, seed=1), _rows(50, seed=2)
    out = tmp_path / "e.npy"

    def crash_late(start, stop):
        if start >= 30:
            raise Crash
        return X[start:stop]

    with pytest.raises(Crash):
        write_chunked(out, 50, encode=crash_late, key="texts-A", chunk_rows=10, progress=False)
    calls = []
    write_chunked(
        out,
        50,
        encode=lambda a, b: calls.append(a) or Y[a:b],
        key="texts-B",
        chunk_rows=10,
        dtype="float32",
        progress=False,
    )
    assert calls == [0, 10, 20, 30, 40]
    np.testing.assert_array_equal(np.load(out), Y)


def test_bad_rows_from_a_chunk_are_an_error_naming_it(tmp_path):
    from annal.errors import AnnalError

    with pytest.raises(AnnalError, match=r"chunk 1 \(rows 10:20\)"):
        write_chunked(
            tmp_path / "e.npy",
            30,
            encode=lambda a, b: np.full((b - a, 3), np.nan if a == 10 else 1.0),
            chunk_rows=10,
            progress=False,
        )
    assert not (tmp_path / "e.npy").exists()


def test_cli_writes_large_outputs_chunked_as_float16(tmp_path):
    small, big = tmp_path / "small.npy", tmp_path / "big.npy"
    base = ["embed", "demo", "--model", "tfidf?dim=16"]
    assert runner.invoke(app, [*base, "--out", str(small)]).exit_code == 0
    result = runner.invoke(app, [*base, "--out", str(big), "--chunk-size", "700"])
    assert result.exit_code == 0, result.output
    assert "3000 x 16 float16" in result.output
    a, b = np.load(small), np.load(big, mmap_mode="r")
    assert a.dtype == np.float32 and b.dtype == np.float16
    np.testing.assert_allclose(b, a, atol=1e-3)
    for bad, msg in (
        (["--dtype", "int8"], "--dtype must be"),
        (["--backend", "dask"], "--backend must be"),
    ):
        result = runner.invoke(app, [*base, "--out", str(tmp_path / "x.npy"), *bad])
        assert result.exit_code == 2 and msg in result.output
    result = runner.invoke(app, [*base, "--out", str(tmp_path / "x.npy"), "--backend", "ray"])
    assert result.exit_code == 2 and "cannot run as Ray tasks" in result.output
    assert not (tmp_path / "x.npy").exists()


@pytest.mark.slow
def test_ray_chunks_give_the_same_file_as_local(tmp_path):
    pytest.importorskip("ray")
    texts = [
        f"sentence number {i} about {w}" for i, w in enumerate(["cats", "rain", "tax", "code"] * 6)
    ]
    csv = tmp_path / "t.csv"
    pd.DataFrame({"text": texts, "label": ["a", "b"] * 12}).to_csv(csv, index=False)
    outs = {}
    for backend in ("local", "ray"):
        outs[backend] = tmp_path / f"{backend}.npy"
        args = ["embed", str(csv), "--model", "minilm", "--out", str(outs[backend])]
        result = runner.invoke(app, [*args, "--chunk-size", "5", "--backend", backend])
        assert result.exit_code == 0, result.output
    local, remote = np.load(outs["local"]), np.load(outs["ray"])
    assert local.shape == (24, 384) and local.dtype == np.float16
    np.testing.assert_allclose(remote.astype(np.float32), local.astype(np.float32), atol=2e-3)
