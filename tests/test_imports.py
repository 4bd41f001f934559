"""No import cycles between annal's modules, counting the imports inside functions too.

A function-local import only hides a cycle from Python's import order: the two modules still
need each other (``data/load.py`` and ``data/synthetic.py`` once did). The graph is read
from the source (``ast``), so it sees every ``import annal...`` wherever it stands.
"""

from __future__ import annotations

import ast
import functools
from pathlib import Path

import pytest

import annal

ROOT = Path(annal.__file__).resolve().parent

# Every package whose modules must stand outside any cycle.
PACKAGES = [
    "annal.al",
    "annal.annbench",
    "annal.cli",
    "annal.data",
    "annal.embed",
    "annal.experiments",
    "annal.index",
    "annal.label",
    "annal.report",
]


def module_files() -> dict[str, Path]:
    out = {}
    for path in ROOT.rglob("*.py"):
        parts = list(path.relative_to(ROOT.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        out[".".join(parts)] = path
    return out


@functools.cache
def import_graph() -> dict[str, set[str]]:
    """module -> the annal modules it imports anywhere in its source."""
    files = module_files()
    graph: dict[str, set[str]] = {}
    for name, path in files.items():
        found: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                found |= {a.name for a in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                for alias in node.names:
                    sub = f"{node.module}.{alias.name}"
                    found.add(sub if sub in files else node.module)
        graph[name] = {m for m in found if m in files and m != name}
    return graph


def cycles(graph: dict[str, set[str]]) -> list[set[str]]:
    """The strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    out: list[set[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = set()
            while True:
                w = stack.pop()
                component.add(w)
                if w == v:
                    break
            if len(component) > 1:
                out.append(component)

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def test_the_graph_sees_function_local_imports():
    graph = import_graph()
    # embed/folder.py imports its data source inside a function.
    assert "annal.data.sources" in graph["annal.embed.folder"]
    assert cycles({"a": {"b"}, "b": {"a"}, "c": {"a"}}) == [{"a", "b"}]


@pytest.mark.parametrize("package", PACKAGES)
def test_no_import_cycle_touches(package):
    touching = [sorted(c) for c in cycles(import_graph()) if any(m.startswith(package) for m in c)]
    assert touching == []
