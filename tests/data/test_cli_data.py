"""``annal data info`` / ``annal data list`` through typer's CliRunner."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from typer.testing import CliRunner

from annal.cli import app

runner = CliRunner()


@pytest.fixture
def root(tmp_path):
    folder = tmp_path / "toy"
    folder.mkdir()
    pd.DataFrame(
        {
            "body": [
                "Red apples",
                "Green pears",
                "Blue skies",
                "Grey clouds",
                "Ripe plums",
                "odd one",
            ],
            "cat": ["fruit", "fruit", "sky", "sky", "fruit", "rare"],
        }
    ).to_csv(folder / "data.csv", index=False)
    (tmp_path / "good").mkdir()
    pd.DataFrame({"text": ["a b", "c d", "e f"], "label": ["x", "y", "y"]}).to_csv(
        tmp_path / "good" / "data.csv", index=False
    )
    return tmp_path


def test_info_table_json_and_plot(root):
    args = [
        "data",
        "info",
        "toy",
        "--data-root",
        str(root),
        "--text-col",
        "body",
        "--label-col",
        "cat",
    ]
    result = runner.invoke(app, [*args, "--plot", str(root / "dist.png")])
    assert result.exit_code == 0, result.output
    out = result.output
    assert "toy: 5 rows, 2 classes" in out and "imbalance ratio (largest/smallest): 1.50" in out
    assert "fruit" in out and "60.00%" in out and "rare class 1" in out
    assert "warning:" in out and "rare" in out  # the dropped class is named
    assert (root / "dist.png").read_bytes()[:4] == b"\x89PNG"
    as_json = json.loads(runner.invoke(app, [*args, "--json"]).stdout)
    assert as_json["counts"] == {"fruit": 3, "sky": 2} and as_json["rare_classes"] == ["rare"]


def test_info_no_clean_and_policy(root):
    result = runner.invoke(
        app,
        [
            "data",
            "info",
            str(root / "toy" / "data.csv"),
            "--text-col",
            "body",
            "--label-col",
            "cat",
            "--no-clean",
            "--label-policy",
            "first",
            "--min-class-size",
            "1",
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["counts"] == {"fruit": 3, "sky": 2, "rare": 1}


def test_info_demo():
    result = runner.invoke(app, ["data", "info", "demo"])
    assert result.exit_code == 0 and "demo: " in result.output


def test_list(root):
    result = runner.invoke(app, ["data", "list", "--data-root", str(root)])
    assert result.exit_code == 0, result.output
    good = next(line for line in result.output.splitlines() if "good" in line)
    assert [c.strip() for c in good.split("│") if c.strip()] == ["good", "3", "2", "-"]
    assert (
        "toy" in result.output and "cannot load" in result.output and "no column" in result.output
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["data", "info", "missing.csv"], "no such file or folder"),
        (["data", "info", "toy", "--label-col", "nope", "--text-col", "body"], "no column 'nope'"),
        (
            [
                "data",
                "info",
                "toy",
                "--label-policy",
                "all",
                "--text-col",
                "body",
                "--label-col",
                "cat",
            ],
            "unknown label policy",
        ),
        (["data", "list", "--data-root", "/definitely/not/here"], "is not a folder"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(root, monkeypatch, args, message):
    monkeypatch.setenv("ANNAL_DATA_ROOT", str(root))
    result = runner.invoke(app, args)
    assert result.exit_code == 2, result.output
    lines = [ln for ln in result.output.splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith("error:") and message in lines[0]
