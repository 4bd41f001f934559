"""The CLI root: user errors become one line on stderr and exit code 2."""

from __future__ import annotations

from typer.testing import CliRunner

from annal.cli import app


def test_user_error_exits_2_with_one_line(tmp_path):
    missing = tmp_path / "nope.csv"
    result = CliRunner().invoke(app, ["data", "info", str(missing)])
    assert result.exit_code == 2, result.output
    assert "error:" in result.output
    assert "nope.csv" in result.output
    assert "Traceback" not in result.output


def test_console_script_exit_code(tmp_path):
    import subprocess
    import sys

    proc = subprocess.run(
        [sys.executable, "-m", "annal", "data", "info", str(tmp_path / "missing.jsonl")],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 2
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error:"), proc.stderr
