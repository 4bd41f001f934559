"""The CLI speaks one language: every --help fits 80 columns without cutting a default or a
choice list, lists the choices of fixed-set options, is written in capitalised sentences,
and says where data and the cache live."""

from __future__ import annotations

import re

import pytest
import typer
from typer.testing import CliRunner

from annal.al.models import CLASSIFIERS
from annal.al.registry import INITIALIZERS, STRATEGIES
from annal.cli import app
from annal.data.labels import POLICIES
from annal.experiments.config import PRESETS
from annal.ray_connect import EXECUTION_BACKENDS

runner = CliRunner()


def _commands(group=None, path=()):
    """Every (path, click command) of the app, groups included."""
    group = group or typer.main.get_command(app)
    yield path, group
    for name, cmd in getattr(group, "commands", {}).items():
        yield from _commands(cmd, (*path, name))


ALL = [path for path, _ in _commands()]


def _help(path) -> str:
    result = runner.invoke(app, [*path, "--help"], env={"COLUMNS": "80"}, terminal_width=80)
    assert result.exit_code == 0, result.output
    return result.output


def _flat(text: str) -> str:
    """The help with line breaks (and the wrapper's hyphen breaks) joined back."""
    return re.sub(r"\s+", " ", re.sub(r"-\n\s+", "-", text))


@pytest.mark.parametrize("path", ALL, ids=lambda p: " ".join(p) or "annal")
def test_help_fits_80_columns_and_cuts_nothing(path):
    text = _help(path)
    assert max(map(len, text.splitlines())) <= 80, text
    assert "…" not in text and "..." not in text.split("Commands:")[-1], text
    cmd = dict(_commands())[path]
    flat = _flat(text)
    for p in cmd.params:
        if p.name == "help" or p.default is None or not getattr(p, "show_default", True):
            continue
        default = p.default
        if isinstance(default, list | tuple):
            default = ", ".join(map(str, default))
        elif isinstance(default, bool):
            continue  # flags show on/off names, not values
        assert f"[default: {default}" in flat, (p.name, flat)


@pytest.mark.parametrize("path", [p for p in ALL if p], ids=lambda p: " ".join(p))
def test_help_texts_are_capitalised_sentences(path):
    cmd = dict(_commands())[path]
    for p in cmd.params:
        if p.name == "help" or not getattr(p, "help", None):
            continue
        assert p.help[0].isupper() or p.help[0] in "$'", (path, p.name, p.help)
        assert p.help.rstrip().endswith("."), (path, p.name, p.help)
    doc = (cmd.help or "").strip()
    assert doc and doc[0].isupper() and doc.split("\n")[0].rstrip().endswith("."), (path, doc)


@pytest.mark.parametrize(
    "path, option, names",
    [
        (("al", "run"), "--strategy", STRATEGIES),
        (("al", "run"), "--init", INITIALIZERS),
        (("al", "run"), "--classifier", CLASSIFIERS),
        (("al", "run"), "--label-policy", POLICIES),
        (("data", "info"), "--label-policy", POLICIES),
        (("embed",), "--label-policy", POLICIES),
        (("experiment", "run"), "--backend", EXECUTION_BACKENDS),
        (("experiment", "run"), "CONFIG", PRESETS),
        (("reproduce",), "--backend", EXECUTION_BACKENDS),
        (("ann-bench",), "--preset", ["paper"]),
        (("results", "export"), "--format", ["csv", "parquet"]),
    ],
)
def test_fixed_choice_options_list_their_choices(path, option, names):
    flat = _flat(_help(path))
    assert option in flat
    for name in names:
        assert re.search(rf"(?<![\w-]){re.escape(name)}(?![\w-])", flat), (option, name)


@pytest.mark.parametrize("path", [(), ("embed",), ("al", "run"), ("ann-bench",)])
def test_help_says_where_the_cache_lives(path):
    assert "$ANNAL_CACHE_DIR" in _flat(_help(path))


def test_config_list_shows_every_preset_with_its_summary():
    result = runner.invoke(app, ["config", "list"], env={"COLUMNS": "80"})
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert [line.split()[0] for line in lines if not line.startswith(" ")] == list(PRESETS)
    assert all(len(line) <= 80 for line in lines)
    assert "demo  " in result.output and "5 seeds." in result.output


DATASET_OPTIONS = [
    "--data-root",
    "--no-clean",
    "--label-policy",
    "--text-col",
    "--label-col",
    "--min-class-size",
]


@pytest.mark.parametrize("path", [("data", "info"), ("embed",), ("al", "run")], ids=" ".join)
def test_every_command_that_reads_a_dataset_takes_the_same_dataset_options(path):
    cmd = dict(_commands())[path]
    opts = {o: p for p in cmd.params for o in p.opts}
    assert [p.name for p in cmd.params if p.param_type_name == "argument"][0] == "source"
    for flag in DATASET_OPTIONS:
        assert flag in opts, (path, flag)
    reference = {o: p for p in dict(_commands())[("data", "info")].params for o in p.opts}
    for flag in DATASET_OPTIONS:
        assert (opts[flag].default, opts[flag].help) == (
            reference[flag].default,
            reference[flag].help,
        )
