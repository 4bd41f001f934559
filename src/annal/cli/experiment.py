"""Experiment commands: ``experiment run``, ``config show``, ``results export``, ``report``,
``reproduce``. Each parses options, calls :mod:`annal.experiments` / :mod:`annal.report`, and
prints with rich."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from annal.cli import output_dir, sub_app

console = Console(highlight=False)
err = Console(stderr=True, highlight=False)

JOBS_HELP = "parallel workers (processes, or CPUs of a local Ray); each gets cores/jobs threads"


def _finish(summary, out: Path) -> None:
    """Print a run's summary; exit 1 when a cell failed."""
    console.print(
        f"{summary.total} cells: {summary.done} run now, {summary.skipped} already done, "
        f"{len(summary.failed)} failed ({summary.wall_s:.1f} s) -> {out}"
    )
    if summary.failed:
        table = Table("failed cell", "error (full traceback in results.sqlite)")
        for cell, tb in summary.failed:
            lines = (tb or "").strip().splitlines()
            table.add_row(cell, lines[-1] if lines else "?")
        err.print(table)
        raise typer.Exit(1)


def experiment_run(
    config: str = typer.Argument(..., help="YAML config file or preset name (paper)"),
    out: Path = typer.Option(
        None, "--out", callback=output_dir, help="run directory (default runs/<config name>)"
    ),
    jobs: int = typer.Option(2, "--jobs", "-j", help=JOBS_HELP),
    backend: str = typer.Option("local", "--backend", help="local | ray"),
    address: str = typer.Option(None, "--address", help="Ray cluster address (--backend ray)"),
    force: bool = typer.Option(False, "--force", help="replace results of a different config"),
    progress: bool = typer.Option(True, "--progress/--no-progress"),
) -> None:
    """Run every cell of an experiment grid; re-running resumes where it stopped."""
    from annal.experiments import load_config, run_experiment

    cfg = load_config(config)
    out = out or Path("runs") / cfg.name
    summary = run_experiment(
        cfg, out, jobs=jobs, backend=backend, address=address, force=force, progress=progress
    )
    _finish(summary, out)


def config_show(
    config: str = typer.Argument("paper", help="preset name or YAML file"),
) -> None:
    """Print a validated config (e.g. the paper preset) as YAML."""
    from annal.experiments import load_config

    print(load_config(config).to_yaml(), end="")


def results_export(
    run_dir: Path = typer.Argument(..., help="run directory"),
    fmt: str = typer.Option("csv", "--format", help="csv | parquet"),
) -> None:
    """Write RUN_DIR/rounds.csv (or .parquet): one row per dataset/strategy/init/seed/round."""
    from annal.experiments import export_rounds

    console.print(f"wrote {export_rounds(run_dir, fmt)}")


def report(run_dir: Path = typer.Argument(..., help="run directory")) -> None:
    """Write RUN_DIR/report.md and a self-contained RUN_DIR/report.html."""
    from annal.report import make_report

    paths = make_report(run_dir)
    console.print(f"wrote {paths.markdown} and {paths.html}")


def reproduce(
    data_root: Path = typer.Option(None, "--data-root", help="folder of dataset folders"),
    seeds: int = typer.Option(3, "--seeds", min=1, help="seeds 0..N-1"),
    out: Path = typer.Option(
        Path("runs/paper"), "--out", callback=output_dir, help="run directory"
    ),
    jobs: int = typer.Option(2, "--jobs", "-j", help=JOBS_HELP),
    datasets: str = typer.Option(None, "--datasets", help="comma-separated subset of datasets"),
    rounds: int = typer.Option(None, "--rounds", min=1, help="override the 20 rounds"),
    backend: str = typer.Option("local", "--backend", help="local | ray"),
    address: str = typer.Option(None, "--address", help="Ray cluster address (--backend ray)"),
    force: bool = typer.Option(False, "--force", help="replace results of a different config"),
    progress: bool = typer.Option(True, "--progress/--no-progress"),
) -> None:
    """Run the paper preset on every dataset under the data root, then write the report."""
    from annal.experiments import run_experiment
    from annal.experiments.reproduce import paper_config
    from annal.report import make_report

    names = [d.strip() for d in datasets.split(",") if d.strip()] if datasets else None
    cfg = paper_config(data_root, seeds=seeds, datasets=names, rounds=rounds)
    summary = run_experiment(
        cfg, out, jobs=jobs, backend=backend, address=address, force=force, progress=progress
    )
    if summary.done + summary.skipped:
        paths = make_report(out)
        console.print(f"report: {paths.html}")
    _finish(summary, out)


def register(app: typer.Typer) -> None:
    """Add this module's commands to the root app."""
    exp = sub_app("Run experiment grids (resumable; local processes or Ray).")
    exp.command("run")(experiment_run)
    app.add_typer(exp, name="experiment")
    cfg = sub_app("Show experiment configs and presets.")
    cfg.command("show")(config_show)
    app.add_typer(cfg, name="config")
    res = sub_app("Export stored results.")
    res.command("export")(results_export)
    app.add_typer(res, name="results")
    app.command("report")(report)
    app.command("reproduce")(reproduce)
