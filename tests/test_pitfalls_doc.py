"""docs/pitfalls.md stays true: every test it names exists, and every citation of it in the
code points to an item it has."""

from __future__ import annotations

import ast
import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DOC = REPO / "docs" / "pitfalls.md"


def items() -> set[int]:
    return {int(n) for n in re.findall(r"^(\d+)\. \*\*", DOC.read_text(), flags=re.M)}


def test_items_are_numbered_one_to_n():
    assert sorted(items()) == list(range(1, len(items()) + 1)) and len(items()) >= 8


def test_every_named_test_exists():
    named = re.findall(r"`(tests/[\w/]+\.py)::(\w+)`", DOC.read_text())
    assert len(named) >= 9
    for path, name in named:
        tree = ast.parse((REPO / path).read_text())
        defined = {n.name for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)}
        assert name in defined, f"{path}::{name}"


def test_citations_point_to_items_and_no_file_cites_the_missing_pitfalls_md():
    cited = []
    for path in [*REPO.joinpath("src").rglob("*.py"), *REPO.joinpath("tests").rglob("*.py")]:
        text = path.read_text(encoding="utf-8")
        assert "PITFALLS" not in text or path.name == Path(__file__).name, path
        cited += [int(n) for n in re.findall(r"docs/pitfalls\.md #(\d+)", text)]
    assert cited and set(cited) <= items()
