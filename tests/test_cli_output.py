"""Output for a person: one plain line per finished step when not on a terminal (never bar
fragments), "wrote FILE" on its own line, no table header before an error, embed says when it
used the cache, and the shared cleaning options on every data-reading command."""

from __future__ import annotations

import json
import re

import numpy as np
import pandas as pd
import yaml
from typer.testing import CliRunner

from annal.cli import app

runner = CliRunner()
FAST = ["--model", "tfidf?dim=16"]
CONTROL = re.compile(r"\r|\x1b\[")
TABLE_RULES = set("┏┡└┃│┳╇┴┓┩┘")


def bar_fragments(text: str) -> list[str]:
    """Lines of ``text`` that hold a progress bar's pieces (cursor moves, colour codes, bar
    characters outside a table)."""
    return [
        line
        for line in text.splitlines()
        if CONTROL.search(line) or (set(line) & set("━╸╺") and not set(line) & TABLE_RULES)
    ]


def _ok(args):
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert bar_fragments(result.output) == [], result.output
    return result


def test_al_run_off_a_terminal_prints_one_line_per_round_and_wrote(tmp_path):
    out = tmp_path / "rounds.csv"
    args = ["al", "run", "demo", "-s", "margin", *FAST, "--initial", "30", "--budget", "20"]
    result = _ok([*args, "--rounds", "3", "--out", str(out)])
    lines = result.output.splitlines()
    header = next(i for i, line in enumerate(lines) if line.split()[:2] == ["round", "n_lab"])
    rows = [line.split() for line in lines[header + 1 : header + 5]]
    assert [r[0] for r in rows] == ["0", "1", "2", "3"]
    assert [int(r[1]) for r in rows] == [30, 50, 70, 90]
    assert lines[-1] == f"wrote {out}" and out.is_file()
    frame = pd.read_csv(out)
    per_class = json.loads(frame["recall_per_class"].iloc[-1])
    assert isinstance(per_class, dict) and len(per_class) == 12  # the demo's classes, by name
    assert all(not k.isdigit() for k in per_class)
    for col in ("round", "n_labelled", "classes_covered", "seed"):
        assert pd.api.types.is_integer_dtype(frame[col]), col


def test_al_run_takes_the_cleaning_options_of_data_info(tmp_path):
    csv = tmp_path / "d.csv"
    rows = [("Alpha, BETA!", "a|b")] + [(f"text {i} of a", "a") for i in range(40)]
    rows += [(f"text {i} of b", "b") for i in range(40)] + [(f"rare {i}", "c") for i in range(3)]
    csv.write_text("text,label\n" + "\n".join(f'"{t}","{y}"' for t, y in rows) + "\n")
    base = ["al", "run", str(csv), "-s", "random", *FAST, "--initial", "10", "--budget", "5"]
    base += ["--rounds", "1"]
    kept = _ok([*base, "--no-clean", "--label-policy", "first", "--min-class-size", "2"])
    assert "3 classes" in kept.output  # a, b, c; the multi-label row kept as 'a'
    dropped = _ok([*base, "--label-policy", "single", "--min-class-size", "5"])
    assert "2 classes" in dropped.output  # c (3 rows) dropped
    bad = runner.invoke(app, [*base, "--label-policy", "nope"])
    assert bad.exit_code == 2 and "error:" in bad.output


def test_an_error_never_follows_an_empty_table_header():
    result = runner.invoke(
        app, ["al", "run", "demo", "-s", "margin", *FAST, "--classifier", "nope", "--rounds", "1"]
    )
    assert result.exit_code == 2
    assert "error:" in result.output
    assert not any(line.split()[:2] == ["round", "n_lab"] for line in result.output.splitlines())


def test_embed_says_when_it_used_the_cache(tmp_path):
    first = _ok(["embed", "demo", *FAST, "--out", str(tmp_path / "a.npy")])
    assert "from cache" not in first.output
    second = _ok(["embed", "demo", *FAST, "--out", str(tmp_path / "b.npy")])
    assert "from cache " in second.output and "tfidf" in second.output
    assert second.output.splitlines()[-1] == f"wrote {tmp_path / 'b.npy'}"
    np.testing.assert_array_equal(np.load(tmp_path / "a.npy"), np.load(tmp_path / "b.npy"))
    fresh = _ok(["embed", "demo", *FAST, "--no-cache", "--out", str(tmp_path / "c.npy")])
    assert "from cache" not in fresh.output


def test_experiment_run_takes_data_root_and_logs_one_line_per_cell(tmp_path):
    root = tmp_path / "root"
    (root / "mini").mkdir(parents=True)
    rows = [f"word{i % 7} thing{i % 3} alpha{i},c{i % 3}" for i in range(90)]
    (root / "mini" / "data.csv").write_text("text,label\n" + "\n".join(rows) + "\n")
    cfg = tmp_path / "my.yaml"
    cfg.write_text(
        yaml.safe_dump(
            {
                "name": "mini",
                "datasets": ["mini"],
                "encoder": "tfidf?dim=8",
                "seeds": 2,
                "protocol": {"initial": 6, "budget": 6, "rounds": 2},
                "strategies": ["random", "margin"],
            }
        )
    )
    out = tmp_path / "run"
    missing = runner.invoke(
        app, ["experiment", "run", str(cfg), "--out", str(tmp_path / "x"), "-j", "1"]
    )
    assert missing.exit_code == 2 and "error:" in missing.output
    result = _ok(
        ["experiment", "run", str(cfg), "--out", str(out), "-j", "1", "--data-root", str(root)]
    )
    done = [line for line in result.output.splitlines() if re.match(r"\[\d/4\] ", line)]
    assert len(done) == 4 and all(line.endswith("done (3 rounds)") for line in done)
    export = _ok(["results", "export", str(out), "--format", "csv"])
    assert export.output.splitlines() == [f"wrote {out / 'rounds.csv'}"]
    rounds = pd.read_csv(out / "rounds.csv")
    assert set(json.loads(rounds["f1_per_class"].iloc[0])) == {"c0", "c1", "c2"}
    for col in ("round", "n_labelled", "classes_covered", "seed"):
        assert pd.api.types.is_integer_dtype(rounds[col]), col
    report = _ok(["report", str(out)]).output.splitlines()
    assert "has the largest F1 curve area" in report[0]
    assert report[1:] == [f"wrote {out / 'report.md'}", f"wrote {out / 'report.html'}"]


def test_ann_bench_table_shows_every_requested_k(tmp_path):
    rng = np.random.default_rng(1)
    np.save(tmp_path / "v.npy", rng.standard_normal((200, 8)).astype(np.float32))
    args = ["ann-bench", str(tmp_path / "v.npy"), "-i", "faiss:flat", "--k", "1,3,7,20"]
    result = _ok([*args, "--queries", "20", "--repeats", "1", "--no-progress"])
    for k in (1, 3, 7, 20):
        assert f"R@{k}" in result.output
