"""Integration: with cleaning off, ``annal data info`` reproduces every SOURCE.md exactly."""

from __future__ import annotations

import json
import re

import pytest
from typer.testing import CliRunner

from annal.cli import app

pytestmark = pytest.mark.shared
runner = CliRunner()


def source_counts(text: str) -> dict[str, int]:
    """The ``## Class counts`` table of a SOURCE.md as {label: count}."""
    section = text.split("## Class counts", 1)[1].split("\n## ", 1)[0]
    counts = {}
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 3 and re.fullmatch(r"\d+", cells[1]):
            counts[cells[0]] = int(cells[1])
    return counts


def source_result(text: str, key: str) -> int:
    return int(re.search(rf"^- {key}: (\d+)", text, re.MULTILINE).group(1))


def test_every_shared_dataset_matches_its_source_md(shared_root):
    names = sorted(p.name for p in shared_root.iterdir() if (p / "SOURCE.md").is_file())
    assert len(names) >= 5
    for name in names:
        source = (shared_root / name / "SOURCE.md").read_text(encoding="utf-8")
        expected = source_counts(source)
        assert len(expected) == source_result(source, "classes"), name
        result = runner.invoke(
            app, ["data", "info", name, "--data-root", str(shared_root), "--no-clean", "--json"]
        )
        assert result.exit_code == 0, (name, result.output)
        info = json.loads(result.stdout)
        assert info["counts"] == expected, name
        assert info["n_rows"] == source_result(source, "rows") == sum(expected.values()), name
        assert sum(info["drops"].values()) == 0, name


def test_table_output_names_every_class(shared_root):
    result = runner.invoke(
        app, ["data", "info", "trec50", "--data-root", str(shared_root), "--no-clean"]
    )
    assert result.exit_code == 0
    expected = source_counts((shared_root / "trec50" / "SOURCE.md").read_text(encoding="utf-8"))
    rows = {}
    for line in result.output.splitlines():
        cells = [c.strip() for c in line.split("│") if c.strip()]
        if len(cells) == 3 and cells[1].isdigit():
            rows[cells[0]] = int(cells[1])
    assert rows == expected
    assert "imbalance ratio (largest/smallest): 337.00" in result.output


def test_cleaning_on_drops_are_counted(shared_root):
    result = runner.invoke(
        app, ["data", "info", "trec6", "--data-root", str(shared_root), "--json"]
    )
    info = json.loads(result.stdout)
    assert info["rows_read"] == 5871
    assert info["n_rows"] + sum(info["drops"].values()) == 5871
    assert info["drops"]["duplicates"] > 0  # cleaning makes near-identical questions equal
