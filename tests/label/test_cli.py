"""``annal label`` on the command line: init, status, export, labels, and bad input."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from annal.cli import app
from annal.label import Project

runner = CliRunner()


def cli(*args):
    return runner.invoke(app, ["label", *map(str, args)])


def write_csv(path, **cols):
    pd.DataFrame(cols).to_csv(path, index=False)
    return path


def init(out, data, *extra, labels="a,b"):
    """``annal label init`` of the small file with TF-IDF vectors and ``extra`` options."""
    return cli(
        "init",
        out,
        "--data",
        data,
        "--text-col",
        "body",
        "--model",
        "tfidf?dim=4",
        "--labels",
        labels,
        *extra,
    )


@pytest.fixture
def small(tmp_path):
    path = write_csv(
        tmp_path / "d.csv",
        id=["a", "b", "c", "d"],
        body=["the cat sat", "a dog barked", "<script>alert(1)</script>", "cats and dogs"],
        label=["pets", "", "", "other"],
    )
    return path


def test_init_imports_labels_and_keeps_every_row(tmp_path, small):
    out = tmp_path / "proj"
    res = init(
        out,
        small,
        "--id-col",
        "id",
        "--label-col",
        "label",
        "--initial",
        "2",
        "--init",
        "random",
        labels="pets,other,spam",
    )
    assert res.exit_code == 0, res.output
    project = Project(out)
    assert project.store.n_items() == 4
    assert project.store.annotations() == {0: "pets", 3: "other"}
    assert project.vectors.shape[0] == 4
    assert project.config.text_col == "body" and project.config.init == "random"
    assert len(project.store.queued()) == 2  # the first batch is ready before serving


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--text-col", "text"], "no column 'text'"),
        (["--text-col", "body", "--id-col", "dup"], "duplicate id 'x'"),
        (["--text-col", "body", "--labels", "a,b,a"], "'a' is listed twice"),
        (["--text-col", "body", "--label-col", "label", "--labels", "pets,spam"], "label 'other'"),
        (["--text-col", "body", "--init", "class-coverage"], "reads the true labels"),
        (["--text-col", "body", "--strategy", "nope"], "unknown strategy 'nope'"),
    ],
)
def test_bad_input_is_one_error_line_and_nothing_written(tmp_path, small, args, message):
    frame = pd.read_csv(small)
    frame["dup"] = ["x", "y", "x", "z"]
    frame.to_csv(small, index=False)
    out = tmp_path / "proj"
    full = ["init", out, "--data", small, "--model", "tfidf?dim=4", *args]
    if "--labels" not in args:
        full += ["--labels", "pets,other"]
    res = cli(*full)
    assert res.exit_code == 2
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error:") and message in lines[0]
    assert not out.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["d.csv"]  # no temp folder left


def test_init_refuses_non_empty_folder_without_force(tmp_path, small):
    out = tmp_path / "proj"
    out.mkdir()
    (out / "keep.txt").write_text("mine")
    res = init(out, small)
    assert res.exit_code == 2 and "not empty" in res.stderr
    assert (out / "keep.txt").read_text() == "mine"
    assert init(out, small, "--force").exit_code == 0
    assert not (out / "keep.txt").exists() and (out / "project.db").is_file()


def test_other_version_is_refused(tmp_path, small):
    out = tmp_path / "proj"
    assert init(out, small).exit_code == 0
    store = Project(out).store
    store.con.execute("UPDATE meta SET value = '2' WHERE key = 'schema_version'")
    store.close()
    res = cli("status", out)
    assert res.exit_code == 2
    assert res.stderr.strip().splitlines() == [
        f"error: {out / 'project.db'}: project schema version 2, this annal reads version 1"
    ]


def test_precomputed_vectors_must_match_the_rows(tmp_path, small):
    np.save(tmp_path / "v.npy", np.zeros((3, 8), dtype=np.float32))
    res = init(tmp_path / "proj", small, "--model", tmp_path / "v.npy")
    assert res.exit_code == 2 and "3 embedding rows, but the data has 4 rows" in res.stderr


def test_labels_status_and_export(tmp_path, small):
    out = tmp_path / "proj"
    res = init(out, small, "--id-col", "id", "--label-col", "label", labels="pets,other")
    assert res.exit_code == 0, res.output
    store = Project(out).store
    store.label(2, "other", who="ann")
    res = cli("labels", out, "--add", "spam", "--rename", "pets=animals")
    assert res.exit_code == 0, res.output
    assert res.stdout.split() == ["animals", "1", "other", "2", "spam", "0"]
    res = cli("labels", out, "--rename", "other=animals")  # merge
    assert res.stdout.split() == ["animals", "3", "spam", "0"]

    res = cli("status", out)
    assert res.exit_code == 0 and "3 of 4 labelled" in res.stdout and "animals" in res.stdout

    res = cli("export", out, "--out", tmp_path / "l.csv")
    assert res.exit_code == 0, res.output
    got = pd.read_csv(tmp_path / "l.csv")
    assert got["id"].tolist() == ["a", "c", "d"]
    assert got["label"].tolist() == ["animals"] * 3
    assert got["text"].tolist()[1] == "<script>alert(1)</script>"
    assert got["who"].tolist()[1] == "ann"

    res = cli("export", out, "--out", tmp_path / "all.jsonl", "--predictions")
    assert res.exit_code == 0, res.output
    rows = [json.loads(line) for line in (tmp_path / "all.jsonl").read_text().splitlines()]
    assert [r["id"] for r in rows] == ["a", "b", "c", "d"]
    assert rows[1]["label"] is None and "predicted" in rows[1]
    res = cli("export", out, "--out", tmp_path / "l.parquet")
    assert res.exit_code == 0 and len(pd.read_parquet(tmp_path / "l.parquet")) == 3
    res = cli("export", out, "--out", tmp_path / "l.txt")
    assert res.exit_code == 2 and "--format" in res.stderr


def test_export_predictions_after_a_fit(tmp_path, project_dir, data):
    from annal.label.trainer import Trainer

    project = Project(project_dir)
    for item in project.store.claim("t", 12):
        project.store.label(item.id, data.gold[item.id])
    Trainer(project).step()
    res = cli("export", project_dir, "--out", tmp_path / "p.csv", "--predictions")
    assert res.exit_code == 0, res.output
    got = pd.read_csv(tmp_path / "p.csv")
    assert len(got) == len(data.gold)
    labelled = got["label"].notna()
    assert labelled.sum() == 12 and got.loc[labelled, "predicted"].isna().all()
    assert got.loc[~labelled, "predicted"].isin(data.labels).all()
    assert got.loc[~labelled, "probability"].between(0, 1).all()
